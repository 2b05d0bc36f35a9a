// Data-driven runner for the jsonata-js conformance suite (tests/conformance/jsonata/<group>.json).
// Usage: jsonata_runner [--known-failures FILE] [--list] GROUP.json...
// Prints one line per case (PASS, KNOWN, FAIL, UNEXPECTED-PASS) and a summary; exits 1 when a case
// fails that is not in the known-failures list, or a listed case passes (the list only shrinks).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "asl/jsonata/jsonata.hpp"
#include "common/json.hpp"

using cosmicai::json;
namespace jsn = cosmicai::jsonata;

namespace {

bool equal_json(const json& a, const json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!equal_json(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto& [k, v] : a.items()) {
      auto it = b.find(k);
      if (it == b.end() || !equal_json(v, *it)) return false;
    }
    return true;
  }
  return a == b;
}

// "" when the case passes, else why not.
std::string run_case(const json& c) {
  const json& expect = c.at("expect");
  std::optional<json> input;
  if (c.contains("data")) input = c["data"];
  jsn::Bindings bindings;
  if (c.contains("bindings"))
    for (auto& [k, v] : c["bindings"].items()) bindings.value(k, v);
  jsn::Limits limits;
  if (c.contains("timelimit")) limits.max_time = std::chrono::milliseconds(c["timelimit"].get<long>());
  if (c.contains("depth")) limits.max_depth = c["depth"].get<std::size_t>() * 4 / 3;
  try {
    auto expr = jsn::Expression::compile(c.at("expr").get<std::string>());
    auto result = expr.evaluate(input, bindings, limits);
    if (expect.contains("error"))
      return "expected error " + expect["error"].get<std::string>() + ", got " +
             (result ? result->dump() : "undefined");
    if (expect.contains("undefined")) return result ? "expected undefined, got " + result->dump() : "";
    if (!result) return "expected " + expect["result"].dump() + ", got undefined";
    if (!equal_json(*result, expect["result"]))
      return "expected " + expect["result"].dump() + ", got " + result->dump();
    return "";
  } catch (const jsn::Error& e) {
    if (expect.contains("error")) {
      if (e.code() != expect["error"].get<std::string>())
        return "expected error " + expect["error"].get<std::string>() + ", got " + e.what();
      if (expect.contains("token") && e.token() != expect["token"].get<std::string>())
        return "expected token " + expect["token"].get<std::string>() + ", got '" + e.token() + "'";
      return "";
    }
    return std::string("unexpected error ") + e.what();
  } catch (const std::exception& e) {
    return std::string("unexpected exception ") + e.what();
  }
}

// JSON forbids a lone UTF-16 surrogate escape, which two cases use inside a JSONata string literal
// to test D3140: keep those as JSONata escapes (\\ud800 in JSON) so the expression still holds one.
cosmicai::json read_cases(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string t = ss.str();
  std::string out;
  for (std::size_t i = 0; i < t.size(); ++i) {
    auto is_hi = [&](std::size_t at) {
      return at + 6 <= t.size() && t[at] == '\\' && t[at + 1] == 'u' && (t[at + 2] == 'd' || t[at + 2] == 'D') &&
             std::strchr("89abAB", t[at + 3]);
    };
    auto is_lo = [&](std::size_t at) {
      return at + 6 <= t.size() && t[at] == '\\' && t[at + 1] == 'u' && (t[at + 2] == 'd' || t[at + 2] == 'D') &&
             std::strchr("cdefCDEF", t[at + 3]);
    };
    bool escaped = i > 0 && t[i - 1] == '\\' && !(i > 1 && t[i - 2] == '\\');
    if (!escaped && is_hi(i) && !is_lo(i + 6)) out += '\\';
    out += t[i];
  }
  return cosmicai::parse_json_text(out, path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string known_path;
#ifdef COSMICAI_JSONATA_KNOWN_FAILURES
  known_path = COSMICAI_JSONATA_KNOWN_FAILURES;
#endif
  bool list = false;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--known-failures" && i + 1 < argc)
      known_path = argv[++i];
    else if (a == "--list")
      list = true;
    else
      files.push_back(a);
  }
  json known = json::object();
  if (!known_path.empty()) known = cosmicai::read_json_file(known_path);
  int pass = 0, fail = 0, known_fail = 0, unexpected = 0, total = 0, total_v206 = 0, pass_v206 = 0;
  for (auto& f : files) {
    json cases = read_cases(f);
    if (!cases.is_array()) {
      std::cerr << f << ": not a group file (expected a JSON array of cases)\n";
      return 2;
    }
    for (auto& c : cases) {
      std::string name = c.at("name").get<std::string>();
      bool v206 = !c.contains("since");
      ++total;
      if (v206) ++total_v206;
      std::string why = run_case(c);
      bool listed = known.contains(name);
      if (why.empty()) {
        if (v206) ++pass_v206;
        if (listed) {
          ++unexpected;
          std::cout << "UNEXPECTED-PASS " << name << "  (remove it from the known-failures list)\n";
        } else {
          ++pass;
          if (!list) std::cout << "PASS " << name << "\n";
        }
      } else if (listed) {
        ++known_fail;
        if (!list) std::cout << "KNOWN " << name << "  (" << known[name].get<std::string>() << ")\n";
      } else {
        ++fail;
        std::cout << "FAIL " << name << "\n    " << why << "\n";
      }
    }
  }
  std::printf(
      "summary: %d cases, %d pass, %d known failures, %d new failures, %d unexpected passes; "
      "JSONata 2.0.6 cases (no 'since'): %d of %d pass\n",
      total, pass + unexpected, known_fail, fail, unexpected, pass_v206, total_v206);
  return (fail || unexpected) ? 1 : 0;
}
