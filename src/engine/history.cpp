#include "engine/history.hpp"

#include <algorithm>
#include <bit>
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

namespace {
/// A state event's details: {"name", "input"/"output", "inputDetails"/"outputDetails"}, and for a
/// StateExited with `assigned` an object, its variables.
json state_details(bool entered, const std::string& name, const std::string& io_text, const json& details) {
  json d = json::object();
  auto& o = d.get_ref<json::object_t&>();  // distinct keys: appended without a lookup
  o.reserve(entered || !details.is_object() ? 3 : 5);
  o.emplace_back("name", name);
  o.emplace_back(entered ? "input" : "output", io_text);
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
}  // namespace

json HistoryRecord::details_json(const std::string& io_text) const {
  if (kind == Kind::kPlain) return details;
  return state_details(kind == Kind::kEntered, *state_name, io_text, details);
}

json HistoryRecord::entered_details_json() const { return state_details(true, *entered_name, text, nullptr); }

const HistoryRecord* HistoryRecords::find(std::int64_t id) const {
  // Records are in id order, each holding its id and, for a pair, the next.
  std::size_t lo = 0, hi = size_;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const HistoryRecord& r = (*this)[mid];
    if (r.id + r.events() <= id) lo = mid + 1;
    else hi = mid;
  }
  if (lo == size_ || (*this)[lo].id > id) return nullptr;
  return &(*this)[lo];
}

std::pair<std::size_t, std::size_t> HistoryRecords::locate(std::size_t i) {
  const std::size_t k = static_cast<std::size_t>(std::bit_width(i / kFirst + 1)) - 1;
  return {k, i - kFirst * ((std::size_t{1} << k) - 1)};
}

HistoryRecord& HistoryRecords::append() {
  if (chunks_.empty() || chunks_.back().size() == (kFirst << (chunks_.size() - 1))) {
    const std::size_t capacity = kFirst << chunks_.size();  // chunk k holds kFirst << k records
    chunks_.emplace_back().reserve(capacity);
  }
  ++size_;
  ++events_;
  return chunks_.back().emplace_back();
}

template <class Fill>
std::int64_t History::push(Fill&& fill) {
  std::lock_guard lock(mu_);
  // Enabled, ids are only handed out here, under the lock.
  const auto id = next_id_.load(std::memory_order_relaxed);
  next_id_.store(id + 1, std::memory_order_relaxed);
  // After release() the events are no longer kept (the execution has ended; nobody reads them).
  HistoryRecord& r = released_ ? (scratch_[0] = HistoryRecord()) : events_.append();
  r.id = id;
  fill(r);
  // (add_state shares no text when there is a listener.)
  if (listener_) listener_(HistoryEvent{r.id, r.previous_id, r.timestamp, std::string(r.type), r.details_json(r.text)});
  return id;
}

std::int64_t History::add(std::string_view type, std::int64_t previous_id, json details) {
  if (!enabled_) return next_id_.fetch_add(1);
  const auto ts = clock_.now();
  return push([&](HistoryRecord& r) {
    r.previous_id = previous_id;
    r.timestamp = ts;
    r.type = type;
    r.details = std::move(details);
  });
}

std::int64_t History::add_state(std::string_view type, std::int64_t previous_id, bool entered,
                                const std::string& state_name, const json& value, json assigned,
                                std::int64_t same_text_as, std::optional<Clock::time_point> timestamp) {
  if (!enabled_) return next_id_.fetch_add(1);
  const auto ts = timestamp ? *timestamp : clock_.now();
  const bool share = same_text_as > 0 && !listener_;
  std::string text = share ? std::string() : dump_compact(value);
  return push([&](HistoryRecord& r) {
    r.previous_id = previous_id;
    r.timestamp = ts;
    r.type = type;
    r.kind = entered ? HistoryRecord::Kind::kEntered : HistoryRecord::Kind::kExited;
    r.state_name = &state_name;
    if (share) r.text_of = same_text_as;
    else r.text = std::move(text);
    if (!entered) r.details = std::move(assigned);
  });
}

