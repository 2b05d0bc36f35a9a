// The s3:// store against s3rver on loopback, through the SigV4-verifying fault proxy
// (tests/peers/s3proxy.mjs): signatures, retries under injected faults, bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "data/partition.hpp"
#include "data/store_source.hpp"
#include "data/synthetic.hpp"
#include "s3_peer.hpp"
#include "storage/s3/settings.hpp"

namespace cosmicai::storage {
namespace {

namespace fs = std::filesystem;
using testing::S3Peer;

// === Settings (no peer needed) ===

struct FakeEnv {
  std::map<std::string, std::string> vars;
  s3::EnvLookup lookup() const {
    return [this](std::string_view n) -> std::optional<std::string> {
      auto it = vars.find(std::string(n));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
};

class TempHome {
 public:
  TempHome() {
    char tmpl[] = "/tmp/cosmicai-aws-home-XXXXXX";
    path_ = ::mkdtemp(tmpl);
    fs::create_directories(path_ + "/.aws");
  }
  ~TempHome() { fs::remove_all(path_); }
  void write(const std::string& rel, const std::string& text) const { std::ofstream(path_ + "/" + rel) << text; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(S3Settings, EnvironmentCredentialsRegionAndEndpointWin) {
  TempHome home;
  home.write(".aws/credentials", "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
  home.write(".aws/config", "[default]\nregion = eu-central-1\nendpoint_url = http://profile:1\n");
  FakeEnv env{{{"HOME", home.path()},
               {"AWS_ACCESS_KEY_ID", "ENVKEY"},
               {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"},
               {"AWS_SESSION_TOKEN", "TOKEN"},
               {"AWS_DEFAULT_REGION", "us-west-2"},
               {"AWS_REGION", "ap-south-1"},
               {"AWS_ENDPOINT_URL", "http://generic:2"},
               {"AWS_ENDPOINT_URL_S3", "http://s3only:3/"}}};
  auto s = s3::settings_from_environment(env.lookup()).value();
  EXPECT_EQ(s.credentials.access_key_id, "ENVKEY");
  EXPECT_EQ(s.credentials.secret_access_key, "ENVSECRET");
  EXPECT_EQ(s.credentials.session_token, "TOKEN");
  EXPECT_EQ(s.region, "ap-south-1");
  EXPECT_EQ(s.endpoint, "http://s3only:3");
  EXPECT_EQ(s3::settings_from_environment(env.lookup(), "http://flag:4").value().endpoint, "http://flag:4");
  env.vars.erase("AWS_ENDPOINT_URL_S3");
  env.vars.erase("AWS_REGION");
  s = s3::settings_from_environment(env.lookup()).value();
  EXPECT_EQ(s.endpoint, "http://generic:2");
  EXPECT_EQ(s.region, "us-west-2");
}

TEST(S3Settings, ProfilesFromCredentialsAndConfigFiles) {
  TempHome home;
  home.write(".aws/credentials",
             "# comment\n[default]\naws_access_key_id = DEF\naws_secret_access_key = DEFS\n"
             "[lab]\naws_access_key_id = LAB\naws_secret_access_key = LABS\naws_session_token = LABT\n");
  home.write(".aws/config",
             "[default]\nregion = eu-west-1\n[profile lab]\nregion = us-east-2\n"
             "s3 =\n  addressing_style = path\n  endpoint_url = http://lab-s3:9000\n");
  FakeEnv env{{{"HOME", home.path()}}};
  auto s = s3::settings_from_environment(env.lookup()).value();
  EXPECT_EQ(s.credentials.access_key_id, "DEF");
  EXPECT_EQ(s.region, "eu-west-1");
  EXPECT_EQ(s.endpoint, "");
  env.vars["AWS_PROFILE"] = "lab";
  s = s3::settings_from_environment(env.lookup()).value();
  EXPECT_EQ(s.credentials.access_key_id, "LAB");
  EXPECT_EQ(s.credentials.session_token, "LABT");
  EXPECT_EQ(s.region, "us-east-2");
  EXPECT_EQ(s.endpoint, "http://lab-s3:9000");
  EXPECT_EQ(s.addressing, s3::Addressing::kPath);
  EXPECT_NE(s.credentials_source.find("profile lab"), std::string::npos);
}

TEST(S3Settings, MissingCredentialsUnknownProfileAndBadEndpointAreNamed) {
  TempHome home;
  FakeEnv env{{{"HOME", home.path()}}};
  auto none = s3::settings_from_environment(env.lookup());
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no AWS credentials"), std::string::npos) << none.error().message;
  env.vars["AWS_PROFILE"] = "ghost";
  auto ghost = s3::settings_from_environment(env.lookup());
  ASSERT_FALSE(ghost.ok());
  EXPECT_NE(ghost.error().message.find("AWS_PROFILE 'ghost': no such profile"), std::string::npos)
      << ghost.error().message;
  env.vars.erase("AWS_PROFILE");
  env.vars["AWS_ACCESS_KEY_ID"] = "K";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "S";
  auto bad = s3::settings_from_environment(env.lookup(), "ftp://x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("--s3-endpoint: S3 endpoint 'ftp://x'"), std::string::npos)
      << bad.error().message;
  // open_object_store reports the same through the URI.
  StoreOptions options;
  options.env = env.lookup();
  options.s3_endpoint = "http://127.0.0.1:1/path";
  auto st = open_object_store("s3://", options);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("object store URI 's3://'"), std::string::npos) << st.error().message;
  options.s3_endpoint.clear();
  auto upper = open_object_store("s3://Bad_Bucket", options);
  ASSERT_FALSE(upper.ok());
  EXPECT_NE(upper.error().message.find("bucket 'Bad_Bucket'"), std::string::npos) << upper.error().message;
}

// === Against the peer ===

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    peer_ = testing::s3_peer();
    if (!peer_.available) GTEST_SKIP() << peer_.reason;
    store_ = testing::open_peer_store(peer_.proxy_url());
    ASSERT_TRUE(store_->create_bucket("s3-test").ok());
    testing::proxy_get(peer_, "/__fault?clear=1");
    testing::proxy_get(peer_, "/__stats?reset=1");
  }
  nlohmann::json stats() { return nlohmann::json::parse(testing::proxy_get(peer_, "/__stats")); }
  void arm(const std::string& action, int count, const std::string& method, const std::string& path,
           int ms = 3000) {
    testing::proxy_get(peer_, "/__fault?action=" + action + "&count=" + std::to_string(count) + "&method=" + method +
                                  "&path=" + s3::uri_encode(path, false) + "&ms=" + std::to_string(ms));
  }
  static std::string random_bytes(std::size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  }

  S3Peer peer_;
  std::shared_ptr<s3::S3ObjectStore> store_;
};

TEST_F(S3StoreTest, EverySignatureVerifiesIncludingSpacesAndUnicodeKeys) {
  const std::vector<std::string> keys = {
      "Anomaly Detection/model.pt",
      "Anomaly Detection/\xc3\xa9t\xc3\xa9 \xc3\xbc/1.pt",     // été ü
      "Anomaly Detection/odd +=,;~*!()'&$@ name.pt",
      "Anomaly Detection/100MB/7.pt",
  };
  for (std::size_t i = 0; i < keys.size(); ++i) ASSERT_TRUE(store_->put("s3-test", keys[i], "v" + std::to_string(i)).ok());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto got = store_->get("s3-test", keys[i]);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, "v" + std::to_string(i));
    EXPECT_EQ(store_->get_range("s3-test", keys[i], 1, 5).value(), std::to_string(i));
    EXPECT_TRUE(store_->exists("s3-test", keys[i]).value());
  }
  // Pages of one key: continuation tokens (with '+', '/', '=') in the signed query.
  ListRequest req;
  req.prefix = "Anomaly Detection/";
  req.max_keys = 1;
  std::vector<std::string> seen;
  for (;;) {
    auto page = store_->list_page("s3-test", req);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (auto& o : page->objects) seen.push_back(o.key);
    if (page->next_token.empty()) break;
    req.continuation_token = page->next_token;
  }
  EXPECT_EQ(seen.size(), keys.size());
  ASSERT_TRUE(store_->remove_many("s3-test", keys).ok());
  EXPECT_TRUE(store_->list_all("s3-test", "Anomaly Detection/").value().empty());
  auto s = stats();
  EXPECT_EQ(s["sigv4_fail"], 0) << s.dump();
  EXPECT_EQ(s["payload_hash_fail"], 0) << s.dump();
  EXPECT_EQ(s["unsigned"], 0) << s.dump();
  EXPECT_GE(s["sigv4_ok"].get<int>(), 4 * 4 + 5) << s.dump();
}

TEST_F(S3StoreTest, ListingAndStatCarryEtagAndLastModified) {
  ASSERT_TRUE(store_->put("s3-test", "meta/one.json", "hello").ok());
  const auto listed = store_->list_all("s3-test", "meta/").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].etag, "\"5d41402abc4b2a76b9719d911017c592\"");  // md5("hello"), quoted as S3 lists it
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(static_cast<double>(listed[0].last_modified), static_cast<double>(now), 120.0);
  const auto info = store_->stat("s3-test", "meta/one.json").value();
  EXPECT_EQ(info.size, 5u);
  EXPECT_EQ(info.etag, listed[0].etag);
  EXPECT_NEAR(static_cast<double>(info.last_modified), static_cast<double>(listed[0].last_modified), 2.0);
  EXPECT_EQ(s3::parse_s3_time("2013-05-24T00:00:00.000Z"), 1369353600);
  EXPECT_EQ(s3::parse_s3_time("Fri, 24 May 2013 00:00:00 GMT"), 1369353600);
  EXPECT_EQ(s3::parse_s3_time("soon"), 0);
}

TEST_F(S3StoreTest, AWrongSecretIsRejectedByTheVerifierAtOnce) {
  auto settings = testing::peer_settings(peer_.proxy_url());
  settings.credentials.secret_access_key = "not-the-secret";
  auto bad = std::static_pointer_cast<s3::S3ObjectStore>(s3::open_s3_store("s3://", settings).value());
  auto got = bad->get("s3-test", "x");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kPermission);
  EXPECT_NE(got.error().message.find("HTTP 403 SignatureDoesNotMatch"), std::string::npos) << got.error().message;
  EXPECT_EQ(bad->stats().requests, 1u);  // not retried
  EXPECT_EQ(stats()["sigv4_fail"], 1);
}

TEST_F(S3StoreTest, WrongAccessKeyMissingBucketAndMissingKeyFailAtOnceWithS3Codes) {
  auto settings = testing::peer_settings(peer_.s3rver_url());
  settings.credentials.access_key_id = "NOT-S3RVER";
  auto wrong = std::static_pointer_cast<s3::S3ObjectStore>(s3::open_s3_store("s3://", settings).value());
  auto page = wrong->list_page("s3-test", {});
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.error().code, ErrorCode::kPermission);
  EXPECT_NE(page.error().message.find("s3://: bucket s3-test: S3 ListObjectsV2 failed: HTTP 403 InvalidAccessKeyId"),
            std::string::npos)
      << page.error().message;
  EXPECT_EQ(wrong->stats().requests, 1u);

