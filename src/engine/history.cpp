#include "engine/history.hpp"

#include <algorithm>
#include <cctype>

namespace cosmicai::engine {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// {"truncated": false}
json not_truncated() {
  json t = json::object();
  t.get_ref<json::object_t&>().emplace_back("truncated", false);
  return t;
}
}  // namespace

std::string details_key(std::string_view type) {
  if (ends_with(type, "StateEntered")) return "stateEnteredEventDetails";
  if (ends_with(type, "StateExited")) return "stateExitedEventDetails";
  std::string key(type);
  if (!key.empty()) key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
  return key + "EventDetails";
}

json HistoryRecord::details_json() const {
  if (kind == Kind::kPlain) return details;
  const bool entered = kind == Kind::kEntered;
  json d = json::object();
  auto& o = d.get_ref<json::object_t&>();  // distinct keys: appended without a lookup
  o.reserve(entered || !details.is_object() ? 3 : 5);
  o.emplace_back("name", *state_name);
  o.emplace_back(entered ? "input" : "output", text);
  o.emplace_back(entered ? "inputDetails" : "outputDetails", not_truncated());
  if (!entered && details.is_object()) {
    // AWS records each assigned variable's value as JSON text.
    json assigned = json::object();
    for (auto it = details.begin(); it != details.end(); ++it) assigned[it.key()] = dump_compact(it.value());
    o.emplace_back("assignedVariables", std::move(assigned));
    o.emplace_back("assignedVariablesDetails", not_truncated());
  }
  return d;
}

std::int64_t History::push(HistoryRecord&& record) {
  std::lock_guard lock(mu_);
  record.id = next_id_.fetch_add(1);
  events_.push_back(std::move(record));
  const auto& e = events_.back();
  if (listener_) listener_(HistoryEvent{e.id, e.previous_id, e.timestamp, std::string(e.type), e.details_json()});
  return e.id;
}

std::int64_t History::add(std::string_view type, std::int64_t previous_id, json details) {
  if (!enabled_) return next_id_.fetch_add(1);
  HistoryRecord r;
  r.previous_id = previous_id;
  r.timestamp = clock_.now();
  r.type = type;
  r.details = std::move(details);
  return push(std::move(r));
}

std::int64_t History::add_state(std::string_view type, std::int64_t previous_id, bool entered,
                                const std::string& state_name, const json& value, json assigned) {
  if (!enabled_) return next_id_.fetch_add(1);
  HistoryRecord r;
  r.previous_id = previous_id;
  r.timestamp = clock_.now();
  r.type = type;
  r.kind = entered ? HistoryRecord::Kind::kEntered : HistoryRecord::Kind::kExited;
  r.state_name = &state_name;
  r.text = dump_compact(value);
  if (!entered) r.details = std::move(assigned);
  return push(std::move(r));
}

std::shared_ptr<const HistoryLog> History::release() {
  std::vector<HistoryRecord> events;
  {
    std::lock_guard lock(mu_);
    events = std::move(events_);
    events_.clear();
  }
  // Recorded under the lock in id order; sorted anyway so the log's order never depends on that.
  if (!std::is_sorted(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.id < b.id; })) {
    std::sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  }
  return std::make_shared<const HistoryLog>(std::move(events), keep_alive_);
}

json HistoryLog::to_json() const {
  json events = json::array();
  auto& list = events.get_ref<json::array_t&>();
  list.reserve(events_.size());
  for (const auto& e : events_) {
    json j = json::object();
    auto& o = j.get_ref<json::object_t&>();  // keys are distinct: appended without a lookup
    o.reserve(5);
    o.emplace_back("timestamp", format_iso8601(e.timestamp));
    o.emplace_back("type", std::string(e.type));
    o.emplace_back("id", e.id);
    o.emplace_back("previousEventId", e.previous_id);
    if (e.kind != HistoryRecord::Kind::kPlain || !e.details.is_null()) {
      o.emplace_back(details_key(e.type), e.details_json());
    }
    list.push_back(std::move(j));
  }
  json out = json::object();
  out.get_ref<json::object_t&>().emplace_back("events", std::move(events));
  return out;
}

}  // namespace cosmicai::engine
