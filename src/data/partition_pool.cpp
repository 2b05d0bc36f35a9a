#include "data/partition_pool.hpp"

namespace cosmicai::data {

PartitionPool::PartitionPool(std::size_t max_idle) : state_(std::make_shared<State>()) {
  state_->max_idle = max_idle;
}

std::shared_ptr<Partition> PartitionPool::acquire() {
  std::unique_ptr<Partition> p;
  {
    std::lock_guard lock(state_->mutex);
    if (!state_->idle.empty()) {
      p = std::move(state_->idle.back());
      state_->idle.pop_back();
    }
  }
  if (!p) p = std::make_unique<Partition>();
  std::weak_ptr<State> weak = state_;
  return std::shared_ptr<Partition>(p.release(), [weak](Partition* released) {
    std::unique_ptr<Partition> owned(released);
    if (auto state = weak.lock()) {
      std::lock_guard lock(state->mutex);
      if (state->idle.size() < state->max_idle) state->idle.push_back(std::move(owned));
    }
  });
}

std::size_t PartitionPool::idle() const {
  std::lock_guard lock(state_->mutex);
  return state_->idle.size();
}

}  // namespace cosmicai::data