  auto missing = store_->list_page("no-such-bucket-here", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("bucket no-such-bucket-here: not found (S3 ListObjectsV2: HTTP 404 NoSuchBucket"),
            std::string::npos)
      << missing.error().message;
  auto put = store_->put("no-such-bucket-here", "k", "v");
  ASSERT_FALSE(put.ok());
  EXPECT_NE(put.error().message.find("key k: S3 PutObject failed: HTTP 404 NoSuchBucket"), std::string::npos)
      << put.error().message;
  auto key = store_->get("s3-test", "missing/7.pt");
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.error().message, "s3://: bucket s3-test: key missing/7.pt: not found");
  EXPECT_EQ(store_->stats().retries, 0u);
}

// Each fault twice on one object's GET, then on its PUT: retried, counted by the proxy, and the
// object afterwards byte-identical and written once.
TEST_F(S3StoreTest, InjectedFaultsAreRetriedAndNothingIsLostOrWrittenTwice) {
  auto settings = testing::peer_settings(peer_.proxy_url());
  settings.stall_timeout = std::chrono::milliseconds(1000);  // the proxy stalls for 4 s
  store_ = std::static_pointer_cast<s3::S3ObjectStore>(s3::open_s3_store("s3://", settings).value());
  const std::string data = random_bytes(300 * 1024, 7);
  for (const std::string action : {"503", "500", "reset", "truncate", "stall"}) {
    SCOPED_TRACE(action);
    const std::string key = "faults/" + action + "/obj.bin";
    testing::proxy_get(peer_, "/__stats?reset=1");
    if (action != "truncate" && action != "stall") arm(action, 2, "PUT", key);
    const auto retries0 = store_->stats().retries;
    ASSERT_TRUE(store_->put("s3-test", key, data).ok());
    arm(action, 2, "GET", key, 4000);
    auto got = store_->get("s3-test", key);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_TRUE(*got == data);
    // Streamed into a caller buffer: resumed, every byte handed to on_chunk exactly once.
    arm(action, 1, "GET", key, 4000);
    std::string buf(data.size() - 1000, '\0');
    std::uint64_t seen = 0;
    std::string streamed;
    auto st = store_->read_range_into("s3-test", key, 1000, buf.size(), buf.data(),
                                      [&](const char* p, std::size_t n) { seen += n; streamed.append(p, n); });
    ASSERT_TRUE(st.ok()) << st.error().message;
    EXPECT_TRUE(buf == data.substr(1000));
    EXPECT_EQ(seen, buf.size());
    EXPECT_TRUE(streamed == buf);
    auto s = stats();
    const int expected = (action == "truncate" || action == "stall") ? 3 : 5;
    EXPECT_EQ(s["faults_fired"][action], expected) << s.dump();
    EXPECT_EQ(s["upstream_writes"]["127.0.0.1/s3-test/" + key], 1) << s.dump();
    EXPECT_EQ(s["sigv4_fail"], 0) << s.dump();
    // Our retry policy saw the failures; a reset of a reused keep-alive connection before any
    // answer is re-sent by libcurl itself on a fresh connection, so it may not reach our count.
    if (action == "reset") EXPECT_GE(store_->stats().retries - retries0, 1u);
    else EXPECT_GE(store_->stats().retries - retries0, static_cast<std::uint64_t>(expected));
  }
}

