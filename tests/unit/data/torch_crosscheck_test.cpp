// Cross-checks against PyTorch itself (Debian's python3-torch): skipped where
// /usr/bin/python3 cannot import torch.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

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

// torch.load reads a synthesized file; its tensors equal ours bit for bit, and
// torch.save of what it loaded gives back our exact bytes.
TEST(TorchCrossCheck, TorchLoadsSynthesizedFilesWithEqualTensors) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  TempDir dir;
  const Partition p = synthesize_partition(37, 99, 5);
  write_bytes(dir.path() + "/7.pt", serialize_partition(p, "7"));
  write_bytes(dir.path() + "/images.raw", raw(p.images.data(), p.images.size() * 4));
  write_bytes(dir.path() + "/magnitudes.raw", raw(p.magnitudes.data(), p.magnitudes.size() * 8));
  write_bytes(dir.path() + "/redshift.raw", raw(p.redshift.data(), p.redshift.size() * 4));
  auto [rc, out] = run_python(dir.path(), R"(
import os, torch
from torch.utils.data import TensorDataset
ds = torch.load('7.pt')
assert isinstance(ds, TensorDataset), type(ds)
im, mg, z = ds.tensors
assert im.shape == (37, 5, 32, 32) and im.dtype == torch.float32, (im.shape, im.dtype)
assert mg.shape == (37, 5) and mg.dtype == torch.float64, (mg.shape, mg.dtype)
assert z.shape == (37,) and z.dtype == torch.float32, (z.shape, z.dtype)
for t, f in ((im, 'images.raw'), (mg, 'magnitudes.raw'), (z, 'redshift.raw')):
    assert t.numpy().tobytes() == open(f, 'rb').read(), f
os.mkdir('again')
torch.save(ds, 'again/7.pt')
assert open('again/7.pt', 'rb').read() == open('7.pt', 'rb').read(), 'torch.save bytes differ'
print('ok')
)");
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("ok"), std::string::npos) << out;
}

// Files torch writes in shapes our writer never produces: shared and sliced
// storages (offset and strides honoured), tuple/dict layouts, larger counts.
TEST(TorchCrossCheck, ReadsTorchFilesWithViewsAndPlainLayouts) {
  if (!python_has_torch()) GTEST_SKIP() << "/usr/bin/python3 cannot import torch";
  TempDir dir;
  auto [rc, out] = run_python(dir.path(), R"(
import torch
from torch.utils.data import TensorDataset
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
print('ok')
)");
  ASSERT_EQ(rc, 0) << out;
  const std::string images = read_bytes(dir.path() + "/images.raw");
  const std::string mags = read_bytes(dir.path() + "/magnitudes.raw");
  const std::string z = read_bytes(dir.path() + "/redshift.raw");
  ReadOptions plain;
  plain.allow_plain_layouts = true;
  for (const char* file : {"views.pt", "tuple.pt", "dict.pt"}) {
    auto p = read_partition_file(dir.path() + "/" + file, plain);
    ASSERT_TRUE(p.ok()) << file << ": " << p.error().message;
    EXPECT_EQ(p->samples, 7) << file;
    EXPECT_TRUE(raw(p->images.data(), p->images.size() * 4) == images) << file;
    EXPECT_TRUE(raw(p->magnitudes.data(), p->magnitudes.size() * 8) == mags) << file;
    EXPECT_TRUE(raw(p->redshift.data(), p->redshift.size() * 4) == z) << file;
  }
  auto strict = read_partition_file(dir.path() + "/tuple.pt");
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message.find("top-level object is a tuple of 3, not a TensorDataset"), std::string::npos)
      << strict.error().message;
}

}  // namespace
}  // namespace cosmicai::data
