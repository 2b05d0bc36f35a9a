#pragma once
/// The s3:// object store: ObjectStore over the S3 REST API (client.hpp).
#include <memory>
#include <string>
#include <string_view>

#include "storage/object_store.hpp"
#include "storage/s3/client.hpp"

namespace cosmicai::storage::s3 {

/// An ObjectStore on S3 or any S3-compatible server. With a root bucket ("s3://ROOT/PREFIX"),
/// store bucket b and key k live at s3://ROOT/PREFIX/b/k; without one ("s3://"), b is the S3
/// bucket. Thread-safe (connections are pooled). Errors name the store, bucket and key, and
/// for S3 failures the operation, HTTP status and S3 error code.
class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(std::string uri, std::string root_bucket, std::string root_prefix, S3Settings settings);

  Result<ListPage> list_page(std::string_view bucket, const ListRequest& request) const override;
  Result<std::string> get(std::string_view bucket, std::string_view key) const override;
  Result<std::string> get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                std::uint64_t length) const override;
  Status put(std::string_view bucket, std::string_view key, std::string_view data) override;
  Result<bool> exists(std::string_view bucket, std::string_view key) const override;
  Status remove(std::string_view bucket, std::string_view key) override;
  std::string uri() const override { return uri_; }
  Result<ObjectInfo> stat(std::string_view bucket, std::string_view key) const override;
  Status read_range_into(std::string_view bucket, std::string_view key, std::uint64_t offset, std::uint64_t length,
                         char* dst, const std::function<void(const char*, std::size_t)>& on_chunk = {}) const override;
  Result<std::uint64_t> read_head(std::string_view bucket, std::string_view key, std::uint64_t length,
                                  char* dst) const override;
  Status remove_many(std::string_view bucket, const std::vector<std::string>& keys) override;

  /// Create a bucket (S3 CreateBucket; "already owned by you" is success). For tests and setup.
  Status create_bucket(std::string_view bucket);
  /// The client's counters (requests, retries, back-off).
  ClientStats stats() const { return client_.stats(); }
  const Client& client() const { return client_; }

 private:
  struct Where {
    std::string bucket, key;
  };
  /// Check names and map a store bucket/key to S3's; `bucket_only` for bucket-level calls.
  Result<Where> locate(std::string_view bucket, std::string_view key, bool bucket_only = false) const;
  Error s3_error(std::string_view op, std::string_view bucket, std::string_view key, const Response& r) const;
  /// Perform an object-level call on `bucket`/`key` of this store (located here); a transport
  /// failure comes back named with the object.
  Result<Response> object_call(Call c, std::string_view bucket, std::string_view key) const;
  Error not_found(std::string_view bucket, std::string_view key) const;
  Status put_multipart(const Where& w, std::string_view bucket, std::string_view key, std::string_view data);

  std::string uri_, root_bucket_, root_prefix_;
  Client client_;
};

/// Open "s3://" or "s3://BUCKET[/PREFIX]" with `settings`.
Result<std::shared_ptr<ObjectStore>> open_s3_store(std::string_view uri, S3Settings settings);

}  // namespace cosmicai::storage::s3