TEST_F(S3StoreTest, MultipartUploadSurvivesAFailedPartAndGivingUpNamesEverything) {
  auto settings = testing::peer_settings(peer_.proxy_url());
  settings.multipart_threshold = 256 * 1024;
  settings.part_size = 100 * 1024;
  auto store = std::static_pointer_cast<s3::S3ObjectStore>(s3::open_s3_store("s3://", settings).value());
  const std::string data = random_bytes(450 * 1024, 11);
  arm("503", 1, "PUT", "multi/big.bin");  // the first UploadPart
  ASSERT_TRUE(store->put("s3-test", "multi/big.bin", data).ok());
  EXPECT_TRUE(store->get("s3-test", "multi/big.bin").value() == data);
  auto s = stats();
  EXPECT_EQ(s["faults_fired"]["503"], 1);
  EXPECT_EQ(s["upstream_writes"]["127.0.0.1/s3-test/multi/big.bin"], 1) << s.dump();  // one Complete

  // Exhausted retries: the error names operation, bucket, key, status, S3 code and attempts.
  settings.retry.max_attempts = 3;
  auto few = std::static_pointer_cast<s3::S3ObjectStore>(s3::open_s3_store("s3://", settings).value());
  arm("503", 10, "GET", "multi/big.bin");
  auto got = few->get("s3-test", "multi/big.bin");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, ErrorCode::kUnavailable);
  const std::string& m = got.error().message;
  EXPECT_NE(m.find("s3://: bucket s3-test: key multi/big.bin: S3 GetObject failed after 3 attempts: HTTP 503 SlowDown"),
            std::string::npos)
      << m;
  EXPECT_GT(few->stats().backoff.count(), 0);
  testing::proxy_get(peer_, "/__fault?clear=1");
  // A part that keeps failing: the upload is given up (and an abort attempted); nothing appears.
  arm("500", 10, "PUT", "multi/never.bin");
  auto st = few->put("s3-test", "multi/never.bin", data);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("part 1: S3 UploadPart failed after 3 attempts: HTTP 500 InternalError"),
            std::string::npos)
      << st.error().message;
  EXPECT_NE(st.error().message.find("AbortMultipartUpload"), std::string::npos) << st.error().message;
  EXPECT_FALSE(store->exists("s3-test", "multi/never.bin").value());
}

