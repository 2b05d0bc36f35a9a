#include "data/pickle.hpp"

#include <cstring>
#include <unordered_map>

namespace cosmicai::data::pickle {

namespace {

using Kind = Value::Kind;

ValuePtr make(Kind k) {
  auto v = std::make_shared<Value>();
  v->kind = k;
  return v;
}

std::string hex_byte(unsigned char c) {
  static const char* digits = "0123456789abcdef";
  return std::string("0x") + digits[c >> 4] + digits[c & 15];
}

class Unpickler {
 public:
  Unpickler(std::string_view data, std::size_t pos) : data_(data), pos_(pos) {}

  Result<ValuePtr> run(std::size_t& end) {
    while (true) {
      if (pos_ >= data_.size()) return fail("pickle ends without STOP");
      op_pos_ = pos_;
      const auto op = static_cast<unsigned char>(data_[pos_++]);
      Status st = step(op);
      if (!st.ok()) return st.error();
      if (stopped_) {
        if (stack_.size() != 1) return fail("STOP with " + std::to_string(stack_.size()) + " values on the stack");
        end = pos_;
        return stack_.back();
      }
    }
  }

 private:
  Error fail(const std::string& what) const {
    return make_error(ErrorCode::kCorrupt, "pickle at offset " + std::to_string(op_pos_) + ": " + what);
  }

  // --- reading operands ---
  bool need(std::size_t n) const { return pos_ + n <= data_.size(); }
  template <class T>
  bool read_le(T& out) {
    if (!need(sizeof(T))) return false;
    std::memcpy(&out, data_.data() + pos_, sizeof(T));  // little-endian host (checked at build time below)
    pos_ += sizeof(T);
    return true;
  }
  bool read_line(std::string& out) {
    const auto nl = data_.find('\n', pos_);
    if (nl == std::string_view::npos) return false;
    out.assign(data_.substr(pos_, nl - pos_));
    pos_ = nl + 1;
    return true;
  }

  // --- stack helpers ---
  Result<ValuePtr> pop() {
    if (stack_.size() <= mark_floor()) return fail("stack underflow");
    auto v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  std::size_t mark_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  Result<std::vector<ValuePtr>> pop_to_mark() {
    if (marks_.empty()) return fail("no MARK on the stack");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(m)),
                                std::make_move_iterator(stack_.end()));
    stack_.resize(m);
    return items;
  }
  Status push_tuple(std::size_t n) {
    if (stack_.size() < mark_floor() + n) return fail("stack underflow building a tuple");
    auto t = make(Kind::kTuple);
    t->items.assign(stack_.end() - static_cast<std::ptrdiff_t>(n), stack_.end());
    stack_.resize(stack_.size() - n);
    stack_.push_back(std::move(t));
    return {};
  }

  Status step(unsigned char op);
  Status reduce(const ValuePtr& callable, const ValuePtr& args);
  Status persistent_load(const ValuePtr& pid);

