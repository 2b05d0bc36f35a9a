#include "engine/history.hpp"

#include <algorithm>
#include <cctype>
#include <type_traits>

namespace cosmicai::engine {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

std::string details_key(std::string_view type) {
  if (ends_with(type, "StateEntered")) return "stateEnteredEventDetails";
  if (ends_with(type, "StateExited")) return "stateExitedEventDetails";
  std::string key(type);
  if (!key.empty()) key[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(key[0])));
  return key + "EventDetails";
}

std::int64_t History::add(std::string_view type, std::int64_t previous_id, json details) {
  if (!enabled_) return next_id_.fetch_add(1);
  const auto ts = clock_.now();
  std::lock_guard lock(mu_);
  const auto id = next_id_.fetch_add(1);
  events_.push_back(Event{id, previous_id, ts, type, std::move(details)});
  if (listener_) listener_(HistoryEvent{id, previous_id, ts, std::string(type), events_.back().details});
  return id;
}

namespace {

/// {"events": [...]} from events sorted by id; `move` takes each event's details.
template <class EventPtr>
json events_json(std::vector<EventPtr>& sorted, bool move) {
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->id < b->id; });
  json events = json::array();
  events.get_ref<json::array_t&>().reserve(sorted.size());
  for (auto* e : sorted) {
    json j = json::object();
    auto& o = j.get_ref<json::object_t&>();  // keys are distinct: appended without a lookup
    o.reserve(5);
    o.emplace_back("timestamp", format_iso8601(e->timestamp));
    o.emplace_back("type", std::string(e->type));
    o.emplace_back("id", e->id);
    o.emplace_back("previousEventId", e->previous_id);
    if (!e->details.is_null()) {
      if constexpr (std::is_const_v<std::remove_pointer_t<EventPtr>>) o.emplace_back(details_key(e->type), e->details);
      else o.emplace_back(details_key(e->type), move ? std::move(e->details) : json(e->details));
    }
    events.push_back(std::move(j));
  }
  return json{{"events", std::move(events)}};
}

}  // namespace

json History::to_json() const {
  std::vector<const Event*> sorted;
  {
    std::lock_guard lock(mu_);
    sorted.reserve(events_.size());
    for (const auto& e : events_) sorted.push_back(&e);
  }
  return events_json(sorted, false);
}

json History::release_json() {
  std::vector<Event*> sorted;
  std::lock_guard lock(mu_);
  sorted.reserve(events_.size());
  for (auto& e : events_) sorted.push_back(&e);
  return events_json(sorted, true);
}

}  // namespace cosmicai::engine