TEST_F(S3StoreTest, VirtualHostedAddressingAndRootBucketPrefix) {
  // s3rver runs with --service-endpoint localhost: BUCKET.s3.localhost names the bucket.
  auto settings = testing::peer_settings("http://s3.localhost:" + std::to_string(peer_.proxy_port));
  settings.addressing = s3::Addressing::kVirtual;
  auto vh = std::static_pointer_cast<s3::S3ObjectStore>(s3::open_s3_store("s3://", settings).value());
  EXPECT_EQ(vh->client().url_for({"GetObject", "GET", "s3-test", "a b/c.pt", {}, {}, {}}),
            "http://s3-test.s3.localhost:" + std::to_string(peer_.proxy_port) + "/a%20b/c.pt");
  ASSERT_TRUE(vh->put("s3-test", "vhost/a b.pt", "virtual").ok());
  EXPECT_EQ(store_->get("s3-test", "vhost/a b.pt").value(), "virtual");  // path-style sees it
  EXPECT_EQ(vh->list_all("s3-test", "vhost/").value().size(), 1u);

  // s3://BUCKET/PREFIX: store bucket b lives under PREFIX/b/ of one S3 bucket.
  auto rooted = testing::open_peer_store(peer_.proxy_url(), "s3://s3-test/runs/one");
  EXPECT_EQ(rooted->uri(), "s3://s3-test/runs/one");
  ASSERT_TRUE(rooted->put("cosmicai-data", "100MB/1.pt", "p1").ok());
  EXPECT_EQ(store_->get("s3-test", "runs/one/cosmicai-data/100MB/1.pt").value(), "p1");
  auto listed = rooted->list_all("cosmicai-data", "100MB/").value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].key, "100MB/1.pt");
  EXPECT_EQ(stats()["sigv4_fail"], 0);
}

