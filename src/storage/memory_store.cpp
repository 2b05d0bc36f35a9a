#include "storage/memory_store.hpp"


#include <mutex>

#include "storage/key_check.hpp"

namespace cosmicai::storage {

namespace {

}  // namespace

MemoryObjectStore::MemoryObjectStore(std::string name) : name_(std::move(name)) {}

Result<ListPage> MemoryObjectStore::list_page(std::string_view bucket, const ListRequest& request) const {
  if (auto st = check_bucket(uri(), bucket); !st.ok()) return st.error();
  ListPage page;
  const std::size_t max_keys = std::min<std::size_t>(request.max_keys, 1000);
  std::shared_lock lock(mutex_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end() || max_keys == 0) return page;
  const auto& keys = b->second;
  auto it = request.continuation_token.empty() ? keys.lower_bound(request.prefix)
                                               : keys.upper_bound(request.continuation_token);
  if (!request.continuation_token.empty() && request.continuation_token < request.prefix) {
    it = keys.lower_bound(request.prefix);
  }
  for (; it != keys.end(); ++it) {
    if (it->first.compare(0, request.prefix.size(), request.prefix) != 0) break;
    if (page.objects.size() == max_keys) {
      page.next_token = page.objects.back().key;
      break;
    }
    ObjectInfo info{it->first, it->second->size(), {}, 0};
    info.etag = md5_etag(*it->second);
    page.objects.push_back(std::move(info));
  }
  return page;
}

Result<std::shared_ptr<const std::string>> MemoryObjectStore::find(std::string_view bucket,
                                                                   std::string_view key) const {
  if (auto st = check_bucket(uri(), bucket); !st.ok()) return st.error();
  if (auto st = check_key(uri(), bucket, key); !st.ok()) return st.error();
  std::shared_lock lock(mutex_);
  auto b = buckets_.find(bucket);
  if (b != buckets_.end()) {
    auto o = b->second.find(key);
    if (o != b->second.end()) return o->second;
  }
  return make_error(ErrorCode::kNotFound, object_where(uri(), bucket, key) + "not found");
}

Result<std::string> MemoryObjectStore::get(std::string_view bucket, std::string_view key) const {
  auto obj = find(bucket, key);
  if (!obj.ok()) return obj.error();
  return std::string(**obj);
}

Result<std::string> MemoryObjectStore::get_range(std::string_view bucket, std::string_view key, std::uint64_t offset,
                                                 std::uint64_t length) const {
  auto obj = find(bucket, key);
  if (!obj.ok()) return obj.error();
  const std::string& data = **obj;
  if (offset > data.size()) {
    return make_error(ErrorCode::kInvalidArgument, object_where(uri(), bucket, key) + "range start " +
                                                       std::to_string(offset) + " is beyond the object size " +
                                                       std::to_string(data.size()));
  }
  return data.substr(offset, length);
}

Status MemoryObjectStore::put(std::string_view bucket, std::string_view key, std::string_view data) {
  if (auto st = check_bucket(uri(), bucket); !st.ok()) return st;
  if (auto st = check_key(uri(), bucket, key); !st.ok()) return st;
  auto value = std::make_shared<const std::string>(data);  // copy outside the lock
  std::unique_lock lock(mutex_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) b = buckets_.emplace(std::string(bucket), decltype(b->second){}).first;
  b->second.insert_or_assign(std::string(key), std::move(value));
  return {};
}

Result<bool> MemoryObjectStore::exists(std::string_view bucket, std::string_view key) const {
  auto obj = find(bucket, key);
  if (obj.ok()) return true;
  if (obj.error().code == ErrorCode::kNotFound) return false;
  return obj.error();
}

Status MemoryObjectStore::remove(std::string_view bucket, std::string_view key) {
  if (auto st = check_bucket(uri(), bucket); !st.ok()) return st;
  if (auto st = check_key(uri(), bucket, key); !st.ok()) return st;
  std::shared_ptr<const std::string> doomed;  // freed outside the lock
  std::unique_lock lock(mutex_);
  auto b = buckets_.find(bucket);
  if (b == buckets_.end()) return {};
  auto o = b->second.find(key);
  if (o == b->second.end()) return {};
  doomed = std::move(o->second);
  b->second.erase(o);
  return {};
}

Result<std::shared_ptr<ObjectStore>> open_memory_store(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return make_error(ErrorCode::kInvalidArgument,
                      "object store URI 'mem://" + name + "': a memory store name may not contain '/'");
  }
  if (name.empty()) return std::shared_ptr<ObjectStore>(std::make_shared<MemoryObjectStore>());
  static std::mutex registry_mutex;
  static std::map<std::string, std::shared_ptr<ObjectStore>> registry;
  std::lock_guard lock(registry_mutex);
  auto& slot = registry[name];
  if (!slot) slot = std::make_shared<MemoryObjectStore>(name);
  return slot;
}

}  // namespace cosmicai::storage
