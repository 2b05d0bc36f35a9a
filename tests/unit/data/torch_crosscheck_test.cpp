// Cross-checks against PyTorch itself (Debian's python3-torch): skipped where
// /usr/bin/python3 cannot import torch.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

bool python_has_torch() {
  static const bool has = std::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") == 0;
  return has;
}

/// Run a python script; return its exit status and stdout+stderr.
std::pair<int, std::string> run_python(const std::string& dir, const std::string& script) {
  write_bytes(dir + "/check.py", script);
  const std::string cmd = "cd '" + dir + "' && /usr/bin/python3 check.py > out.txt 2>&1";
  const int rc = std::system(cmd.c_str());
  return {rc, read_bytes(dir + "/out.txt")};
}

std::string raw(const void* p, std::size_t n) { return std::string(static_cast<const char*>(p), n); }

/// One python run (importing torch costs seconds) prepares everything both tests check.
class TorchCrossCheck : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!python_has_torch()) return;
    dir_ = new TempDir;
    const std::string d = dir_->path();
    partition_ = new Partition(synthesize_partition(37, 99, 5));
    const Partition& p = *partition_;
    write_bytes(d + "/7.pt", serialize_partition(p, "7"));
    write_bytes(d + "/ours_images.raw", raw(p.images.data(), p.images.size() * 4));
    write_bytes(d + "/ours_magnitudes.raw", raw(p.magnitudes.data(), p.magnitudes.size() * 8));
    write_bytes(d + "/ours_redshift.raw", raw(p.redshift.data(), p.redshift.size() * 4));
    result_ = new std::pair<int, std::string>(run_python(d, R"(
import os, torch
from torch.utils.data import TensorDataset

# 1. torch.load reads our file; tensors equal ours bit for bit; torch.save gives back our bytes.
ds = torch.load('7.pt')
assert isinstance(ds, TensorDataset), type(ds)
im, mg, z = ds.tensors
assert im.shape == (37, 5, 32, 32) and im.dtype == torch.float32, (im.shape, im.dtype)
assert mg.shape == (37, 5) and mg.dtype == torch.float64, (mg.shape, mg.dtype)
assert z.shape == (37,) and z.dtype == torch.float32, (z.shape, z.dtype)
for t, f in ((im, 'ours_images.raw'), (mg, 'ours_magnitudes.raw'), (z, 'ours_redshift.raw')):
    assert t.numpy().tobytes() == open(f, 'rb').read(), f
os.mkdir('again')
torch.save(ds, 'again/7.pt')
assert open('again/7.pt', 'rb').read() == open('7.pt', 'rb').read(), 'torch.save bytes differ'
print('load ok')

# 2. Files in shapes our writer never makes: sliced/shared storages, tuple and dict layouts.
g = torch.Generator().manual_seed(3)
big = torch.rand(9, 6, 32, 40, generator=g)
images = big[1:8, 1:, :, 4:36]                       # offset and non-contiguous strides
mags = torch.rand(5, 7, dtype=torch.float64, generator=g).t()[:, :5] * 10 + 15   # transposed view
both = torch.rand(20, generator=g)
z = both[3:17:2]                                      # stride 2 into a shared storage
assert not images.is_contiguous() and not mags.is_contiguous()
torch.save(TensorDataset(images, mags, z), 'views.pt')
torch.save((images.contiguous(), mags.contiguous(), z.contiguous()), 'tuple.pt')
torch.save({'images': images, 'magnitudes': mags, 'redshift': z}, 'dict.pt')
for name, t in (('images', images), ('magnitudes', mags), ('redshift', z)):
    open(name + '.raw', 'wb').write(t.contiguous().numpy().tobytes())
print('views ok')
)"));
  }
  static void TearDownTestSuite() {
    delete dir_;
    delete partition_;
    delete result_;
    dir_ = nullptr;
    partition_ = nullptr;
    result_ = nullptr;
  }
  void SetUp() override {
    if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  }

  static TempDir* dir_;
  static Partition* partition_;
  static std::pair<int, std::string>* result_;
};
TempDir* TorchCrossCheck::dir_ = nullptr;
Partition* TorchCrossCheck::partition_ = nullptr;
std::pair<int, std::string>* TorchCrossCheck::result_ = nullptr;

// torch.load reads a synthesized file; its tensors equal ours bit for bit, and
// torch.save of what it loaded gives back our exact bytes.
TEST_F(TorchCrossCheck, TorchLoadsSynthesizedFilesWithEqualTensors) {
  EXPECT_NE(result_->second.find("load ok"), std::string::npos) << result_->second;
}