// A partition read through the store: tensors streamed into the pooled buffers, CRC checked,
// equal to parsing the bytes; a truncated tensor transfer is resumed.
TEST_F(S3StoreTest, PartitionsAreReadWithRangedRequestsIntoTheBuffers) {
  data::Partition p;
  p.samples = 40;
  p.images.resize(40 * data::kImageElements);
  p.magnitudes.resize(40 * data::kMagnitudes);
  p.redshift.resize(40);
  std::mt19937 rng(3);
  for (auto& v : p.images) v = static_cast<float>(rng() % 1000) / 7.0f;
  for (auto& v : p.magnitudes) v = static_cast<double>(rng() % 1000) / 3.0;
  for (auto& v : p.redshift) v = static_cast<float>(rng() % 100) / 100.0f;
  const std::string bytes = data::serialize_partition(p, "7");
  ASSERT_TRUE(store_->put("s3-test", "parts/7.pt", bytes).ok());
  arm("truncate", 1, "GET", "parts/7.pt");
  data::Partition out;
  auto st = data::read_partition_from_store_into(*store_, "s3-test", "parts/7.pt", out);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(out.samples, 40);
  EXPECT_TRUE(out.images == p.images);
  EXPECT_TRUE(out.magnitudes == p.magnitudes);
  EXPECT_TRUE(out.redshift == p.redshift);
  auto src = data::StoreSource::open(*store_, "s3-test", "parts/7.pt").value();
  EXPECT_EQ(src->size(), bytes.size());
  auto missing = data::read_partition_from_store_into(*store_, "s3-test", "parts/8.pt", out);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "partition s3-test/parts/8.pt: s3://: bucket s3-test: key parts/8.pt: not found");
  EXPECT_EQ(stats()["sigv4_fail"], 0);
}

}  // namespace
}  // namespace cosmicai::storage
