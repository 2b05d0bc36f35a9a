// Data-driven ASL conformance runner: runs recorded AWS executions (asl/<area>/<name>.json)
// and compares the result as asl/README.md says. Usage:
//   asl_runner CASE.json...        exit 0 all pass, 1 any fails, 77 (skip) when every case is a known failure
//   asl_runner --force CASE.json   run known failures too
//   asl_runner --summary CASE...   one line per case and a count at the end
#include <cmath>
#include <fstream>
#include <iostream>
#include <set>

#include "asl/state_machine.hpp"
#include "common/json.hpp"
#include "engine/engine.hpp"
#include "functions/registry.hpp"

using cosmicai::json;

namespace {

constexpr int kSkip = 77;

bool ignored_key(const std::string& key) { return key == "SdkHttpMetadata" || key == "SdkResponseMetadata"; }

/// JSON equality with numbers by value and the Sdk* metadata keys ignored at any depth.
bool same(const json& a, const json& b, std::string& where, const std::string& path = "") {
  if (a.is_number() && b.is_number()) {
    if (a.is_number_integer() && b.is_number_integer()) {
      if (a.get<std::int64_t>() == b.get<std::int64_t>()) return true;
    } else if (std::fabs(a.get<double>() - b.get<double>()) <= 1e-12 * std::max(1.0, std::fabs(b.get<double>()))) {
      return true;
    }
    where = path.empty() ? "/" : path;
    return false;
  }
  if (a.type() != b.type()) {
    where = path.empty() ? "/" : path;
    return false;
  }
  if (a.is_object()) {
    std::set<std::string> keys;
    for (auto it = a.begin(); it != a.end(); ++it) if (!ignored_key(it.key())) keys.insert(it.key());
    for (auto it = b.begin(); it != b.end(); ++it) if (!ignored_key(it.key())) keys.insert(it.key());
    for (const auto& k : keys) {
      if (!a.contains(k) || !b.contains(k)) {
        where = path + "/" + k;
        return false;
      }
      if (!same(a[k], b[k], where, path + "/" + k)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) {
      where = path + " (array length " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) + ")";
      return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (!same(a[i], b[i], where, path + "/" + std::to_string(i))) return false;
    }
    return true;
  }
  if (a != b) {
    where = path.empty() ? "/" : path;
    return false;
  }
  return true;
}

/// Soft cause comparison: objects (or JSON text of one) by errorMessage/errorType; text whole.
bool same_cause(const json& expected, const std::optional<std::string>& actual) {
  if (expected.is_null()) return !actual;
  if (!actual) return false;
  json exp_obj = expected;
  if (expected.is_string()) {
    try {
      exp_obj = json::parse(expected.get<std::string>());
    } catch (...) {
      return expected.get<std::string>() == *actual;
    }
  }
  if (!exp_obj.is_object()) return expected.is_string() && expected.get<std::string>() == *actual;
  json act_obj;
  try {
    act_obj = json::parse(*actual);
  } catch (...) {
    return false;
  }
  return act_obj.is_object() && act_obj.value("errorMessage", json()) == exp_obj.value("errorMessage", json()) &&
         act_obj.value("errorType", json()) == exp_obj.value("errorType", json());
}

struct Outcome {
  enum Kind { kPass, kFail, kSkip } kind;
  std::string message;
};

Outcome run_case(const std::string& file, const json& known, bool force) {
  json c;
  try {
    c = cosmicai::read_json_file(file);
  } catch (const std::exception& e) {
    return {Outcome::kFail, e.what()};
  }
  const std::string name = c.value("name", file);
  if (!force && known.contains(name)) return {Outcome::kSkip, "known failure: " + known[name].get<std::string>()};
  if (c.contains("skip")) return {Outcome::kSkip, "skip: " + c["skip"].get<std::string>()};

  std::vector<cosmicai::asl::ValidationError> errors;
  auto machine = cosmicai::asl::StateMachine::parse(c["definition"], errors);
  if (!machine) {
    std::string msg = "definition rejected:";
    for (const auto& e : errors) msg += "\n    " + e.to_string();
    return {Outcome::kFail, msg};
  }
  auto registry = std::make_shared<cosmicai::functions::Registry>();
  cosmicai::functions::add_stub_functions(*registry);
  cosmicai::engine::Engine engine(registry, {.workers = 4, .time_scale = 0.0});
  const auto result = engine.run(machine, c["input"], {});
  const json& expect = c["expect"];
  const std::string want_status = expect["status"].get<std::string>();
  if (result.status != want_status) {
    return {Outcome::kFail, "status " + result.status + ", expected " + want_status + "; got " +
                                cosmicai::dump_compact(result.to_json())};
  }
  if (want_status == "SUCCEEDED") {
    std::string where;
    if (!same(result.output, expect["output"], where)) {
      return {Outcome::kFail, "output differs at " + where + "\n    got:      " + cosmicai::dump_compact(result.output) +
                                  "\n    expected: " + cosmicai::dump_compact(expect["output"])};
    }
    return {Outcome::kPass, ""};
  }
  const json want_error = expect.value("error", json());
  const json got_error = result.error ? json(*result.error) : json();
  if (want_error != got_error) {
    return {Outcome::kFail, "error " + cosmicai::dump_compact(got_error) + ", expected " +
                                cosmicai::dump_compact(want_error) + " (cause: " + result.cause.value_or("null") + ")"};
  }
  if (!same_cause(expect.value("cause", json()), result.cause)) {
    return {Outcome::kPass, "note: cause differs (soft)\n    got:      " + result.cause.value_or("null") +
                                "\n    expected: " + cosmicai::dump_compact(expect.value("cause", json()))};
  }
  return {Outcome::kPass, ""};
}

}  // namespace

int main(int argc, char** argv) {
  bool force = false, summary = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--force") force = true;
    else if (a == "--summary") summary = true;
    else files.push_back(a);
  }
  if (files.empty()) {
    std::cerr << "usage: asl_runner [--force] [--summary] CASE.json...\n";
    return 2;
  }
  json known = json::object();
  try {
    known = cosmicai::read_json_file(COSMICAI_KNOWN_FAILURES);
  } catch (const std::exception& e) {
    std::cerr << "warning: " << e.what() << "\n";
  }
  int pass = 0, fail = 0, skip = 0;
  for (const auto& f : files) {
    const auto o = run_case(f, known, force);
    const char* tag = o.kind == Outcome::kPass ? "PASS" : o.kind == Outcome::kFail ? "FAIL" : "SKIP";
    (o.kind == Outcome::kPass ? pass : o.kind == Outcome::kFail ? fail : skip)++;
    if (summary) {
      std::cout << tag << " " << f << (o.kind == Outcome::kFail ? "\n    " + o.message : "") << "\n";
    } else {
      std::cout << tag << " " << f << (o.message.empty() ? "" : "\n    " + o.message) << "\n";
    }
  }
  if (files.size() > 1 || summary) {
    std::cout << pass << " passed, " << fail << " failed, " << skip << " skipped\n";
  }
  if (fail) return 1;
  if (pass == 0 && skip > 0) return kSkip;
  return 0;
}