// Files torch writes in shapes our writer never produces: shared and sliced
// storages (offset and strides honoured), tuple/dict layouts.
TEST_F(TorchCrossCheck, ReadsTorchFilesWithViewsAndPlainLayouts) {
  ASSERT_EQ(result_->first, 0) << result_->second;
  const std::string d = dir_->path();
  const std::string images = read_bytes(d + "/images.raw");
  const std::string mags = read_bytes(d + "/magnitudes.raw");
  const std::string z = read_bytes(d + "/redshift.raw");
  ReadOptions plain;
  plain.allow_plain_layouts = true;
  for (const char* file : {"views.pt", "tuple.pt", "dict.pt"}) {
    auto p = read_partition_file(d + "/" + file, plain);
    ASSERT_TRUE(p.ok()) << file << ": " << p.error().message;
    EXPECT_EQ(p->samples, 7) << file;
    EXPECT_TRUE(raw(p->images.data(), p->images.size() * 4) == images) << file;
    EXPECT_TRUE(raw(p->magnitudes.data(), p->magnitudes.size() * 8) == mags) << file;
    EXPECT_TRUE(raw(p->redshift.data(), p->redshift.size() * 4) == z) << file;
  }
  auto strict = read_partition_file(d + "/tuple.pt");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message.find("top-level object is a tuple of 3, not a TensorDataset"), std::string::npos)
      << strict.error().message;
}

// Partitions whose magnitudes are another floating type, or whose redshift is any numeric type,
// run in the original (it calls .float() on them): the reader accepts them and converts exactly as
// .float() does. Images of another type than float32 could not run there and stay rejected.
TEST(TorchDtypes, AcceptsWhatTheOriginalConvertsAndRejectsNonFloat32Images) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  TempDir dir;
  const std::string d = dir.path();
  auto [rc, out] = run_python(d, R"(
import torch
from torch.utils.data import TensorDataset
g = torch.Generator().manual_seed(11)
n = 6
images = torch.rand(n, 5, 32, 32, generator=g)
mags64 = torch.rand(n, 5, dtype=torch.float64, generator=g) * 10 + 15
z64 = torch.rand(n, dtype=torch.float64, generator=g) * 3
cases = {
  'mag_f32':  (mags64.float(), z64.float()),
  'mag_f16':  (mags64.half(), z64.float()),
  'mag_bf16': (mags64.bfloat16(), z64.float()),
  'z_f64':    (mags64, z64),
  'z_f16':    (mags64, z64.half()),
  'z_i64':    (mags64, torch.tensor([0, 1, 2, 16777217, -5, 2**40 + 3], dtype=torch.int64)),
  'z_i32':    (mags64, torch.tensor([0, 1, 2, 16777217, -5, 7], dtype=torch.int32)),
  'z_u8':     (mags64, torch.tensor([0, 1, 2, 255, 5, 7], dtype=torch.uint8)),
  'z_bool':   (mags64, torch.tensor([True, False, True, True, False, False])),
}
for name, (m, z) in cases.items():
    torch.save(TensorDataset(images, m, z), name + '.pt')
    open(name + '.mags', 'wb').write(m.float().numpy().tobytes())
    open(name + '.z', 'wb').write(z.float().numpy().tobytes())
open('images.raw', 'wb').write(images.numpy().tobytes())
torch.save(TensorDataset(images.half(), mags64, z64.float()), 'img_f16.pt')
torch.save(TensorDataset(images.double(), mags64, z64.float()), 'img_f64.pt')
torch.save(TensorDataset(images, (mags64 * 100).long(), z64.float()), 'mag_i64.pt')
print('written')
)");
  ASSERT_EQ(rc, 0) << out;
  const std::string images = read_bytes(d + "/images.raw");
  for (const char* name : {"mag_f32", "mag_f16", "mag_bf16", "z_f64", "z_f16", "z_i64", "z_i32", "z_u8", "z_bool"}) {
    auto p = read_partition_file(d + "/" + name + ".pt");
    ASSERT_TRUE(p.ok()) << name << ": " << p.error().message;
    ASSERT_EQ(p->samples, 6) << name;
    EXPECT_TRUE(raw(p->images.data(), p->images.size() * 4) == images) << name;
    // What the model gets: magnitudes as float32 (infer converts the doubles), redshift as stored.
    std::vector<float> mags(p->magnitudes.begin(), p->magnitudes.end());
    EXPECT_TRUE(raw(mags.data(), mags.size() * 4) == read_bytes(d + "/" + name + ".mags")) << name;
    EXPECT_TRUE(raw(p->redshift.data(), p->redshift.size() * 4) == read_bytes(d + "/" + name + ".z")) << name;
  }
  const std::map<std::string, std::string> rejected = {
      {"img_f16", "images tensor has dtype float16, expected float32"},
      {"img_f64", "images tensor has dtype float64, expected float32"},
      {"mag_i64", "magnitudes tensor has dtype int64, expected a floating type"},
  };
  for (const auto& [name, why] : rejected) {
    auto p = read_partition_file(d + "/" + name + ".pt");
    ASSERT_FALSE(p.ok()) << name << " was accepted";
    EXPECT_EQ(p.error().code, ErrorCode::kCorrupt);
    EXPECT_NE(p.error().message.find(why), std::string::npos) << p.error().message;
  }
}

}  // namespace
}  // namespace cosmicai::data
