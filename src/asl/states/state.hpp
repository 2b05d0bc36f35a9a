#pragma once
/// The parsed form of one state: fields common to every state type.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/parse_context.hpp"
#include "asl/policy/catcher.hpp"
#include "asl/policy/retrier.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// The eight state types of the ASL.
enum class StateType { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };

/// Return the ASL spelling of a type ("Pass", "Task", ...).
std::string_view to_string(StateType type);

/// A path-valued field (InputPath, OutputPath, ResultPath) that may be JSON null.
struct PathField {
  std::string path = "$";  ///< the path; "$" when absent
  bool is_null = false;    ///< the field was given as null
};

/// A parsed state. Built once by StateMachine::parse and then immutable, so it may
/// be shared by concurrent executions. Fields absent from a type keep their defaults.
class State {
 public:
  virtual ~State() = default;

  StateType type = StateType::kPass;
  std::string name;     ///< key in States
  std::string pointer;  ///< JSON pointer of the state object, e.g. "/States/Fetch"
  std::string comment;
  std::string next;     ///< empty when `end` or for Choice/Succeed/Fail
  bool end = false;

  PathField input_path;
  PathField output_path;
  PathField result_path;                 ///< Pass, Task, Map, Parallel
  std::optional<json> parameters;        ///< Pass, Task, Map (legacy ItemSelector), Parallel
  std::optional<json> result_selector;   ///< Task, Map, Parallel
  std::vector<Retrier> retry;            ///< Task, Map, Parallel
  std::vector<Catcher> catchers;         ///< Task, Map, Parallel
  bool uses_context = false;             ///< the definition mentions "$$" (context object needed)

  /// Return whether this is a terminal state (End, Succeed or Fail).
  bool is_terminal() const { return end || type == StateType::kSucceed || type == StateType::kFail; }
};

/// Which shared fields a state type accepts (used by parse_common_fields).
struct CommonFields {
  bool transition = true;   ///< Next/End
  bool input_output = true; ///< InputPath/OutputPath
  bool parameters = false;
  bool result_path = false;
  bool result_selector = false;
  bool retry_catch = false;
};

/// Parse Type-independent fields into `state` (Comment, Next/End, paths, Parameters,
/// ResultSelector, Retry, Catch), as allowed by `fields`. Problems go to `ctx`.
void parse_common_fields(const json& obj, const CommonFields& fields, State& state, ParseContext& ctx);

/// Parse a state object of any type at `pointer`; returns nullptr if unusable.
/// Sub-machines (Map, Parallel) are parsed recursively.
std::unique_ptr<State> parse_state(const std::string& name, const json& obj, const std::string& pointer,
                                   ParseContext& ctx);

}  // namespace cosmicai::asl
