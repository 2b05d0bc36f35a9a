#include <curl/curl.h>

#include <stdexcept>

#include "s3_peer.hpp"

namespace cosmicai::storage::testing {

namespace {
size_t append(char* p, size_t, size_t n, void* user) {
  static_cast<std::string*>(user)->append(p, n);
  return n;
}
}  // namespace

std::string proxy_get(const S3Peer& peer, const std::string& path_and_query) {
  CURL* c = curl_easy_init();
  std::string body;
  const std::string url = peer.proxy_url() + path_and_query;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  const CURLcode rc = curl_easy_perform(c);
  curl_easy_cleanup(c);
  if (rc != CURLE_OK) throw std::runtime_error("proxy " + url + ": " + curl_easy_strerror(rc));
  return body;
}

}  // namespace cosmicai::storage::testing
