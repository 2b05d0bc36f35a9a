// Zip archives written by other tools than torch 1.13's writer: zip64 end records in
// use, records newer PyTorch adds, a byte-order record, a compressed entry.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "data/partition.hpp"
#include "data/synthetic.hpp"
#include "test_util.hpp"

namespace cosmicai::data {
namespace {

using testing::partitions_dir;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

void put_u16(std::string& s, std::size_t at, std::uint16_t v) { std::memcpy(s.data() + at, &v, 2); }
void put_u32(std::string& s, std::size_t at, std::uint32_t v) { std::memcpy(s.data() + at, &v, 4); }

// With sentinels in the classic end record, the reader must take the zip64 record.
TEST(ZipVariants, Zip64EndRecordIsUsedWhenTheClassicOneHoldsSentinels) {
  const Partition p = synthesize_partition(3, 8);
  std::string bytes = serialize_partition(p, "z");
  const std::size_t eocd = bytes.size() - 22;
  ASSERT_EQ(bytes.substr(eocd, 4), "PK\x05\x06");
  put_u16(bytes, eocd + 8, 0xFFFF);
  put_u16(bytes, eocd + 10, 0xFFFF);
  put_u32(bytes, eocd + 12, 0xFFFFFFFF);
  put_u32(bytes, eocd + 16, 0xFFFFFFFF);
  auto q = parse_partition(bytes, "zip64");
  ASSERT_TRUE(q.ok()) << q.error().message;
  EXPECT_EQ(q->images, p.images);
  // And a broken zip64 record is reported as such.
  const std::size_t z64 = bytes.size() - 22 - 20 - 56;
  ASSERT_EQ(bytes.substr(z64, 4), "PK\x06\x06");
  bytes[z64 + 3] = 'X';
  auto bad = parse_partition(bytes, "zip64");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("zip64 end-of-central-directory record not found"), std::string::npos)
      << bad.error().message;
}

TEST(ZipVariants, StoredSizeBeyondTheFileIsRejected) {
  std::string bytes = serialize_partition(synthesize_partition(2, 8), "z");
  // Central directory entry 2 (data/0): claim a larger payload.
  const std::size_t cd = bytes.find("PK\x01\x02");
  const std::size_t second = bytes.find("PK\x01\x02", cd + 4);
  put_u32(bytes, second + 20, 0x7FFFFFFF);
  put_u32(bytes, second + 24, 0x7FFFFFFF);
  auto p = parse_partition(bytes, "big");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.error().message.find("zip record z/data/0: payload"), std::string::npos) << p.error().message;
}

// Rewrites tiny/1.pt with Python's zipfile (no torch needed) in several variants.
class PythonZip : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("/usr/bin/python3 -c 'import zipfile' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
    write_bytes(dir_.path() + "/make.py", R"(
import sys, zipfile
src = zipfile.ZipFile(sys.argv[1])
def rewrite(out, extra=(), rename=None, drop=(), deflate=()):
    with zipfile.ZipFile(out, 'w') as z:
        for info in src.infolist():
            name = info.filename
            if name in drop: continue
            data = src.read(name)
            name = rename.get(name, name) if rename else name
            z.writestr(zipfile.ZipInfo(name), data,
                       compress_type=zipfile.ZIP_DEFLATED if name in deflate else zipfile.ZIP_STORED)
            if name == '1/data.pkl':
                for n, d in extra: z.writestr(zipfile.ZipInfo(n), d)
rewrite('new.pt', extra=[('1/byteorder', b'little'), ('1/.data/serialization_id', b'1234')],
        rename={'1/version': '1/.data/version'})
rewrite('big.pt', extra=[('1/byteorder', b'big')])
rewrite('deflated.pt', deflate=('1/data/1',))
rewrite('noversion.pt', drop=('1/version',))
rewrite('nodata.pt', drop=('1/data/2',))
)");
    const std::string cmd =
        "cd '" + dir_.path() + "' && /usr/bin/python3 make.py '" + partitions_dir() + "/tiny/1.pt' > log.txt 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << read_bytes(dir_.path() + "/log.txt");
  }
  Result<Partition> read(const std::string& name) { return read_partition_file(dir_.path() + "/" + name); }
  TempDir dir_;
};

TEST_F(PythonZip, NewerRecordsAreAcceptedAndUnknownOnesIgnored) {
  auto p = read("new.pt");
  ASSERT_TRUE(p.ok()) << p.error().message;
  auto ref = read_partition_file(partitions_dir() + "/tiny/1.pt");
  ASSERT_TRUE(ref.ok());
  EXPECT_EQ(p->images, ref->images);
  EXPECT_EQ(p->redshift, ref->redshift);
}

TEST_F(PythonZip, BrokenVariantsAreRejectedWithTheReason) {
  const std::pair<const char*, const char*> kCases[] = {
      {"big.pt", "tensors are stored big-endian (record 1/byteorder)"},
      {"deflated.pt", "zip record 1/data/1 uses compression method 8; only STORED (0) is supported"},
      {"noversion.pt", "zip archive has no 1/version record"},
      {"nodata.pt", "record 1/data/2 for the redshift tensor is missing"},
  };
  for (const auto& [file, why] : kCases) {
    auto p = read(file);
    ASSERT_FALSE(p.ok()) << file;
    EXPECT_NE(p.error().message.find(why), std::string::npos) << file << ": " << p.error().message;
  }
}

}  // namespace
}  // namespace cosmicai::data