  std::string_view data_;
  std::size_t pos_;
  std::size_t op_pos_ = 0;
  bool stopped_ = false;
  std::vector<ValuePtr> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint32_t, ValuePtr> memo_;
};

Status Unpickler::step(unsigned char op) {
  switch (op) {
    case 0x80: {  // PROTO
      std::uint8_t proto = 0;
      if (!read_le(proto)) return fail("truncated PROTO");
      if (proto > 5) return fail("unsupported pickle protocol " + std::to_string(proto));
      return {};
    }
    case '.':  // STOP
      stopped_ = true;
      return {};
    case 'c': {  // GLOBAL module\nname\n
      std::string module, name;
      if (!read_line(module) || !read_line(name)) return fail("truncated GLOBAL");
      auto g = make(Kind::kGlobal);
      g->text = module + " " + name;
      stack_.push_back(std::move(g));
      return {};
    }
    case 'q': {  // BINPUT
      std::uint8_t i = 0;
      if (!read_le(i)) return fail("truncated BINPUT");
      if (stack_.empty()) return fail("BINPUT on an empty stack");
      memo_[i] = stack_.back();
      return {};
    }
    case 'r': {  // LONG_BINPUT
      std::uint32_t i = 0;
      if (!read_le(i)) return fail("truncated LONG_BINPUT");
      if (stack_.empty()) return fail("LONG_BINPUT on an empty stack");
      memo_[i] = stack_.back();
      return {};
    }
    case 'h':    // BINGET
    case 'j': {  // LONG_BINGET
      std::uint32_t i = 0;
      if (op == 'h') {
        std::uint8_t b = 0;
        if (!read_le(b)) return fail("truncated BINGET");
        i = b;
      } else if (!read_le(i)) {
        return fail("truncated LONG_BINGET");
      }
      auto it = memo_.find(i);
      if (it == memo_.end()) return fail("memo entry " + std::to_string(i) + " was never stored");
      stack_.push_back(it->second);
      return {};
    }
    case '(':  // MARK
      marks_.push_back(stack_.size());
      return {};
    case ')':  // EMPTY_TUPLE
      stack_.push_back(make(Kind::kTuple));
      return {};
    case '}':  // EMPTY_DICT
      stack_.push_back(make(Kind::kDict));
      return {};
    case ']':  // EMPTY_LIST
      stack_.push_back(make(Kind::kList));
      return {};
    case 't': {  // TUPLE
      auto items = pop_to_mark();
      if (!items.ok()) return items.error();
      auto t = make(Kind::kTuple);
      t->items = std::move(*items);
      stack_.push_back(std::move(t));
      return {};
    }
    case 0x85:
      return push_tuple(1);
    case 0x86:
      return push_tuple(2);
    case 0x87:
      return push_tuple(3);
    case 'X': {  // BINUNICODE
      std::uint32_t n = 0;
      if (!read_le(n) || !need(n)) return fail("truncated BINUNICODE");
      auto s = make(Kind::kString);
      s->text.assign(data_.substr(pos_, n));
      pos_ += n;
      stack_.push_back(std::move(s));
      return {};
    }
    case 0x8c: {  // SHORT_BINUNICODE (protocol 4)
      std::uint8_t n = 0;
      if (!read_le(n) || !need(n)) return fail("truncated SHORT_BINUNICODE");
      auto s = make(Kind::kString);
      s->text.assign(data_.substr(pos_, n));
      pos_ += n;
      stack_.push_back(std::move(s));
      return {};
    }
    case 'C': {  // SHORT_BINBYTES
      std::uint8_t n = 0;
      if (!read_le(n) || !need(n)) return fail("truncated SHORT_BINBYTES");
      auto s = make(Kind::kBytes);
      s->text.assign(data_.substr(pos_, n));
      pos_ += n;
      stack_.push_back(std::move(s));
      return {};
    }
    case 'J': {  // BININT
      std::int32_t v = 0;
      if (!read_le(v)) return fail("truncated BININT");
      auto i = make(Kind::kInt);
      i->integer = v;
      stack_.push_back(std::move(i));
      return {};
    }
    case 'K': {  // BININT1
      std::uint8_t v = 0;
      if (!read_le(v)) return fail("truncated BININT1");
      auto i = make(Kind::kInt);
      i->integer = v;
      stack_.push_back(std::move(i));
      return {};
    }
    case 'M': {  // BININT2
      std::uint16_t v = 0;
      if (!read_le(v)) return fail("truncated BININT2");
      auto i = make(Kind::kInt);
      i->integer = v;
      stack_.push_back(std::move(i));
      return {};
    }
    case 0x8a: {  // LONG1
      std::uint8_t n = 0;
      if (!read_le(n) || !need(n)) return fail("truncated LONG1");
      const std::string_view bytes = data_.substr(pos_, n);
      pos_ += n;
      if (n <= 8) {
        std::uint64_t u = 0;
        for (std::size_t k = 0; k < n; ++k)
          u |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[k])) << (8 * k);
        if (n > 0 && n < 8 && (static_cast<unsigned char>(bytes[n - 1]) & 0x80)) u |= ~std::uint64_t{0} << (8 * n);
        auto i = make(Kind::kInt);
        i->integer = static_cast<std::int64_t>(u);
        stack_.push_back(std::move(i));
      } else {
        auto i = make(Kind::kBigInt);
        i->text.assign(bytes);
        stack_.push_back(std::move(i));
      }
      return {};
    }
    case 'G': {  // BINFLOAT (big-endian double)
      if (!need(8)) return fail("truncated BINFLOAT");
      std::uint64_t u = 0;
      for (int k = 0; k < 8; ++k) u = (u << 8) | static_cast<unsigned char>(data_[pos_ + k]);
      pos_ += 8;
      auto f = make(Kind::kFloat);
      std::memcpy(&f->real, &u, 8);
      stack_.push_back(std::move(f));
      return {};
    }
    case 'N':
      stack_.push_back(make(Kind::kNone));
      return {};
    case 0x88:    // NEWTRUE
    case 0x89: {  // NEWFALSE
      auto b = make(Kind::kBool);
      b->boolean = (op == 0x88);
      stack_.push_back(std::move(b));
      return {};
    }
    case 0x81: {  // NEWOBJ cls args
      auto args = pop();
      if (!args.ok()) return args.error();
      auto cls = pop();
      if (!cls.ok()) return cls.error();
      if ((*cls)->kind != Kind::kGlobal) return fail("NEWOBJ on a " + (*cls)->describe() + ", not a class");
      if ((*args)->kind != Kind::kTuple || !(*args)->items.empty()) {
        return fail("NEWOBJ of " + (*cls)->text + " with arguments is not supported");
      }
      auto o = make(Kind::kObject);
      o->text = (*cls)->text;
      stack_.push_back(std::move(o));
      return {};
    }
    case 'R': {  // REDUCE callable args
      auto args = pop();
      if (!args.ok()) return args.error();
      auto callable = pop();
      if (!callable.ok()) return callable.error();
      return reduce(*callable, *args);
    }
    case 'Q': {  // BINPERSID
      auto pid = pop();
      if (!pid.ok()) return pid.error();
      return persistent_load(*pid);
    }
    case 's': {  // SETITEM
      auto value = pop();
      if (!value.ok()) return value.error();
      auto key = pop();
      if (!key.ok()) return key.error();
      if (stack_.empty() || stack_.back()->kind != Kind::kDict) return fail("SETITEM without a dict");
      stack_.back()->items.push_back(std::move(*key));
      stack_.back()->items.push_back(std::move(*value));
      return {};
    }
    case 'u': {  // SETITEMS
      auto items = pop_to_mark();
      if (!items.ok()) return items.error();
      if (items->size() % 2 != 0) return fail("SETITEMS with an odd number of values");
      if (stack_.empty() || stack_.back()->kind != Kind::kDict) return fail("SETITEMS without a dict");
      for (auto& v : *items) stack_.back()->items.push_back(std::move(v));
      return {};
    }
    case 'a': {  // APPEND
      auto value = pop();
      if (!value.ok()) return value.error();
      if (stack_.empty() || stack_.back()->kind != Kind::kList) return fail("APPEND without a list");
      stack_.back()->items.push_back(std::move(*value));
      return {};
    }
    case 'e': {  // APPENDS
      auto items = pop_to_mark();
      if (!items.ok()) return items.error();
      if (stack_.empty() || stack_.back()->kind != Kind::kList) return fail("APPENDS without a list");
      for (auto& v : *items) stack_.back()->items.push_back(std::move(v));
      return {};
    }
    case 'b': {  // BUILD obj state
      auto state = pop();
      if (!state.ok()) return state.error();
      if (stack_.size() <= mark_floor()) return fail("BUILD without an object");
      auto& obj = stack_.back();
      if (obj->kind != Kind::kObject) return fail("BUILD on a " + obj->describe());
      obj->items.assign(1, std::move(*state));
      return {};
    }
    default:
      return fail("unsupported pickle opcode " + hex_byte(op) +
                  " (only the subset torch.save writes for tensors is understood)");
  }
}

