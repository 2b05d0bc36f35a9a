#include "asl/path/scope.hpp"

#include <stdexcept>
#include <type_traits>

namespace cosmicai::asl {

// === ContextRef ===

ContextRef& ContextRef::set(std::string_view name, const json& value) {
  if (whole_) {
    // Its members become parts (borrowed from it, keys included), then `name` is set among them.
    const json* whole = whole_;
    whole_ = nullptr;
    count_ = 0;
    if (whole->is_object()) {
      for (const auto& [k, v] : whole->items()) set(k, v);
    }
  }
  for (std::size_t i = 0; i < count_; ++i) {
    if (parts_[i].name() == name) {
      parts_[i].value = &value;
      return *this;
    }
  }
  if (count_ == parts_.size()) {
    throw std::length_error("a context object view holds at most " + std::to_string(parts_.size()) +
                            " members; cannot add '" + std::string(name) + "'");
  }
  parts_[count_++] = Part{name.data(), name.size(), &value};
  return *this;
}

const json* ContextRef::find(std::string_view name) const {
  if (whole_) {
    if (!whole_->is_object()) return nullptr;
    const auto it = whole_->find(name);
    return it == whole_->end() ? nullptr : &*it;
  }
  for (std::size_t i = 0; i < count_; ++i) {
    if (parts_[i].name() == name) return parts_[i].value;
  }
  return nullptr;
}

json ContextRef::to_json() const {
  if (whole_) return *whole_;
  if (count_ == 0) return nullptr;
  json out = json::object();
  for (std::size_t i = 0; i < count_; ++i) out[std::string(parts_[i].name())] = *parts_[i].value;
  return out;
}

// === Variables ===

namespace {

/// Layers a snapshot may stack before an Assign flattens them into one (a lookup walks them all).
constexpr std::size_t kMaxDepth = 8;

/// The size of `"name":` in compact JSON.
std::size_t key_size(const std::string& name) { return compact_size(json(name)) + 1; }

}  // namespace

const Vars& no_vars() {
  static const Vars empty = std::make_shared<const Variables>();
  return empty;
}

Vars assign_vars(const Vars& vars, const json& assigned) { return Variables::assign(vars, assigned); }

Vars Variables::from_json(const json& object) { return assign(nullptr, object); }

const Variables::Entry* Variables::lookup(std::string_view name) const {
  for (const Variables* layer = this; layer; layer = layer->below_.get()) {
    const auto it = layer->own_.find(name);
    if (it != layer->own_.end()) return &it->second;
  }
  return nullptr;
}

const json* Variables::find(std::string_view name) const {
  const Entry* e = lookup(name);
  return e ? e->value.get() : nullptr;
}

Vars Variables::assign(const Vars& base, const json& assigned, std::vector<std::size_t>* value_sizes) {
  return assign_from(base, assigned, value_sizes);
}

Vars Variables::assign(const Vars& base, json&& assigned, std::vector<std::size_t>* value_sizes) {
  return assign_from(base, assigned, value_sizes);
}

template <class Assigned>
Vars Variables::assign_from(const Vars& base, Assigned&& assigned, std::vector<std::size_t>* value_sizes) {
  constexpr bool kMove = !std::is_const_v<std::remove_reference_t<Assigned>>;
  if (!assigned.is_object() || assigned.empty()) return base ? base : no_vars();
  auto out = std::make_shared<Variables>();
  const Variables* below = base && !base->empty() ? base.get() : nullptr;
  if (below) {
    out->count_ = below->count_;
    out->member_bytes_ = below->member_bytes_;
  }
  for (auto& [name, value] : assigned.template get_ref<std::conditional_t<kMove, json::object_t&, const json::object_t&>>()) {
    const std::size_t size = compact_size(value);
    if (value_sizes) value_sizes->push_back(size);
    Entry entry{kMove ? std::make_shared<const json>(std::move(value)) : std::make_shared<const json>(value),
                key_size(name) + size + 1};
    // The value it replaces (one in scope below; `assigned` names each variable once).
    if (const Entry* old = below ? below->lookup(name) : nullptr) {
      out->member_bytes_ -= old->member_bytes;
    } else {
      ++out->count_;
    }
    out->member_bytes_ += entry.member_bytes;
    out->own_.emplace(name, std::move(entry));
  }
  if (below && below->depth_ < kMaxDepth) {
    out->below_ = base;
    out->depth_ = below->depth_ + 1;
  } else if (below) {
    // Flattened: the values in scope below, newest first, each name once (pointers, not values).
    for (const Variables* layer = below; layer; layer = layer->below_.get()) {
      for (const auto& [name, entry] : layer->own_) out->own_.emplace(name, entry);
    }
  }
  return out;
}

json Variables::to_json() const {
  std::map<std::string_view, const json*> all;
  for (const Variables* layer = this; layer; layer = layer->below_.get()) {
    for (const auto& [name, entry] : layer->own_) all.emplace(name, entry.value.get());
  }
  json out = json::object();
  for (const auto& [name, value] : all) out[std::string(name)] = *value;
  return out;
}

}  // namespace cosmicai::asl
