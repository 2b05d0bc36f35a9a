#pragma once
/// In-memory object store ("mem://"): for tests and dry runs.
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>

#include "storage/object_store.hpp"

namespace cosmicai::storage {

/// Buckets of keys held in process memory. Buckets spring into existence on the
/// first put; listing a bucket that was never written gives an empty listing.
/// Objects are immutable shared strings, so a get never sees a half-written put.
/// All members are thread-safe.
class MemoryObjectStore final : public ObjectStore {
 public:
  /// `name` is the part after "mem://" (may be empty); it only shows in uri() and errors.
  explicit MemoryObjectStore(std::string name = {});

  Result<ListPage> list_page(std::string_view bucket, const ListRequest& request) const override;
  Result<std::string> get(std::string_view bucket, std::string_view key) const override;
  Result<std::string> get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                std::uint64_t length) const override;
  Status put(std::string_view bucket, std::string_view key, std::string_view data) override;
  Result<bool> exists(std::string_view bucket, std::string_view key) const override;
  Status remove(std::string_view bucket, std::string_view key) override;
  std::string uri() const override { return "mem://" + name_; }

 private:
  Result<std::shared_ptr<const std::string>> find(std::string_view bucket, std::string_view key) const;

  std::string name_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, std::map<std::string, std::shared_ptr<const std::string>, std::less<>>, std::less<>> buckets_;
};

/// Open "mem://NAME": an empty NAME gives a new private store; a non-empty NAME
/// gives the process-wide store of that name (every open of "mem://x" shares it).
/// Thread-safe.
Result<std::shared_ptr<ObjectStore>> open_memory_store(const std::string& name);

}  // namespace cosmicai::storage