Status Unpickler::reduce(const ValuePtr& callable, const ValuePtr& args) {
  if (callable->kind != Kind::kGlobal) return fail("REDUCE on a " + callable->describe());
  if (args->kind != Kind::kTuple) return fail("REDUCE of " + callable->text + " with non-tuple arguments");
  const auto& a = args->items;
  if (callable->text == "collections OrderedDict") {
    if (!a.empty()) return fail("OrderedDict with initial items is not supported");
    stack_.push_back(make(Kind::kDict));
    return {};
  }
  if (callable->text == "torch._utils _rebuild_tensor_v2" || callable->text == "torch._utils _rebuild_tensor") {
    if (a.size() < 4) return fail(callable->text + " takes at least 4 arguments, got " + std::to_string(a.size()));
    if (a[0]->kind != Kind::kStorage) return fail("tensor storage is a " + a[0]->describe());
    if (a[1]->kind != Kind::kInt) return fail("tensor storage offset is a " + a[1]->describe());
    if (a[2]->kind != Kind::kTuple || a[3]->kind != Kind::kTuple) return fail("tensor size/stride are not tuples");
    auto t = make(Kind::kTensor);
    t->items.push_back(a[0]);
    t->storage_offset = a[1]->integer;
    for (const auto& d : a[2]->items) {
      if (d->kind != Kind::kInt) return fail("tensor size holds a " + d->describe());
      t->shape.push_back(d->integer);
    }
    for (const auto& d : a[3]->items) {
      if (d->kind != Kind::kInt) return fail("tensor stride holds a " + d->describe());
      t->stride.push_back(d->integer);
    }
    if (t->shape.size() != t->stride.size()) return fail("tensor size and stride have different lengths");
    stack_.push_back(std::move(t));
    return {};
  }
  return fail("unsupported callable " + callable->text +
              " (only tensors, OrderedDict and TensorDataset objects are understood)");
}

