// One generic suite that every ObjectStore backend passes (CONVENTIONS.md: "one generic
// suite per interface, instantiated for every implementation").
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "storage/object_store.hpp"
#include "s3_peer.hpp"

namespace cosmicai::storage {
namespace {

namespace fs = std::filesystem;

struct FileBackend {
  static constexpr const char* kName = "file";
  std::string dir;
  std::shared_ptr<ObjectStore> open() {
    char tmpl[] = "/tmp/cosmicai-store-test-XXXXXX";
    dir = ::mkdtemp(tmpl);
    return open_object_store("file://" + dir).value();
  }
  ~FileBackend() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

struct MemoryBackend {
  static constexpr const char* kName = "mem";
  std::shared_ptr<ObjectStore> open() { return open_object_store("mem://").value(); }
};

// s3rver on loopback, through the SigV4-verifying proxy (tests/peers). Buckets must exist in
// S3, so every bucket the suite uses is created (and emptied) before each test.
struct S3Backend {
  static constexpr const char* kName = "s3";
  std::string skip_reason;
  std::shared_ptr<ObjectStore> open() {
    const auto peer = testing::s3_peer();
    if (!peer.available) {
      skip_reason = peer.reason;
      return nullptr;
    }
    auto store = testing::open_peer_store(peer.proxy_url());
    for (const char* b : {"cosmicai-data", "bkt", "bulk", "num", "rng", "del", "one", "two", "atomic"}) {
      auto st = store->create_bucket(b);
      if (!st.ok()) throw std::runtime_error(st.error().message);
      std::vector<std::string> keys;
      const auto listed = store->list_all(b, "").value();
      for (const auto& o : listed) keys.push_back(o.key);
      store->remove_many(b, keys).value();
    }
    return store;
  }
};

template <class Backend>
class ObjectStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = backend_.open();
    if (!store_) GTEST_SKIP() << Backend::kName << " backend unavailable: " << skip_reason();
  }
  std::string skip_reason() {
    if constexpr (requires { backend_.skip_reason; }) return backend_.skip_reason;
    return {};
  }
  ObjectStore& store() { return *store_; }
  void put_ok(std::string_view bucket, std::string_view key, std::string_view data) {
    auto st = store_->put(bucket, key, data);
    ASSERT_TRUE(st.ok()) << st.error().message;
  }

  Backend backend_;
  std::shared_ptr<ObjectStore> store_;
};

using Backends = ::testing::Types<FileBackend, MemoryBackend, S3Backend>;
struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};
TYPED_TEST_SUITE(ObjectStoreTest, Backends, BackendNames);

TYPED_TEST(ObjectStoreTest, PutThenGetReturnsTheBytes) {
  std::string data("binary\0data\xff", 12);
  this->put_ok("cosmicai-data", "a.bin", data);
  auto got = this->store().get("cosmicai-data", "a.bin");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, data);
  this->put_ok("cosmicai-data", "a.bin", "replaced");
  EXPECT_EQ(this->store().get("cosmicai-data", "a.bin").value(), "replaced");
  this->put_ok("cosmicai-data", "empty", "");
  EXPECT_EQ(this->store().get("cosmicai-data", "empty").value(), "");
}

TYPED_TEST(ObjectStoreTest, NestedKeysAreListedWithSlashes) {
  this->put_ok("bkt", "100MB/7.pt", "x");
  this->put_ok("bkt", "100MB/sub/deep/8.pt", "yy");
  this->put_ok("bkt", "top.json", "{}");
  auto all = this->store().list_all("bkt", "");
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].key, "100MB/7.pt");
  EXPECT_EQ((*all)[1].key, "100MB/sub/deep/8.pt");
  EXPECT_EQ((*all)[1].size, 2u);
  EXPECT_EQ((*all)[2].key, "top.json");
  EXPECT_EQ(this->store().get("bkt", "100MB/sub/deep/8.pt").value(), "yy");
}

TYPED_TEST(ObjectStoreTest, PrefixSelectsKeysByStringPrefix) {
  for (const char* k : {"a/1", "a/2", "ab/1", "b/1", "a1"}) this->put_ok("bkt", k, k);
  auto a_dir = this->store().list_all("bkt", "a/").value();
  ASSERT_EQ(a_dir.size(), 2u);
  EXPECT_EQ(a_dir[0].key, "a/1");
  EXPECT_EQ(a_dir[1].key, "a/2");
  auto a_any = this->store().list_all("bkt", "a").value();
  ASSERT_EQ(a_any.size(), 4u);  // a/1, a/2, a1, ab/1 in byte order
  EXPECT_EQ(a_any[0].key, "a/1");
  EXPECT_EQ(a_any[2].key, "a1");
  EXPECT_EQ(a_any[3].key, "ab/1");
  EXPECT_TRUE(this->store().list_all("bkt", "zzz/").value().empty());
}

