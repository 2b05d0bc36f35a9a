#include "engine/map_io/store_resolver.hpp"

namespace cosmicai::engine {

namespace {

class SingleStoreResolver final : public StoreResolver {
 public:
  explicit SingleStoreResolver(std::shared_ptr<storage::ObjectStore> store) : store_(std::move(store)) {}
  Result<std::shared_ptr<storage::ObjectStore>> store_for(std::string_view) const override { return store_; }
  std::string describe() const override { return store_->uri(); }

 private:
  std::shared_ptr<storage::ObjectStore> store_;
};

}  // namespace

std::shared_ptr<const StoreResolver> single_store_resolver(std::shared_ptr<storage::ObjectStore> store) {
  return std::make_shared<SingleStoreResolver>(std::move(store));
}

}  // namespace cosmicai::engine