Status Unpickler::persistent_load(const ValuePtr& pid) {
  // ('storage', storage_type, key, location, numel) — or 6 items ending in view_metadata (legacy format).
  if (pid->kind != Kind::kTuple || (pid->items.size() != 5 && pid->items.size() != 6)) {
    return fail("persistent id is a " + pid->describe() + ", expected ('storage', type, key, location, numel)");
  }
  const auto& a = pid->items;
  if (a[0]->kind != Kind::kString || a[0]->text != "storage")
    return fail("persistent id does not start with 'storage'");
  if (a[1]->kind != Kind::kGlobal) return fail("persistent id storage type is a " + a[1]->describe());
  if (a[2]->kind != Kind::kString) return fail("persistent id key is a " + a[2]->describe());
  if (a[4]->kind != Kind::kInt || a[4]->integer < 0) return fail("persistent id element count is not a count");
  if (a.size() == 6 && a[5]->kind != Kind::kNone) return fail("storage views (view_metadata) are not supported");
  auto s = make(Kind::kStorage);
  s->storage_type = a[1]->text;
  s->storage_key = a[2]->text;
  s->storage_numel = a[4]->integer;
  stack_.push_back(std::move(s));
  return {};
}

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the pickle and tensor decoders assume a little-endian host");

}  // namespace

std::string Value::describe() const {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
    case Kind::kBigInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str '" + text + "'";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTuple:
      return "tuple of " + std::to_string(items.size());
    case Kind::kList:
      return "list of " + std::to_string(items.size());
    case Kind::kDict: {
      std::string keys;
      for (std::size_t k = 0; k + 1 < items.size(); k += 2) {
        if (!keys.empty()) keys += ", ";
        keys += items[k]->kind == Kind::kString ? items[k]->text : items[k]->describe();
      }
      return "dict {" + keys + "}";
    }
    case Kind::kGlobal:
      return "global " + text;
    case Kind::kStorage:
      return "storage " + storage_type;
    case Kind::kTensor:
      return "tensor";
    case Kind::kObject: {
      const auto sp = text.rfind(' ');
      return sp == std::string::npos ? text : text.substr(sp + 1);
    }
  }
  return "value";
}

ValuePtr Value::find(std::string_view key) const {
  if (kind != Kind::kDict) return nullptr;
  for (std::size_t k = 0; k + 1 < items.size(); k += 2) {
    if (items[k]->kind == Kind::kString && items[k]->text == key) return items[k + 1];
  }
  return nullptr;
}

Result<ValuePtr> unpickle(std::string_view data, std::size_t& pos) {
  Unpickler u(data, pos);
  return u.run(pos);
}

StorageDtype storage_dtype(std::string_view t) {
  if (t == "torch FloatStorage") return {4, "float32"};
  if (t == "torch DoubleStorage") return {8, "float64"};
  if (t == "torch HalfStorage") return {2, "float16"};
  if (t == "torch BFloat16Storage") return {2, "bfloat16"};
  if (t == "torch LongStorage") return {8, "int64"};
  if (t == "torch IntStorage") return {4, "int32"};
  if (t == "torch ShortStorage") return {2, "int16"};
  if (t == "torch CharStorage") return {1, "int8"};
  if (t == "torch ByteStorage") return {1, "uint8"};
  if (t == "torch BoolStorage") return {1, "bool"};
  return {0, std::string(t)};
}

}  // namespace cosmicai::data::pickle
