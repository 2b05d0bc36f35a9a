#pragma once
/// What a state's expressions read besides their input, shared instead of copied: the context object
/// `$$` (`ContextRef`, a view of parts that live elsewhere) and the workflow variables (`Variables`,
/// immutable snapshots whose unchanged values are shared). An execution input or a variable can be
/// large (256 KiB; 10 MiB of variables), so neither is copied per state.
#include <array>
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"

namespace cosmicai::asl {

/// The context object `$$` as an expression reads it, without a copy: either one JSON object
/// (`whole`: tests, one-off evaluation) or up to five named members, each borrowed from where it
/// lives: an execution's `Execution` (which holds the execution input) and `StateMachine`, a state's
/// `State`, a Map item's `Map`. Holds pointers only (what they point to must outlive the view);
/// copying it is cheap. A null view (no context) reads as null, or as {} where an object is needed.
class ContextRef {
 public:
  ContextRef() {}  // NOLINT(modernize-use-equals-default): user-provided, so {} leaves parts_ uninitialised
  ContextRef(std::nullptr_t) {}  // NOLINT(google-explicit-constructor): as a null json
  /// The whole context object `whole` (not copied). A null `whole` is the null view.
  ContextRef(const json& whole) : whole_(whole.is_null() ? nullptr : &whole) {}  // NOLINT: as the json it views
  ContextRef(json&&) = delete;  // a view of a temporary would dangle

  /// Set the member `name` (added at the end, or replaced where it is) to `value`, borrowed.
  /// `name` must outlive the view (a literal). On a whole view, its members become parts first.
  /// Throws std::length_error past five members.
  ContextRef& set(std::string_view name, const json& value);

  /// Whether there is no context at all.
  bool is_null() const { return !whole_ && count_ == 0; }
  /// The whole object this view was made from, or null when it is made of parts (or null).
  const json* whole() const { return whole_; }
  /// The member `name`, or null when there is none (or the context is not an object).
  const json* find(std::string_view name) const;
  /// The members, in order (for a whole view, its members when it is an object).
  template <class F>
  void for_each(F&& f) const {
    if (whole_) {
      if (whole_->is_object())
        for (const auto& [k, v] : whole_->items()) f(std::string_view(k), v);
      return;
    }
    for (std::size_t i = 0; i < count_; ++i) f(parts_[i].name(), *parts_[i].value);
  }
  /// The context as one JSON value: a copy of every member (the execution input too). For what
  /// cannot be read member by member (`$$` itself, a wildcard or a recursive descent over it).
  json to_json() const;

 private:
  // Trivial, and left uninitialised past count_: a state that reads no context builds an empty
  // view on every transition, which then costs two stores.
  struct Part {
    const char* data;
    std::size_t size;
    const json* value;
    std::string_view name() const { return {data, size}; }
  };
  const json* whole_ = nullptr;
  std::size_t count_ = 0;
  std::array<Part, 5> parts_;
};

class Variables;
/// The workflow variables visible to a state: an immutable snapshot, shared. A Map iteration or
/// Parallel branch starts from its parent's snapshot; what it assigns stays in its own snapshot.
using Vars = std::shared_ptr<const Variables>;

/// Workflow variables (name → value). Assigning makes a new snapshot holding only the assigned
/// values over the one it came from (each value held once, by a shared pointer), so an Assign costs
/// what it assigns, not what is in scope; a snapshot more than a few layers deep is flattened into
/// one layer of pointers. The compact JSON size of all variables in scope as one object is kept as
/// values are assigned (AWS's 10 MiB limit), so checking it walks nothing. Thread-safe (immutable).
class Variables {
 public:
  /// The variables of a JSON object (tests, one-off evaluation). A non-object gives none.
  static Vars from_json(const json& object);
  /// `base` (may be null: none) with `assigned` (an object; anything else assigns nothing) written
  /// over it. `value_sizes` (optional) receives the compact JSON size of each assigned value, in
  /// `assigned`'s order.
  static Vars assign(const Vars& base, const json& assigned, std::vector<std::size_t>* value_sizes = nullptr);
  /// The same, moving the values out of `assigned` (its names stay).
  static Vars assign(const Vars& base, json&& assigned, std::vector<std::size_t>* value_sizes = nullptr);

  /// The value of variable `name`, or null when it is not in scope.
  const json* find(std::string_view name) const;
  /// The number of variables in scope.
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  /// The size of dump_compact(to_json()), kept as values are assigned (nothing is serialised).
  std::size_t json_size() const { return count_ == 0 ? 2 : 1 + member_bytes_; }
  /// All variables in scope as one object (names in sorted order).
  json to_json() const;

 private:
  struct Entry {
    std::shared_ptr<const json> value;
    std::size_t member_bytes = 0;  ///< "name":value, plus its separator
  };
  const Entry* lookup(std::string_view name) const;
  template <class Assigned>
  static Vars assign_from(const Vars& base, Assigned&& assigned, std::vector<std::size_t>* value_sizes);
  std::map<std::string, Entry, std::less<>> own_;  ///< this layer's values
  Vars below_;                                     ///< the snapshot this layer sits over (may be null)
  std::size_t depth_ = 1;                          ///< layers, this one included
  std::size_t count_ = 0;                          ///< variables in scope (all layers, each name once)
  std::size_t member_bytes_ = 0;                   ///< the members' bytes in the object of all in scope
};

/// The empty variable set.
const Vars& no_vars();
/// Return `vars` with `assigned` (an object) written over it (Variables::assign).
Vars assign_vars(const Vars& vars, const json& assigned);

}  // namespace cosmicai::asl
