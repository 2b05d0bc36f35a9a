#pragma once
/// Bucket name → ObjectStore: how the engine reaches S3-shaped storage (ItemReader, ResultWriter,
/// aws-sdk:s3 tasks), the same stores the workflow's handlers use.
#include <memory>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::engine {

/// Finds the store that holds a bucket. Implementations are thread-safe.
class StoreResolver {
 public:
  virtual ~StoreResolver() = default;
  /// Return the store holding `bucket`, or an error naming the bucket.
  virtual Result<std::shared_ptr<storage::ObjectStore>> store_for(std::string_view bucket) const = 0;
  /// Describe the resolver for error messages ("file:///data", "no store").
  virtual std::string describe() const = 0;
};

/// Return a resolver that serves every bucket from `store` (what `cosmicai run --store URI` gives).
std::shared_ptr<const StoreResolver> single_store_resolver(std::shared_ptr<storage::ObjectStore> store);

}  // namespace cosmicai::engine
