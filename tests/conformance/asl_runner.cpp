// Data-driven ASL conformance runner: runs recorded AWS executions (asl/<area>/<name>.json)
// and compares the result as asl/README.md says. Usage:
//   asl_runner CASE.json...        exit 0 all pass, 1 any fails, 77 (skip) when every case is a known failure
//   asl_runner --summary CASE...   one line per case (details of failures and listed cause
//                                  differences only) and a count at the end
//   --known-failures FILE, --cause-differences FILE: other lists (the runner's own tests)
// Known failures (asl/known_failures.json) run too: one that passes fails the run, so the list
// can only shrink. A cause that differs from AWS's fails the case unless asl/cause_differences.json
// lists it with the reason; a listed case whose cause matches fails too.
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
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

// ---- Causes: AWS's text exactly, with the recordings' placeholders matched as patterns ----

/// What a placeholder in a recorded cause stands for (asl/README.md, "Placeholders in causes").
struct Placeholder {
  const char* name;     ///< as written between < and >, before any ":N"
  const char* pattern;  ///< ECMAScript regex for the text it masks
  bool json_text;       ///< the masked text must also parse as JSON
};

constexpr Placeholder kPlaceholders[] = {
    {"json-input", "[\\s\\S]+?", true},
    {"uuid", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", false},
    {"request_id", "[0-9A-Za-z-]+", false},
    {"partition", "aws(?:-cn|-us-gov)?", false},
    {"region", "[a-z]{2}(?:-[a-z]+)+-[0-9]", false},
    {"account", "[0-9]{12}", false},
    {"lambda_function_name", "[A-Za-z0-9_-]{1,64}", false},
    {"arn", "arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:[A-Za-z0-9_:/.$-]+", false},
};
constexpr const char* kArnPartPattern = "[A-Za-z0-9_.-]+";  // <ArnPart_Nidx>: one ':'-separated part of an ARN

/// Return the pattern for placeholder `name` (without ":N"), or nullptr when it is not one.
const Placeholder* find_placeholder(const std::string& name) {
  static const Placeholder arn_part{"ArnPart", kArnPartPattern, false};
  for (const auto& p : kPlaceholders) {
    if (name == p.name) return &p;
  }
  static const std::regex arn_part_name("ArnPart_[0-9]+idx");
  if (std::regex_match(name, arn_part_name)) return &arn_part;
  return nullptr;
}

std::string regex_escape(const std::string& s) {
  static const std::string special = R"(\^$.|?*+()[]{}/-)";
  std::string out;
  for (char ch : s) {
    if (special.find(ch) != std::string::npos) out += '\\';
    out += ch;
  }
  return out;
}

/// Does `actual` read as `expected`, the recorded text with its placeholders? The same placeholder
/// with the same number (<json-input:1> twice) must mask the same text both times.
bool text_matches(const std::string& expected, const std::string& actual) {
  static const std::regex token("<([A-Za-z_][A-Za-z0-9_-]*)(?::([0-9]+))?>");
  std::string pattern;
  std::map<std::string, int> groups;  // "name:N" → capture group
  std::vector<int> json_groups;
  int group = 0;
  bool any = false;
  std::size_t pos = 0;
  for (auto it = std::sregex_iterator(expected.begin(), expected.end(), token); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    const Placeholder* p = find_placeholder(m[1].str());
    if (!p) continue;  // text in angle brackets that is not a placeholder stays literal
    any = true;
    pattern += regex_escape(expected.substr(pos, static_cast<std::size_t>(m.position(0)) - pos));
    pos = static_cast<std::size_t>(m.position(0) + m.length(0));
    const std::string key = m[0].str();
    if (m[2].matched && groups.count(key)) {
      pattern += "\\" + std::to_string(groups[key]);
      continue;
    }
    pattern += "(" + std::string(p->pattern) + ")";
    ++group;
    if (m[2].matched) groups[key] = group;
    if (p->json_text) json_groups.push_back(group);
  }
  if (!any) return expected == actual;
  pattern += regex_escape(expected.substr(pos));
  std::smatch m;
  if (!std::regex_match(actual, m, std::regex(pattern))) return false;
  for (int g : json_groups) {
    if (!json::accept(m[g].str())) return false;
  }
  return true;
}

/// The recorded cause with the case's masked literals (`cause_masks`: literal → placeholder) replaced.
std::string unmask(std::string text, const json& masks) {
  for (auto it = masks.begin(); it != masks.end(); ++it) {
    const std::string& literal = it.key();
    const std::string placeholder = it.value().get<std::string>();
    for (std::size_t at = text.find(literal); at != std::string::npos;
         at = text.find(literal, at + placeholder.size())) {
      text.replace(at, literal.size(), placeholder);
    }
  }
  return text;
}

/// Strict cause comparison (asl/README.md, "Comparing a result").
bool same_cause(const json& expected, const std::optional<std::string>& actual, const json& masks) {
  if (expected.is_null()) return !actual;
  if (!actual) return false;
  json exp_obj = expected;
  if (expected.is_string()) {
    const std::string text = expected.get<std::string>();
    exp_obj = json::parse(text, nullptr, false);
    if (exp_obj.is_discarded() || !exp_obj.is_object()) return text_matches(unmask(text, masks), *actual);
  }
  if (!exp_obj.is_object()) return false;
  // A function's error object: errorMessage and errorType (requestId and stackTrace are the recorded
  // function's own and are not compared).
  const json act_obj = json::parse(*actual, nullptr, false);
  if (act_obj.is_discarded() || !act_obj.is_object()) return false;
  for (const char* key : {"errorMessage", "errorType"}) {
    const json want = exp_obj.value(key, json());
    const json got = act_obj.value(key, json());
    if (want.is_string() && got.is_string()) {
      if (!text_matches(unmask(want.get<std::string>(), masks), got.get<std::string>())) return false;
    } else if (want != got) {
      return false;
    }
  }
  return true;
}

struct Outcome {
  enum Kind { kPass, kFail, kKnown } kind;
  std::string message;
  bool listed_cause = false;  ///< passed with a cause difference listed in cause_differences.json
};

/// The engine's result against the recording: "" when it matches, else what differs. A cause
/// difference is reported in `cause_note` (and is a failure unless the case is listed).
std::string compare(const json& c, const cosmicai::engine::ExecutionResult& result, std::string& cause_note) {
  const json& expect = c["expect"];
  const std::string want_status = expect["status"].get<std::string>();
  if (result.status != want_status) {
    return "status " + result.status + ", expected " + want_status + "; got " +
           cosmicai::dump_compact(result.to_json());
  }
  if (want_status == "SUCCEEDED") {
    std::string where;
    if (!same(result.output, expect["output"], where)) {
      return "output differs at " + where + "\n    got:      " + cosmicai::dump_compact(result.output) +
             "\n    expected: " + cosmicai::dump_compact(expect["output"]);
    }
    return "";
  }
  const json want_error = expect.value("error", json());
  const json got_error = result.error ? json(*result.error) : json();
  if (want_error != got_error) {
    return "error " + cosmicai::dump_compact(got_error) + ", expected " + cosmicai::dump_compact(want_error) +
           " (cause: " + result.cause.value_or("null") + ")";
  }
  if (!same_cause(expect.value("cause", json()), result.cause, c.value("cause_masks", json::object()))) {
    cause_note = "cause differs\n    got:      " + result.cause.value_or("null") +
                 "\n    expected: " + cosmicai::dump_compact(expect.value("cause", json()));
  }
  return "";
}

/// The features a rejected definition needs, from the engine's validation messages.
std::set<std::string> unsupported_features(const std::vector<cosmicai::asl::ValidationError>& errors) {
  std::set<std::string> features;
  for (const auto& e : errors) {
    if (e.message.find("JSONata") != std::string::npos) features.insert("JSONata");
    if (e.message.find("(Assign)") != std::string::npos) features.insert("Assign");
  }
  return features;
}

Outcome run_case(const std::string& file, const json& known, const json& cause_listed) {
  json c;
  try {
    c = cosmicai::read_json_file(file);
  } catch (const std::exception& e) {
    return {Outcome::kFail, e.what()};
  }
  const std::string name = c.value("name", file);
  const bool is_known = known.contains(name);
  const std::string reason = is_known ? known[name].get<std::string>() : "";

  std::vector<cosmicai::asl::ValidationError> errors;
  auto machine = cosmicai::asl::StateMachine::parse(c["definition"], errors);
  std::string problem, cause_note;
  if (!machine) {
    problem = "definition rejected:";
    for (const auto& e : errors) problem += "\n    " + e.to_string();
    if (is_known) {
      // The listed reason must name exactly the unsupported features the engine rejects.
      const auto features = unsupported_features(errors);
      for (const char* f : {"JSONata", "Assign"}) {
        const bool needed = features.count(f) > 0;
        const bool named = reason.find(f) != std::string::npos;
        if (needed != named) {
          return {Outcome::kFail, std::string("known_failures.json gives the wrong reason: '") + reason + "' " +
                                      (needed ? "does not name " : "names ") + f +
                                      (needed ? ", which " : ", which no ") + "validation error rejects; " + problem};
        }
      }
    }
  } else {
    auto registry = std::make_shared<cosmicai::functions::Registry>();
    cosmicai::functions::add_stub_functions(*registry);
    cosmicai::engine::Engine engine(registry, {.workers = 4, .time_scale = 0.0});
    const auto result = engine.run(machine, c["input"], {});
    problem = compare(c, result, cause_note);
  }

  const bool listed = cause_listed.contains(name);
  if (is_known) {
    if (problem.empty() && cause_note.empty()) {
      return {Outcome::kFail,
              "unexpected pass: remove '" + name + "' from known_failures.json (listed: " + reason + ")"};
    }
    return {Outcome::kKnown, "known failure: " + reason + "\n    " + (problem.empty() ? cause_note : problem)};
  }
  if (!problem.empty()) return {Outcome::kFail, problem};
  if (listed && cause_note.empty()) {
    return {Outcome::kFail, "the cause now matches AWS's: remove '" + name + "' from cause_differences.json"};
  }
  if (listed) {
    return {Outcome::kPass, "listed cause difference: " + cause_listed[name].get<std::string>() + "\n    " + cause_note,
            true};
  }
  if (!cause_note.empty()) return {Outcome::kFail, cause_note};
  return {Outcome::kPass, ""};
}

json read_list(const char* path) {
  try {
    return cosmicai::read_json_file(path);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    std::exit(2);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool summary = false;
  std::string known_file = COSMICAI_KNOWN_FAILURES, causes_file = COSMICAI_CAUSE_DIFFERENCES;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--summary")
      summary = true;
    else if (a == "--known-failures" && i + 1 < argc)
      known_file = argv[++i];
    else if (a == "--cause-differences" && i + 1 < argc)
      causes_file = argv[++i];
    else files.push_back(a);
  }
  if (files.empty()) {
    std::cerr << "usage: asl_runner [--summary] [--known-failures FILE] [--cause-differences FILE] CASE.json...\n";
    return 2;
  }
  const json known = read_list(known_file.c_str());
  const json cause_listed = read_list(causes_file.c_str());
  int pass = 0, listed = 0, fail = 0, known_count = 0;
  for (const auto& f : files) {
    const auto o = run_case(f, known, cause_listed);
    const char* tag = o.kind == Outcome::kPass ? "PASS" : o.kind == Outcome::kFail ? "FAIL" : "KNOWN";
    (o.kind == Outcome::kPass ? pass : o.kind == Outcome::kFail ? fail : known_count)++;
    if (o.listed_cause) ++listed;
    const bool show = !summary || o.kind == Outcome::kFail || o.listed_cause;
    std::cout << tag << " " << f << (show && !o.message.empty() ? "\n    " + o.message : "") << "\n";
  }
  if (files.size() > 1 || summary) {
    std::cout << pass << " passed (" << listed << " with a listed cause difference), " << fail << " failed, "
              << known_count << " known failures\n";
  }
  if (fail) return 1;
  if (pass == 0 && known_count > 0) return kSkip;
  return 0;
}
