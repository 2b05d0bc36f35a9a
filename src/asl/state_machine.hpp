#pragma once
/// A parsed, validated state machine: the immutable state tree shared by executions.
#include <cstdint>
#include <map>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/errors.hpp"
#include "asl/parse_context.hpp"
#include "asl/states/choice.hpp"
#include "asl/states/fail.hpp"
#include "asl/states/map.hpp"
#include "asl/states/parallel.hpp"
#include "asl/states/pass.hpp"
#include "asl/states/state.hpp"
#include "asl/states/succeed.hpp"
#include "asl/states/task.hpp"
#include "asl/states/wait.hpp"
#include "common/result.hpp"

namespace cosmicai::asl {

/// Where a (sub-)machine sits: top level, a Parallel branch, or a Map item processor.
enum class MachineKind { kTopLevel, kBranch, kItemProcessor };

/// A state machine (top level or nested). Immutable after parsing; every member
/// function is const and thread-safe, so one instance serves many executions.
class StateMachine {
 public:
  /// Parse and validate a whole definition. On success returns the machine; on
  /// failure returns nullptr and appends EVERY problem found to `errors`.
  static std::shared_ptr<const StateMachine> parse(const json& definition, std::vector<ValidationError>& errors);

  /// Parse a nested machine (Parallel branch, Map ItemProcessor/Iterator) at `pointer`.
  static std::shared_ptr<const StateMachine> parse_sub(const json& definition, const std::string& pointer,
                                                       MachineKind kind, ParseContext& ctx);

  /// Return the state called `name`, or nullptr.
  const State* find(std::string_view name) const;
  /// Return the StartAt state (never null for a parsed machine).
  const State* start() const { return start_ ? start_ : find(start_at_); }

  const std::string& start_at() const { return start_at_; }
  const std::string& comment() const { return comment_; }
  const std::string& version() const { return version_; }
  /// Execution TimeoutSeconds (top level only).
  std::optional<std::int64_t> timeout_seconds() const { return timeout_seconds_; }
  const std::string& pointer() const { return pointer_; }
  /// Whether a state of this machine or of a nested one reads the context object (State::uses_context).
  bool uses_context() const { return uses_context_; }
  /// States in definition order.
  const std::vector<std::unique_ptr<State>>& states() const { return states_; }

  /// Call `visit` for every state of this machine and of all nested machines.
  template <class F>
  void for_each_state(F&& visit) const {
    for (const auto& s : states_) {
      visit(*s);
      if (s->type == StateType::kParallel) {
        for (const auto& b : static_cast<const ParallelState&>(*s).branches) b->for_each_state(visit);
      } else if (s->type == StateType::kMap) {
        if (const auto& p = static_cast<const MapState&>(*s).processor) p->for_each_state(visit);
      }
    }
  }

 private:
  std::string start_at_;
  std::string comment_;
  std::string version_;
  std::string pointer_;
  std::optional<std::int64_t> timeout_seconds_;
  std::vector<std::unique_ptr<State>> states_;
  const State* start_ = nullptr;  ///< the StartAt state, resolved when parsed
  bool uses_context_ = false;
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  /// By name, for Choice rules and Catchers (Next is resolved when parsed: State::next_state).
  std::unordered_map<std::string, const State*, NameHash, std::equal_to<>> by_name_;
};

/// Validate a definition; returns every problem (empty when valid).
std::vector<ValidationError> validate_definition(const json& definition);

/// Return a problem for each feature the engine cannot run although the definition
/// is valid (unsupported Task resources, ItemReader, ResultWriter), with pointers.
std::vector<ValidationError> check_supported(const StateMachine& machine);

}  // namespace cosmicai::asl
