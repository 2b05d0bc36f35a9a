#include "asl/state_machine.hpp"

#include <deque>
#include <set>

namespace cosmicai::asl {

namespace {

void check_transitions(const StateMachine& m, ParseContext& ctx) {
  // Targets must exist; every state must be reachable from StartAt.
  auto target_ok = [&](const std::string& target, const std::string& where) {
    if (!m.find(target)) ctx.error(where, "refers to undefined state \"" + target + "\"");
  };
  std::map<std::string, std::vector<std::string>> edges;
  for (const auto& s : m.states()) {
    auto& out = edges[s->name];
    if (!s->next.empty()) {
      target_ok(s->next, s->pointer + "/Next");
      out.push_back(s->next);
    }
    for (std::size_t i = 0; i < s->catchers.size(); ++i) {
      target_ok(s->catchers[i].next(), s->pointer + "/Catch/" + std::to_string(i) + "/Next");
      out.push_back(s->catchers[i].next());
    }
    if (s->type == StateType::kChoice) {
      const auto& c = static_cast<const ChoiceState&>(*s);
      for (std::size_t i = 0; i < c.choices.size(); ++i) {
        target_ok(c.choices[i].next, s->pointer + "/Choices/" + std::to_string(i) + "/Next");
        out.push_back(c.choices[i].next);
      }
      if (!c.default_next.empty()) {
        target_ok(c.default_next, s->pointer + "/Default");
        out.push_back(c.default_next);
      }
    }
  }
  if (!m.find(m.start_at())) return;
  std::set<std::string> seen{m.start_at()};
  std::deque<std::string> todo{m.start_at()};
  while (!todo.empty()) {
    auto cur = todo.front();
    todo.pop_front();
    for (const auto& n : edges[cur]) {
      if (m.find(n) && seen.insert(n).second) todo.push_back(n);
    }
  }
  for (const auto& s : m.states()) {
    if (!seen.count(s->name)) ctx.error(s->pointer, "state \"" + s->name + "\" is not reachable from StartAt");
  }
  bool any_terminal = false;
  for (const auto& s : m.states()) any_terminal = any_terminal || s->is_terminal() || s->type == StateType::kChoice;
  if (!m.states().empty() && !any_terminal) {
    ctx.error(m.pointer().empty() ? "/" : m.pointer(), "has no terminal state (End, Succeed or Fail)");
  }
}

}  // namespace

std::shared_ptr<const StateMachine> StateMachine::parse_sub(const json& def, const std::string& pointer,
                                                            MachineKind kind, ParseContext& ctx) {
  const std::string where = pointer.empty() ? "/" : pointer;
  if (!def.is_object()) {
    ctx.error(where, "a state machine must be an object, got " + describe(def));
    return nullptr;
  }
  const auto before = ctx.error_count();
  auto m = std::make_shared<StateMachine>();
  m->pointer_ = pointer;
  switch (kind) {
    case MachineKind::kTopLevel:
      ctx.check_fields(def, pointer, {"Comment", "StartAt", "States", "Version", "TimeoutSeconds", "QueryLanguage"});
      break;
    case MachineKind::kBranch:
      ctx.check_fields(def, pointer, {"Comment", "StartAt", "States", "QueryLanguage"});
      break;
    case MachineKind::kItemProcessor:
      ctx.check_fields(def, pointer, {"Comment", "StartAt", "States", "ProcessorConfig", "QueryLanguage"});
      break;
  }
  if (auto it = def.find("QueryLanguage"); it != def.end()) {
    if (*it == "JSONata") {
      // The top level's QueryLanguage is every state's default, nested machines' included.
      if (kind == MachineKind::kTopLevel) ctx.machine_jsonata = true;
    } else if (*it != "JSONPath") {
      ctx.error(pointer + "/QueryLanguage", "must be \"JSONPath\" or \"JSONata\", got " + describe(*it));
    }
  }
  if (auto c = ctx.get_string(def, pointer, "Comment")) m->comment_ = *c;
  if (auto v = ctx.get_string(def, pointer, "Version")) {
    if (*v != "1.0") ctx.error(pointer + "/Version", "must be \"1.0\", got \"" + *v + "\"");
    m->version_ = *v;
  }
  m->timeout_seconds_ = ctx.get_int(def, pointer, "TimeoutSeconds", true, 99999999);
  if (auto s = ctx.get_string(def, pointer, "StartAt")) m->start_at_ = *s;
  else if (!def.contains("StartAt")) ctx.error(where, "missing required field 'StartAt'");
  auto states_it = def.find("States");
  if (states_it == def.end()) {
    ctx.error(where, "missing required field 'States'");
  } else if (!states_it->is_object() || states_it->empty()) {
    ctx.error(pointer + "/States", "must be a non-empty object of states, got " + describe(*states_it));
  } else {
    for (auto it = states_it->begin(); it != states_it->end(); ++it) {
      const std::string sp = pointer + "/States/" + pointer_escape(it.key());
      if (it.key().empty() || it.key().size() > 80) {
        ctx.error(sp, "state names must be 1 to 80 characters long");
      }
      auto state = parse_state(it.key(), it.value(), sp, ctx);
      if (!state) continue;
      m->by_name_[state->name] = state.get();
      m->states_.push_back(std::move(state));
    }
    if (!m->start_at_.empty() && !m->find(m->start_at_) && states_it->find(m->start_at_) == states_it->end()) {
      ctx.error(pointer + "/StartAt", "refers to undefined state \"" + m->start_at_ + "\"");
    }
    check_transitions(*m, ctx);
    for (auto& s : m->states_) {
      if (!s->next.empty()) s->next_state = m->find(s->next);
    }
    m->start_ = m->find(m->start_at_);
    m->for_each_state([&](const State& st) { m->uses_context_ = m->uses_context_ || st.uses_context; });
  }
  if (ctx.error_count() != before) return nullptr;
  return m;
}

std::shared_ptr<const StateMachine> StateMachine::parse(const json& definition,
                                                        std::vector<ValidationError>& errors) {
  ParseContext ctx(errors);
  return parse_sub(definition, "", MachineKind::kTopLevel, ctx);
}

const State* StateMachine::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::vector<ValidationError> validate_definition(const json& definition) {
  std::vector<ValidationError> errors;
  (void)StateMachine::parse(definition, errors);
  return errors;
}

std::vector<ValidationError> check_supported(const StateMachine& machine) {
  std::vector<ValidationError> out;
  machine.for_each_state([&](const State& s) {
    if (s.type == StateType::kTask) {
      const auto& t = static_cast<const TaskState&>(s);
      if (t.resource_kind == ResourceKind::kUnsupported) {
        out.push_back({s.pointer + "/Resource",
                       "resource \"" + t.resource +
                           "\" is not supported (supported: arn:aws:states:::lambda:invoke, Lambda function ARNs "
                           "and arn:aws:states:::aws-sdk:SERVICE:ACTION)"});
      }
    } else if (s.type == StateType::kMap) {
      const auto& m = static_cast<const MapState&>(s);
      if (m.item_reader && m.item_reader->input_type == ItemInputType::kParquet) {
        out.push_back({s.pointer + "/ItemReader/ReaderConfig/InputType", "InputType PARQUET is not supported"});
      }
    }
  });
  return out;
}

}  // namespace cosmicai::asl
