#pragma once
/// Object storage shaped like S3: buckets of keys, whole and ranged reads, atomic puts.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::storage {

/// One listed object.
struct ObjectInfo {
  std::string key;
  std::uint64_t size = 0;
  /// Entity tag as S3 lists it, quotes included ("\"9b2cf535f27731c974343645a3985328\""); empty when
  /// the backend has none. mem:// gives the content MD5 like S3's single-part uploads; file:// a
  /// validator derived from size and modification time (changes whenever the file does).
  std::string etag;
  /// Last modification, Unix seconds; 0 when the backend does not know it (mem://).
  std::int64_t last_modified = 0;
};

/// One page of a listing request (S3 ListObjectsV2 semantics).
struct ListRequest {
  std::string prefix;              ///< only keys starting with this
  std::string continuation_token;  ///< from the previous page; empty for the first
  std::size_t max_keys = 1000;     ///< page size (S3 caps it at 1000)
};

struct ListPage {
  std::vector<ObjectInfo> objects;  ///< in lexicographic key order, as S3 returns them
  std::string next_token;           ///< empty when this is the last page
};

/// Order of a full listing.
enum class KeyOrder {
  kLexicographic,  ///< byte order, as S3 lists ("1.pt", "10.pt", "2.pt")
  kNumeric,        ///< digit runs compared as numbers ("1.pt", "2.pt", "10.pt")
};

/// An object store. Implementations are thread-safe: every member may be called
/// concurrently. Errors name the store, bucket and key.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  /// Return one page of keys under `bucket`.
  virtual Result<ListPage> list_page(std::string_view bucket, const ListRequest& request) const = 0;
  /// Return the whole object.
  virtual Result<std::string> get(std::string_view bucket, std::string_view key) const = 0;
  /// Return `length` bytes from `offset` (fewer at the end of the object).
  virtual Result<std::string> get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                        std::uint64_t length) const = 0;
  /// Store an object atomically: a reader sees the old object or the new one, never a mix.
  virtual Status put(std::string_view bucket, std::string_view key, std::string_view data) = 0;
  /// Return whether the object exists.
  virtual Result<bool> exists(std::string_view bucket, std::string_view key) const = 0;
  /// Delete an object; deleting a missing object is not an error (as in S3).
  virtual Status remove(std::string_view bucket, std::string_view key) = 0;
  /// Return the URI this store was opened from.
  virtual std::string uri() const = 0;
  /// Return a local file path holding the object, if the backend is a local
  /// filesystem (lets readers map the file instead of copying it), else nullopt.
  virtual std::optional<std::string> local_path(std::string_view /*bucket*/, std::string_view /*key*/) const {
    return std::nullopt;
  }

  /// Return the object's key and size without reading it (S3 HeadObject). The default
  /// reads the object; backends override it.
  virtual Result<ObjectInfo> stat(std::string_view bucket, std::string_view key) const;
  /// Read exactly `length` bytes at `offset` into `dst` (an error if the object is shorter),
  /// calling `on_chunk` (if set) with each consecutive piece right after it lands in `dst`,
  /// so a caller can checksum bytes while they are in cache. S3 streams the response
  /// straight into `dst`; the default copies from get_range.
  virtual Status read_range_into(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                 std::uint64_t length, char* dst,
                                 const std::function<void(const char*, std::size_t)>& on_chunk = {}) const;
  /// Read the first min(`length`, size) bytes of the object into `dst` and return its size: one
  /// request on S3 (a ranged GET whose Content-Range carries the size) where stat + read would
  /// be two. The default does exactly those two.
  virtual Result<std::uint64_t> read_head(std::string_view bucket, std::string_view key, std::uint64_t length,
                                          char* dst) const;
  /// Delete many objects of one bucket (S3 DeleteObjects, 1000 a request); missing ones are
  /// not an error. The default deletes one by one.
  virtual Status remove_many(std::string_view bucket, const std::vector<std::string>& keys);

  /// List every key under `prefix`, following all pages, in the given order.
  Result<std::vector<ObjectInfo>> list_all(std::string_view bucket, std::string_view prefix,
                                           KeyOrder order = KeyOrder::kLexicographic) const;
};

/// The ETag S3 gives a single-part upload: the quoted lowercase hex MD5 of the content.
std::string md5_etag(std::string_view data);

/// Compare keys with digit runs taken as numbers ("2.pt" < "10.pt").
bool numeric_key_less(std::string_view a, std::string_view b);

/// How to reach S3 for an s3:// URI (see storage/s3/settings.hpp); read from the environment
/// and ~/.aws files when not given.
struct StoreOptions {
  std::string s3_endpoint;  ///< --s3-endpoint: overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL
  std::function<std::optional<std::string>(std::string_view)> env;  ///< environment lookup; empty = getenv
};

/// Open a store from a URI: "file:///abs/root" (bucket = directory under root),
/// a plain directory path (same as file://), "mem://" (process-local, for tests), or
/// "s3://" (store buckets are S3 buckets) / "s3://BUCKET[/PREFIX]" (store bucket b is the
/// folder PREFIX/b/ of one S3 bucket).
Result<std::shared_ptr<ObjectStore>> open_object_store(std::string_view uri);
/// Same, with S3 options.
Result<std::shared_ptr<ObjectStore>> open_object_store(std::string_view uri, const StoreOptions& options);

}  // namespace cosmicai::storage
