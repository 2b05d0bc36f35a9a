#include "service/mock_config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "asl/errors.hpp"

namespace cosmicai::service {

namespace {
[[noreturn]] void bad(const std::string& path, const std::string& pointer, const std::string& what) {
  throw std::runtime_error(fmt::format("mock config {}: {}: {}", path, pointer.empty() ? "/" : pointer, what));
}
}  // namespace

MockConfig MockConfig::parse(const std::string& text, const std::string& path) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::exception& e) {
    bad(path, "", std::string("not JSON: ") + e.what());
  }
  if (!doc.is_object()) bad(path, "", "must be an object with StateMachines and MockedResponses");
  MockConfig c;
  const json machines = doc.value("StateMachines", json::object());
  const json responses = doc.value("MockedResponses", json::object());
  if (!machines.is_object()) bad(path, "/StateMachines", "must be an object");
  if (!responses.is_object()) bad(path, "/MockedResponses", "must be an object");
  for (auto& [name, entries] : responses.items()) {
    const std::string ptr = "/MockedResponses/" + pointer_escape(name);
    if (!entries.is_object() || entries.empty()) bad(path, ptr, "must be a non-empty object of invocation numbers");
    std::vector<Entry> list;
    for (auto& [key, value] : entries.items()) {
      const std::string kptr = ptr + "/" + pointer_escape(key);
      Entry e;
      try {
        std::size_t used = 0;
        const auto dash = key.find('-');
        e.first = std::stoll(key.substr(0, dash), &used);
        if (used != (dash == std::string::npos ? key.size() : dash)) throw std::invalid_argument(key);
        e.last = e.first;
        if (dash != std::string::npos) {
          e.last = std::stoll(key.substr(dash + 1), &used);
          if (used != key.size() - dash - 1) throw std::invalid_argument(key);
        }
      } catch (const std::exception&) {
        bad(path, kptr, "the key must be an invocation number (\"0\") or a range (\"1-2\")");
      }
      if (e.first < 0 || e.last < e.first) bad(path, kptr, "the range must run upwards from a number >= 0");
      if (!value.is_object() || value.contains("Return") == value.contains("Throw") || value.size() != 1) {
        bad(path, kptr, "must hold exactly one of Return or Throw");
      }
      if (value.contains("Return")) {
        e.response.ok = true;
        e.response.result = value["Return"];
      } else {
        const json& t = value["Throw"];
        if (!t.is_object() || !t.contains("Error") || !t["Error"].is_string() || !t.contains("Cause") ||
            !t["Cause"].is_string()) {
          bad(path, kptr + "/Throw", "needs the strings Error and Cause");
        }
        e.response.ok = false;
        e.response.error = t["Error"].get<std::string>();
        e.response.cause = t["Cause"].get<std::string>();
      }
      list.push_back(std::move(e));
    }
    std::sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) { return a.first < b.first; });
    std::int64_t expect = 0;
    for (const auto& e : list) {
      if (e.first != expect) {
        bad(path, ptr,
            fmt::format("Inconsistent event numbering detected: invocation {} follows {}; mock responses "
                        "must be consecutively numbered from 0",
                        e.first, expect - 1));
      }
      expect = e.last + 1;
    }
    c.responses_[name] = std::move(list);
  }
  for (auto& [machine, spec] : machines.items()) {
    const std::string ptr = "/StateMachines/" + pointer_escape(machine);
    if (!spec.is_object() || !spec.contains("TestCases") || !spec["TestCases"].is_object()) {
      bad(path, ptr, "needs an object TestCases");
    }
    for (auto& [tc, states] : spec["TestCases"].items()) {
      const std::string tptr = ptr + "/TestCases/" + pointer_escape(tc);
      if (!states.is_object()) bad(path, tptr, "must map state names to mocked response names");
      auto& dst = c.cases_[machine][tc];
      for (auto& [state, resp] : states.items()) {
        if (!resp.is_string()) bad(path, tptr + "/" + pointer_escape(state), "must name a mocked response");
        if (!c.responses_.count(resp.get<std::string>())) {
          bad(path, tptr + "/" + pointer_escape(state), "no mocked response named '" + resp.get<std::string>() + "'");
        }
        dst[state] = resp.get<std::string>();
      }
    }
  }
  return c;
}

MockConfig MockConfig::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("mock config " + path + ": cannot be read");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), path);
}

bool MockConfig::has_case(const std::string& machine, const std::string& test_case) const {
  auto m = cases_.find(machine);
  return m != cases_.end() && m->second.count(test_case);
}

bool MockConfig::mocks_state(const std::string& machine, const std::string& test_case, const std::string& state) const {
  auto m = cases_.find(machine);
  if (m == cases_.end()) return false;
  auto t = m->second.find(test_case);
  return t != m->second.end() && t->second.count(state);
}

engine::MockedResponse MockConfig::response(const std::string& machine, const std::string& test_case,
                                            const std::string& state, std::int64_t invocation) const {
  const auto& name = cases_.at(machine).at(test_case).at(state);
  for (const auto& e : responses_.at(name)) {
    if (invocation >= e.first && invocation <= e.last) return e.response;
  }
  engine::MockedResponse r;
  r.ok = false;
  r.error = std::string(asl::errors::kRuntime);
  r.cause =
      fmt::format("No Local mocked response definition for state '{}' and invocation number '{}'", state, invocation);
  return r;
}

}  // namespace cosmicai::service