TYPED_TEST(ObjectStoreTest, PaginatesOverMoreThanAThousandKeys) {
  constexpr int kKeys = 2345;
  for (int i = 1; i <= kKeys; ++i) this->put_ok("bulk", "25MB/" + std::to_string(i) + ".pt", "");
  this->put_ok("bulk", "other/1.pt", "");

  ListRequest req;
  req.prefix = "25MB/";
  auto first = this->store().list_page("bulk", req);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->objects.size(), 1000u);
  EXPECT_FALSE(first->next_token.empty());

  req.max_keys = 5000;  // capped at 1000, as S3 does
  EXPECT_EQ(this->store().list_page("bulk", req).value().objects.size(), 1000u);

  // Walk by hand with a small page: every key exactly once, in byte order.
  req.max_keys = 7;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    auto page = this->store().list_page("bulk", req).value();
    EXPECT_LE(page.objects.size(), 7u);
    ++pages;
    for (auto& o : page.objects) seen.push_back(o.key);
    if (page.next_token.empty()) break;
    req.continuation_token = page.next_token;
  }
  ASSERT_EQ(seen.size(), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(pages, (kKeys + 6) / 7);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());

  auto all = this->store().list_all("bulk", "25MB/", KeyOrder::kLexicographic).value();
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kKeys));
  EXPECT_EQ(all[0].key, "25MB/1.pt");
  EXPECT_EQ(all[1].key, "25MB/10.pt");
}

TYPED_TEST(ObjectStoreTest, NumericOrderComparesDigitRunsAsNumbers) {
  for (int i = 1; i <= 1203; ++i) this->put_ok("num", "100MB/" + std::to_string(i) + ".pt", "");
  auto all = this->store().list_all("num", "100MB/", KeyOrder::kNumeric);
  ASSERT_TRUE(all.ok()) << all.error().message;
  ASSERT_EQ(all->size(), 1203u);
  for (int i = 0; i < 1203; ++i) ASSERT_EQ((*all)[i].key, "100MB/" + std::to_string(i + 1) + ".pt");
}

TYPED_TEST(ObjectStoreTest, RangedReads) {
  this->put_ok("rng", "k", "0123456789");
  EXPECT_EQ(this->store().get_range("rng", "k", 2, 3).value(), "234");
  EXPECT_EQ(this->store().get_range("rng", "k", 0, 10).value(), "0123456789");
  EXPECT_EQ(this->store().get_range("rng", "k", 7, 100).value(), "789");  // fewer at the end
  EXPECT_EQ(this->store().get_range("rng", "k", 10, 5).value(), "");
  auto beyond = this->store().get_range("rng", "k", 11, 1);
  ASSERT_FALSE(beyond.ok());
  EXPECT_EQ(beyond.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(beyond.error().message.find("beyond the object size 10"), std::string::npos) << beyond.error().message;
}

// stat, read_range_into (with the per-piece callback), read_head and remove_many: overridden by
// s3://, the ObjectStore defaults elsewhere; the same answers from every backend.
TYPED_TEST(ObjectStoreTest, StatReadIntoReadHeadAndRemoveMany) {
  std::string data;
  for (int i = 0; i < 70000; ++i) data += static_cast<char>('a' + i % 26);
  this->put_ok("rng", "big/obj", data);
  this->put_ok("rng", "big/empty", "");
  auto info = this->store().stat("rng", "big/obj");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->size, data.size());
  EXPECT_EQ(this->store().stat("rng", "big/empty").value().size, 0u);
  EXPECT_EQ(this->store().stat("rng", "big/none").error().code, ErrorCode::kNotFound);

  std::string buf(50000, '\0');
  std::string pieces;
  auto st = this->store().read_range_into("rng", "big/obj", 1234, buf.size(), buf.data(),
                                          [&](const char* p, std::size_t n) { pieces.append(p, n); });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(buf == data.substr(1234, buf.size()));
  EXPECT_TRUE(pieces == buf);
  auto past = this->store().read_range_into("rng", "big/obj", 60000, 20000, buf.data());  // past the end
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(this->store().read_range_into("rng", "big/none", 0, 1, buf.data()).error().code, ErrorCode::kNotFound);

  std::string head(100, '\0');
  EXPECT_EQ(this->store().read_head("rng", "big/obj", head.size(), head.data()).value(), data.size());
  EXPECT_EQ(head, data.substr(0, 100));
  std::string all(100000, '\0');
  EXPECT_EQ(this->store().read_head("rng", "big/obj", all.size(), all.data()).value(), data.size());
  EXPECT_TRUE(all.substr(0, data.size()) == data);
  EXPECT_EQ(this->store().read_head("rng", "big/empty", head.size(), head.data()).value(), 0u);
  EXPECT_EQ(this->store().read_head("rng", "big/none", 1, head.data()).error().code, ErrorCode::kNotFound);

  ASSERT_TRUE(this->store().remove_many("rng", {"big/obj", "big/empty", "big/never"}).ok());
  EXPECT_TRUE(this->store().list_all("rng", "big/").value().empty());
}

