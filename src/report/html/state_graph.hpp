#pragma once
/// The state machine as a graph for the HTML report: states (with their nested Map/Parallel
/// machines as clusters), transitions, and each state's status, duration and retries taken from an
/// execution history (GetExecutionHistory JSON). Rendered as Graphviz DOT (laid out by `dot` when
/// the caller has it) or as SVG by a simple layered layout of its own. No I/O.
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace cosmicai::report::html {

/// One state of the machine or of a nested machine.
struct GraphState {
  std::string id;            ///< unique: the names of enclosing Map/Parallel states and branch index joined by '/'
  std::string name;          ///< the state's name
  std::string type;          ///< Task, Pass, Choice, Map, Parallel, Wait, Succeed, Fail
  std::string mode;          ///< Map: INLINE or DISTRIBUTED
  std::string machine;       ///< id of the machine holding it ("" for the top level)
  std::string status;        ///< Succeeded, Failed, Caught error, Canceled, In progress, Not run ("" = no history)
  std::int64_t entries = 0;  ///< times entered (Map iterations enter inner states many times)
  double duration_s = -1;    ///< total time between entered and exited (-1: unknown)
  std::int64_t retries = 0;  ///< task attempts after the first
  std::string note;          ///< extra line, e.g. "517 invocations, 2 failed"
  std::string error;         ///< error and cause of a failure
};

/// A transition. `kind`: "next", "choice", "default", "catch", "start" (into a nested machine).
struct GraphEdge {
  std::string from, to, kind, label;
};

/// A nested machine (Map item processor, Parallel branch).
struct GraphMachine {
  std::string id;     ///< "" for the top level, else the owner's id plus "/" or "/branch N/"
  std::string owner;  ///< id of the Map/Parallel state (empty at the top level)
  std::string label;
  std::string start;  ///< id of its StartAt state
};

/// The whole graph. Pseudo-states "(start)" and "(end)" frame the top level.
struct StateGraph {
  std::vector<GraphState> states;
  std::vector<GraphEdge> edges;
  std::vector<GraphMachine> machines;
  std::string execution_status;  ///< from the history: SUCCEEDED, FAILED, TIMED_OUT, ABORTED, RUNNING, ""
  std::string execution_error;
  double execution_duration_s = -1;

  GraphState* find(const std::string& id);
};

/// Build the graph of an ASL definition. Throws std::runtime_error naming the JSON pointer of a
/// malformed part (States missing, StartAt missing…).
StateGraph graph_from_definition(const json& definition);

/// Build a graph from a history alone (no definition): the states in the order first entered,
/// typed by their event names, chained.
StateGraph graph_from_history(const json& history);

/// Set status, duration, entries and retries of the graph's states from a history
/// ({"events":[…]} or the bare array). States never entered become "Not run" once the history
/// has any state event. Throws std::runtime_error on a malformed history, naming the event.
void annotate_with_history(StateGraph& graph, const json& history);

/// Give the Task states inside DISTRIBUTED Map machines that the history did not cover (their
/// child executions are separate on AWS) the rank figures: `ok` invocations succeeded, `failed`
/// failed, mean duration `mean_s`.
void annotate_distributed_tasks(StateGraph& graph, std::int64_t ok, std::int64_t failed, double mean_s);

/// Graphviz DOT source (states coloured by status, nested machines as clusters, tooltips).
std::string to_dot(const StateGraph& graph);

/// SVG without Graphviz: each machine in layers by breadth-first depth, nested machines as boxes
/// to the right of their owner. Returns an <svg> element.
std::string to_svg_fallback(const StateGraph& graph);

/// Clean `dot -Tsvg` output for inlining: drop the XML prolog, DOCTYPE and comments.
std::string inline_dot_svg(const std::string& svg);

/// The colour legend (status → fill, stroke) shared by both renderings.
struct StatusColors {
  const char* fill;
  const char* stroke;
};
StatusColors status_colors(const std::string& status);

}  // namespace cosmicai::report::html
