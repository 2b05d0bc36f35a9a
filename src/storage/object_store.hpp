#pragma once
/// Object storage shaped like S3: buckets of keys, whole and ranged reads, atomic puts.
#include <cstdint>
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

  /// List every key under `prefix`, following all pages, in the given order.
  Result<std::vector<ObjectInfo>> list_all(std::string_view bucket, std::string_view prefix,
                                           KeyOrder order = KeyOrder::kLexicographic) const;
};

/// Compare keys with digit runs taken as numbers ("2.pt" < "10.pt").
bool numeric_key_less(std::string_view a, std::string_view b);

/// Open a store from a URI: "file:///abs/root" (bucket = directory under root),
/// a plain directory path (same as file://), or "mem://" (process-local, for tests).
Result<std::shared_ptr<ObjectStore>> open_object_store(std::string_view uri);

}  // namespace cosmicai::storage
