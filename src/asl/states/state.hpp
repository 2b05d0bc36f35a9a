#pragma once
/// The parsed form of one state: fields common to every state type.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/parse_context.hpp"
#include "asl/path/json_path.hpp"
#include "asl/path/payload_template.hpp"
#include "asl/policy/catcher.hpp"
#include "asl/policy/retrier.hpp"
#include "asl/query/jsonata_field.hpp"
#include "asl/path/scope.hpp"
#include "common/json.hpp"

namespace cosmicai::asl {

/// The eight state types of the ASL.
enum class StateType { kPass, kTask, kChoice, kWait, kSucceed, kFail, kParallel, kMap };

/// Return the ASL spelling of a type ("Pass", "Task", ...).
std::string_view to_string(StateType type);

/// A path-valued field (InputPath, OutputPath, ResultPath) that may be JSON null.
struct PathField {
  std::optional<JsonPath> path;  ///< the compiled path; nullopt when absent or "$"
  bool is_null = false;          ///< the field was given as null
};

/// The data flow of a state, whichever its query language. JSONPath: InputPath → Parameters →
/// (body) → ResultSelector → ResultPath → OutputPath. JSONata: Arguments → (body) → Output, with
/// `$states`. Assign, in both, is evaluated with the variables as they were when the state was entered.
/// Immutable after parsing; every function is const and thread-safe.
class DataFlow {
 public:
  bool jsonata = false;                  ///< QueryLanguage JSONata
  PathField input_path;                  ///< JSONPath
  PathField output_path;                 ///< JSONPath
  PathField result_path;                 ///< JSONPath: Pass, Task, Map, Parallel
  std::optional<PayloadTemplate> parameters;       ///< JSONPath: Pass, Task, Map (legacy ItemSelector), Parallel
  std::optional<PayloadTemplate> result_selector;  ///< JSONPath: Task, Map, Parallel
  std::optional<JsonataValue> arguments; ///< JSONata: Task, Parallel
  std::optional<JsonataValue> output;    ///< JSONata: every state but Fail
  std::optional<PayloadTemplate> assign_paths;     ///< JSONPath Assign (a payload template)
  std::optional<JsonataValue> assign;    ///< JSONata Assign

  /// The effective input of the state's work: InputPath then Parameters (unless `skip_parameters`,
  /// for a Map, whose Parameters are its legacy ItemSelector); JSONata: Arguments, or the input.
  json effective_input(const json& raw, const ContextRef& context, const Variables* vars, bool skip_parameters = false) const;
  /// Whether effective_input returns the raw input unchanged (no InputPath, Parameters or
  /// Arguments to apply), so a caller may use the input itself instead of a copy.
  bool effective_is_raw(bool skip_parameters = false) const {
    if (jsonata) return !arguments;
    return !input_path.is_null && !input_path.path && (skip_parameters || !parameters);
  }
  /// JSONPath only: the effective input (InputPath) of a state without Parameters (Choice, Wait, Succeed).
  json input_of(const json& raw, const ContextRef& context, const Variables* vars) const;
  /// The state output from its `result` (the work's raw result; for Pass/Choice/Wait/Succeed the
  /// effective input or Pass's Result): JSONPath applies ResultSelector (when `select`), ResultPath and
  /// OutputPath; JSONata evaluates Output (default: the result). `assigned` receives the Assign values.
  json output_of(const json& raw, json result, const ContextRef& context, const Variables* vars, bool select,
                 bool has_result, json* assigned) const;
  /// The same, taking the state input over (no copy where ResultPath places the result into it).
  json output_of(json&& raw, json result, const ContextRef& context, const Variables* vars, bool select, bool has_result,
                 json* assigned) const;
  /// The same, turning the state input `io` into the state output in place (a ResultPath places
  /// the result into it without passing it through temporaries). On an error `io` is unspecified.
  void output_in_place(json& io, json result, const ContextRef& context, const Variables* vars, bool select, bool has_result,
                       json* assigned) const;
  /// Whether the output of a state with a result is only the result's field `name`, and nothing else
  /// reads the result: JSONPath, OutputPath "$.name", no ResultSelector, ResultPath or Assign (a
  /// Task may then hand over a result holding only that field).
  bool output_is_result_field(std::string_view name) const {
    return !jsonata && !result_selector && !assign_paths && !assign && !result_path.is_null && !result_path.path &&
           !output_path.is_null && output_path.path && output_path.path->is_property(name);
  }
  /// Whether Assign is present.
  bool has_assign() const { return assign_paths || assign; }
  /// Evaluate Assign: JSONPath over `value` (`$`); JSONata with `$states`.
  json evaluate_assign(const json& value, const EvalEnv& env) const;

 private:
  /// JSONata's output_of: Assign and Output with `$states` (the input is only read).
  json jsonata_output_of(const json& raw, json result, const ContextRef& context, const Variables* vars, bool has_result,
                         json* assigned) const;
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
  const State* next_state = nullptr;  ///< the state `next` names, resolved when its machine is parsed
  bool end = false;

  DataFlow flow;                         ///< data flow (both query languages)
  bool jsonata = false;                  ///< QueryLanguage JSONata (same as flow.jsonata)
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
  bool arguments = false;   ///< JSONata Arguments (Task, Parallel)
  bool output = true;       ///< JSONata Output
  bool assign = true;       ///< Assign
  bool has_result = false;  ///< $states.result is available in Output/Assign (Task, Map, Parallel)
};

/// Parse Type-independent fields into `state` (Comment, Next/End, paths, Parameters,
/// ResultSelector, Retry, Catch), as allowed by `fields`. Problems go to `ctx`.
void parse_common_fields(const json& obj, const CommonFields& fields, State& state, ParseContext& ctx);

/// An `Assign` field: JSONPath (a payload template over the value `$`) or JSONata.
struct AssignSpec {
  std::optional<PayloadTemplate> paths;
  std::optional<JsonataValue> jsonata;
};
/// Parse the `Assign` of `obj` (a state, a Choice rule or a Catcher) at `pointer`, in the current
/// state's query language; nullopt when absent. `access`: whether $states.result/errorOutput may be used.
std::optional<AssignSpec> parse_assign(const json& obj, const std::string& pointer, StatesAccess access,
                                       ParseContext& ctx);

/// Parse a state object of any type at `pointer`; returns nullptr if unusable.
/// Sub-machines (Map, Parallel) are parsed recursively.
std::unique_ptr<State> parse_state(const std::string& name, const json& obj, const std::string& pointer,
                                   ParseContext& ctx);

}  // namespace cosmicai::asl
