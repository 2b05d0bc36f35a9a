#pragma once
// The loopback S3 peer the CTest fixture `s3peer` starts (tests/peers/s3peer.sh): s3rver and,
// in front of it, the SigV4-verifying fault proxy. Tests that need it skip, naming the reason,
// when it is not there.
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "common/clock.hpp"
#include "storage/s3/client.hpp"
#include "storage/s3/s3_store.hpp"

namespace cosmicai::storage::testing {

struct S3Peer {
  bool available = false;
  std::string reason;  ///< why not, when unavailable
  int s3rver_port = 0;
  int proxy_port = 0;
  std::string proxy_url() const { return "http://127.0.0.1:" + std::to_string(proxy_port); }
  std::string s3rver_url() const { return "http://127.0.0.1:" + std::to_string(s3rver_port); }
};

inline S3Peer s3_peer() {
  S3Peer p;
  const char* dir = std::getenv("COSMICAI_S3PEER_STATE");
  if (!dir || !*dir) {
    p.reason = "COSMICAI_S3PEER_STATE is not set (run through ctest, whose s3peer fixture starts s3rver)";
    return p;
  }
  if (std::ifstream skip(std::string(dir) + "/skip"); skip) {
    std::getline(skip, p.reason);
    p.reason = "S3 peer not installed: " + p.reason;
    return p;
  }
  std::ifstream env(std::string(dir) + "/env");
  if (!env) {
    p.reason = std::string("no S3 peer running (") + dir + "/env missing; the s3peer fixture failed?)";
    return p;
  }
  std::string line;
  while (std::getline(env, line)) {
    const auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string k = line.substr(0, eq), v = line.substr(eq + 1);
    if (k == "S3RVER_PORT") p.s3rver_port = std::stoi(v);
    if (k == "PROXY_PORT") p.proxy_port = std::stoi(v);
  }
  p.available = p.s3rver_port > 0 && p.proxy_port > 0;
  if (!p.available) p.reason = std::string("malformed ") + dir + "/env";
  return p;
}

/// Settings for the peer: s3rver's fixed credentials, quick retries without sleeping.
inline s3::S3Settings peer_settings(const std::string& endpoint) {
  s3::S3Settings s;
  s.endpoint = endpoint;
  s.region = "us-east-1";
  s.credentials = {"S3RVER", "S3RVER", ""};
  s.retry.max_attempts = 5;
  s.retry.base_delay = std::chrono::milliseconds(50);
  s.stall_timeout = std::chrono::milliseconds(20000);  // s3rver may think a while (DeleteObjects of 1000 keys)
  s.connect_timeout = std::chrono::milliseconds(3000);
  s.clock = std::make_shared<Clock>(0.0);  // back-off advances logical time, no sleeping
  return s;
}

inline std::shared_ptr<s3::S3ObjectStore> open_peer_store(const std::string& endpoint, const std::string& uri = "s3://") {
  auto st = s3::open_s3_store(uri, peer_settings(endpoint));
  return std::static_pointer_cast<s3::S3ObjectStore>(st.value());
}

/// GET a control URL of the proxy (/__stats, /__fault?...) and return the body.
std::string proxy_get(const S3Peer& peer, const std::string& path_and_query);

}  // namespace cosmicai::storage::testing