TYPED_TEST(ObjectStoreTest, MissingObjectErrorNamesStoreBucketAndKey) {
  this->put_ok("cosmicai-data", "present", "x");
  auto got = this->store().get("cosmicai-data", "100MB/7.pt");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(got.error().message, this->store().uri() + ": bucket cosmicai-data: key 100MB/7.pt: not found");
  auto ranged = this->store().get_range("cosmicai-data", "100MB/7.pt", 0, 1);
  ASSERT_FALSE(ranged.ok());
  EXPECT_EQ(ranged.error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(this->store().exists("cosmicai-data", "100MB/7.pt").value());
  EXPECT_TRUE(this->store().exists("cosmicai-data", "present").value());
}

TYPED_TEST(ObjectStoreTest, DeleteRemovesAndIsIdempotent) {
  this->put_ok("del", "x/1.pt", "1");
  this->put_ok("del", "x/2.pt", "2");
  ASSERT_TRUE(this->store().remove("del", "x/1.pt").ok());
  EXPECT_FALSE(this->store().exists("del", "x/1.pt").value());
  EXPECT_EQ(this->store().get("del", "x/1.pt").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(this->store().remove("del", "x/1.pt").ok());  // deleting a missing object is fine
  EXPECT_TRUE(this->store().remove("del", "never/there").ok());
  auto left = this->store().list_all("del", "").value();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].key, "x/2.pt");
}

TYPED_TEST(ObjectStoreTest, BucketsAreSeparate) {
  this->put_ok("one", "k", "1");
  this->put_ok("two", "k", "2");
  EXPECT_EQ(this->store().get("one", "k").value(), "1");
  EXPECT_EQ(this->store().get("two", "k").value(), "2");
  EXPECT_EQ(this->store().list_all("one", "").value().size(), 1u);
}

TYPED_TEST(ObjectStoreTest, RejectsBadKeysAndBuckets) {
  for (const char* key : {"", "../escape", "/abs", "a//b", "a/./b", "dir/", "a/../../b"}) {
    auto st = this->store().put("bkt", key, "x");
    ASSERT_FALSE(st.ok()) << "key '" << key << "'";
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().message.find("invalid key"), std::string::npos) << st.error().message;
  }
  for (const char* bucket : {"", "..", "a/b"}) {
    auto st = this->store().put(bucket, "k", "x");
    ASSERT_FALSE(st.ok()) << "bucket '" << bucket << "'";
    EXPECT_NE(st.error().message.find("invalid bucket name"), std::string::npos) << st.error().message;
  }
}

// Readers running beside a writer that keeps replacing the object see one whole
// version each time: all bytes equal, full length. Swept over 1, 2, 4, 8 readers.
TYPED_TEST(ObjectStoreTest, AtomicPutUnderConcurrentReaders) {
  constexpr std::size_t kSize = 256 * 1024;
  const std::string a(kSize, 'A'), b(kSize, 'B');
  for (int readers : {1, 2, 4, 8}) {
    SCOPED_TRACE(std::to_string(readers) + " readers");
    this->put_ok("atomic", "obj", a);
    std::atomic<bool> done{false};
    std::atomic<int> bad{0}, reads{0};
    std::vector<std::thread> pool;
    for (int r = 0; r < readers; ++r) {
      pool.emplace_back([&] {
        while (!done.load()) {
          auto got = this->store().get("atomic", "obj");
          if (!got.ok() || got->size() != kSize || got->find_first_not_of((*got)[0]) != std::string::npos) ++bad;
          ++reads;
        }
      });
    }
    while (reads.load() < readers) std::this_thread::yield();  // readers are running before the writes start
    for (int i = 0; i < 100; ++i) {
      auto st = this->store().put("atomic", "obj", (i % 2) ? a : b);
      if (!st.ok()) {  // no ASSERT here: the readers must be joined first
        ADD_FAILURE() << st.error().message;
        break;
      }
    }
    done = true;
    for (auto& t : pool) t.join();
    EXPECT_EQ(bad.load(), 0);
  }
  auto listed = this->store().list_all("atomic", "").value();
  ASSERT_EQ(listed.size(), 1u);  // no temporary files show up
  EXPECT_EQ(listed[0].key, "obj");
}

}  // namespace
}  // namespace cosmicai::storage
