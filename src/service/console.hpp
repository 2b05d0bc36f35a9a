#pragma once
/// The web console of `cosmicai serve` (GET requests; the API stays POST /): the static page,
/// script and style sheet compiled into the binary, which call the service's own API from the
/// browser, and one helper endpoint the AWS API has no counterpart for: an execution's state graph
/// laid out as SVG (the HTML report's `report::html::StateGraph`, coloured by the history).
#include <functional>
#include <map>
#include <string>

#include "service/service.hpp"

namespace cosmicai::service {

struct ConsoleOptions {
  /// Lay out Graphviz DOT as SVG (the CLI runs `dot`); null, or "" returned: the built-in layout.
  std::function<std::string(const std::string& dot)> layout;
};

/// A GET answer.
struct ConsolePage {
  int status = 200;
  std::string content_type;
  std::string body;
};

/// Thread-safe: reads the service's store only.
class Console {
 public:
  Console(Service& service, ConsoleOptions options);

  /// Answer GET `path` (without the query) with the query parameters `params`:
  /// `/` the page; `/console/<file>` a static file; `/console/graph?executionArn=ARN` the graph as
  /// JSON {"svg", "layout", "executionStatus", "states":[{"name","type","status","note"}]}.
  /// Anything else: 404 with a JSON error naming the path.
  ConsolePage get(const std::string& path, const std::multimap<std::string, std::string>& params) const;

  /// The graph of one execution (see get). Throws std::runtime_error naming the execution when it
  /// does not exist or its definition cannot be drawn.
  json graph(const std::string& execution_arn) const;

 private:
  Service& service_;
  ConsoleOptions options_;
};

}  // namespace cosmicai::service
