#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "storage/file_store.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::storage {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/cosmicai-open-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(NumericKeyLess, OrdersDigitRunsByValue) {
  EXPECT_TRUE(numeric_key_less("1.pt", "2.pt"));
  EXPECT_TRUE(numeric_key_less("2.pt", "10.pt"));
  EXPECT_FALSE(numeric_key_less("10.pt", "2.pt"));
  EXPECT_TRUE(numeric_key_less("25MB/9.pt", "25MB/10.pt"));
  EXPECT_TRUE(numeric_key_less("25MB/100.pt", "100MB/1.pt"));
  EXPECT_TRUE(numeric_key_less("a", "a1"));
  EXPECT_TRUE(numeric_key_less("a", "b"));
  EXPECT_FALSE(numeric_key_less("x", "x"));
  // Equal values with different spellings still order strictly, one way only.
  EXPECT_NE(numeric_key_less("a01", "a1"), numeric_key_less("a1", "a01"));
  EXPECT_TRUE(numeric_key_less("007", "8"));
  EXPECT_TRUE(numeric_key_less("99999999999999999999998", "99999999999999999999999"));
}

TEST(OpenObjectStore, ParsesFileUrisAndPlainPaths) {
  TempDir dir;
  auto s = open_object_store("file://" + dir.path());
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ((*s)->uri(), "file://" + dir.path());
  auto plain = open_object_store(dir.path() + "/");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ((*plain)->uri(), "file://" + dir.path());
  auto local = open_object_store("file://localhost" + dir.path());
  ASSERT_TRUE(local.ok()) << local.error().message;
  // The same object is visible through every spelling.
  ASSERT_TRUE((*s)->put("bkt", "k/v.txt", "hello").ok());
  EXPECT_EQ((*plain)->get("bkt", "k/v.txt").value(), "hello");
  EXPECT_EQ((*local)->local_path("bkt", "k/v.txt").value(), dir.path() + "/bkt/k/v.txt");
  std::ifstream f(dir.path() + "/bkt/k/v.txt");
  std::string text;
  f >> text;
  EXPECT_EQ(text, "hello");
}

TEST(OpenObjectStore, RejectsUnsupportedAndMalformedUris) {
  // s3:// without credentials anywhere: named before any request.
  StoreOptions no_env;
  no_env.env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HOME") return std::string("/nonexistent-home");
    return std::nullopt;
  };
  auto s3 = open_object_store("s3://cosmicai-data", no_env);
  ASSERT_FALSE(s3.ok());
  EXPECT_EQ(s3.error().code, ErrorCode::kPermission);
  EXPECT_NE(s3.error().message.find("object store URI 's3://cosmicai-data': no AWS credentials"), std::string::npos)
      << s3.error().message;
  auto ftp = open_object_store("ftp://host/x");
  ASSERT_FALSE(ftp.ok());
  EXPECT_NE(ftp.error().message.find("unsupported scheme 'ftp'"), std::string::npos) << ftp.error().message;
  auto rel = open_object_store("file://relative/dir");
  ASSERT_FALSE(rel.ok());
  EXPECT_NE(rel.error().message.find("absolute path"), std::string::npos) << rel.error().message;
  EXPECT_FALSE(open_object_store("").ok());
  EXPECT_FALSE(open_object_store("mem://a/b").ok());
}

TEST(OpenObjectStore, FileRootThatIsAFileIsRejected) {
  TempDir dir;
  const std::string file = dir.path() + "/plain";
  std::ofstream(file) << "x";
  auto s = open_object_store("file://" + file);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("is not a directory"), std::string::npos) << s.error().message;
}

TEST(OpenObjectStore, NamedMemoryStoresAreSharedAnonymousOnesAreNot) {
  auto a = open_object_store("mem://shared-test").value();
  auto b = open_object_store("mem://shared-test").value();
  ASSERT_TRUE(a->put("bkt", "k", "v").ok());
  EXPECT_EQ(b->get("bkt", "k").value(), "v");
  EXPECT_EQ(a->uri(), "mem://shared-test");
  auto c = open_object_store("mem://").value();
  auto d = open_object_store("mem://").value();
  ASSERT_TRUE(c->put("bkt", "k", "v").ok());
  EXPECT_FALSE(d->exists("bkt", "k").value());
  EXPECT_FALSE(c->local_path("bkt", "k").has_value());
}

TEST(FileObjectStore, MissingBucketIsNotFoundAndTempFilesAreHidden) {
  TempDir dir;
  auto s = open_object_store(dir.path()).value();
  auto page = s->list_page("nope", {});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kNotFound);
  EXPECT_NE(page.error().message.find("bucket nope: not found"), std::string::npos) << page.error().message;
  ASSERT_TRUE(s->put("b", "x/real.pt", "1").ok());
  std::ofstream(dir.path() + "/b/x/.cosmicai-tmp-real.pt-123") << "partial";
  auto all = s->list_all("b", "").value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].key, "x/real.pt");
  // A key may not name a temporary file either.
  EXPECT_FALSE(s->get("b", "x/.cosmicai-tmp-real.pt-123").ok());
}

TEST(FileObjectStore, ErrorsNameStoreBucketAndKeyForEveryOperation) {
  TempDir dir;
  auto s = open_object_store(dir.path()).value();
  const std::string where = "file://" + dir.path() + ": bucket cosmicai-data: key 100MB/7.pt: ";
  auto got = s->get("cosmicai-data", "100MB/7.pt");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, where + "not found");
  // A directory where the object should be is "not found", not a read error.
  fs::create_directories(dir.path() + "/cosmicai-data/100MB/7.pt");
  got = s->get("cosmicai-data", "100MB/7.pt");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, where + "not found");
  EXPECT_FALSE(s->exists("cosmicai-data", "100MB/7.pt").value());
}

TEST(FileObjectStore, SymlinkedFoldersAreListedAndRead) {
  TempDir dir, elsewhere;
  fs::create_directories(elsewhere.path() + "/parts");
  std::ofstream(elsewhere.path() + "/parts/1.pt") << "one";
  std::ofstream(elsewhere.path() + "/parts/2.pt") << "two";
  fs::create_directories(dir.path() + "/b");
  fs::create_directory_symlink(elsewhere.path() + "/parts", dir.path() + "/b/tiny");
  auto s = open_object_store(dir.path()).value();
  auto all = s->list_all("b", "", KeyOrder::kNumeric).value();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].key, "tiny/1.pt");
  EXPECT_EQ(all[1].key, "tiny/2.pt");
  EXPECT_EQ(s->list_all("b", "tiny/").value().size(), 2u);
  EXPECT_EQ(s->get("b", "tiny/2.pt").value(), "two");
  // A link cycle does not hang the listing.
  fs::create_directory_symlink(dir.path() + "/b", elsewhere.path() + "/parts/loop");
  auto looped = s->list_all("b", "");
  ASSERT_TRUE(looped.ok()) << looped.error().message;
  EXPECT_GE(looped->size(), 2u);
}

TEST(FileObjectStore, KeyThatIsAlsoAFolderGivesAClearError) {
  // Known limit of a filesystem: "a" cannot be an object and a folder of objects at once.
  TempDir dir;
  auto s = open_object_store(dir.path()).value();
  ASSERT_TRUE(s->put("b", "a/1", "x").ok());
  auto st = s->put("b", "a", "y");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("bucket b: key a: "), std::string::npos) << st.error().message;
  ASSERT_TRUE(s->put("b", "c", "x").ok());
  st = s->put("b", "c/1", "y");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("key c/1: cannot create directory"), std::string::npos) << st.error().message;
}

}  // namespace
}  // namespace cosmicai::storage