void History::prepare_exit(PendingExit& exit, std::string_view type, std::int64_t previous_id,
                           const std::string& state_name, const json& output, json assigned) const {
  exit.type = type;
  exit.state_name = &state_name;
  exit.previous_id = previous_id;
  if (!enabled_) return;
  exit.timestamp = clock_.now();
  exit.text = dump_compact(output);
  if (!assigned.is_null() || !exit.assigned.is_null()) exit.assigned = std::move(assigned);
}

namespace {
void fill_exit(HistoryRecord& r, PendingExit&& exit) {
  r.previous_id = exit.previous_id;
  r.timestamp = exit.timestamp;
  r.type = exit.type;
  r.kind = HistoryRecord::Kind::kExited;
  r.state_name = exit.state_name;
  r.text = std::move(exit.text);
  if (!exit.assigned.is_null()) r.details = std::move(exit.assigned);
}
}  // namespace

std::int64_t History::add_exit(PendingExit&& exit) {
  if (!enabled_) return next_id_.fetch_add(1);
  return push([&](HistoryRecord& r) { fill_exit(r, std::move(exit)); });
}

std::pair<std::int64_t, std::int64_t> History::add_exit_and_enter(PendingExit&& exit, std::string_view entered_type,
                                                                  const std::string& entered_name) {
  if (!enabled_) {
    const auto id = next_id_.fetch_add(2);
    return {id, id + 1};
  }
  std::lock_guard lock(mu_);
  const auto id = next_id_.load(std::memory_order_relaxed);
  next_id_.store(id + 2, std::memory_order_relaxed);
  // One record for both events (see push for after release()).
  HistoryRecord& x = released_ ? (scratch_[0] = HistoryRecord()) : events_.append();
  if (!released_) events_.count_events(1);
  x.id = id;
  fill_exit(x, std::move(exit));
  x.kind = HistoryRecord::Kind::kExitedEntered;
  x.entered_type = entered_type;
  x.entered_name = &entered_name;
  if (listener_) {
    listener_(HistoryEvent{id, x.previous_id, x.timestamp, std::string(x.type), x.details_json(x.text)});
    listener_(HistoryEvent{id + 1, id, x.timestamp, std::string(entered_type), x.entered_details_json()});
  }
  return {id, id + 1};
}

std::shared_ptr<const HistoryLog> History::release() {
  HistoryRecords events;
  {
    std::lock_guard lock(mu_);
    events = std::move(events_);
    events_ = HistoryRecords();
    released_ = true;
  }
  return std::make_shared<const HistoryLog>(std::move(events), keep_alive_);
}

const std::string& HistoryLog::io_text(const HistoryRecord& record) const {
  if (record.text_of == 0) return record.text;
  // The record holding that event (a pair record holds two ids: found by binary search).
  if (const HistoryRecord* shared = events_.find(record.text_of)) return shared->text;
  static const std::string none;
  return none;  // unreachable: the log holds every id from 1, and an event shares only an earlier one's text
}

json HistoryLog::to_json() const {
  json events = json::array();
  auto& list = events.get_ref<json::array_t&>();
  list.reserve(events_.event_count());
  const auto add = [&](const std::string& timestamp, std::string_view type, std::int64_t id, std::int64_t previous_id,
                       json details) {
    json j = json::object();
    auto& o = j.get_ref<json::object_t&>();  // keys are distinct: appended without a lookup
    o.reserve(5);
    o.emplace_back("timestamp", timestamp);
    o.emplace_back("type", std::string(type));
    o.emplace_back("id", id);
    o.emplace_back("previousEventId", previous_id);
    if (!details.is_null()) o.emplace_back(details_key(type), std::move(details));
    list.push_back(std::move(j));
  };
  events_.for_each([&](const HistoryRecord& e) {
    const std::string timestamp = format_iso8601(e.timestamp);
    add(timestamp, e.type, e.id, e.previous_id, e.details_json(io_text(e)));
    if (e.kind == HistoryRecord::Kind::kExitedEntered) {
      add(timestamp, e.entered_type, e.id + 1, e.id, e.entered_details_json());
    }
  });
  json out = json::object();
  out.get_ref<json::object_t&>().emplace_back("events", std::move(events));
  return out;
}

}  // namespace cosmicai::engine
