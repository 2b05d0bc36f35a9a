#pragma once
/// The subset of Python's pickle (protocol 2) that torch.save writes for tensors and
/// TensorDatasets, decoded into a small object tree. No code is ever executed: only
/// the callables below are understood, anything else is an error.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace cosmicai::data::pickle {

struct Value;
using ValuePtr = std::shared_ptr<Value>;

/// One decoded Python object. Shared pointers keep Python's object identity
/// (the memo hands out the same object again).
struct Value {
  enum class Kind {
    kNone,
    kBool,
    kInt,
    kBigInt,  ///< LONG1 wider than 64 bits: little-endian two's complement bytes in `text`
    kFloat,
    kString,   ///< str (UTF-8) in `text`
    kBytes,    ///< bytes in `text`
    kTuple,    ///< `items`
    kList,     ///< `items`
    kDict,     ///< `items` as key, value, key, value… in insertion order
    kGlobal,   ///< class or function: "module name" in `text`
    kStorage,  ///< torch storage from a persistent id
    kTensor,   ///< torch._utils._rebuild_tensor_v2(...)
    kObject,   ///< instance created by NEWOBJ: class in `text`, state (BUILD) in `items[0]`
  };
  Kind kind = Kind::kNone;
  bool boolean = false;
  std::int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<ValuePtr> items;

  // kStorage
  std::string storage_type;  ///< e.g. "torch FloatStorage"
  std::string storage_key;   ///< record name under <root>/data/
  std::int64_t storage_numel = 0;

  // kTensor (items[0] is the storage)
  std::int64_t storage_offset = 0;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> stride;

  /// Return a short description for error messages ("dict", "tuple of 2", "TensorDataset", …).
  std::string describe() const;
  /// Look a str key up in a kDict; nullptr if absent.
  ValuePtr find(std::string_view key) const;
};

/// Decode one pickle starting at `pos` in `data`, up to and including STOP; on
/// success `pos` is set just past STOP. Errors name the offset and the opcode.
Result<ValuePtr> unpickle(std::string_view data, std::size_t& pos);

/// Return the element size in bytes and dtype name of a torch storage type
/// ("torch FloatStorage" -> 4, "float32"); size 0 if unknown.
struct StorageDtype {
  std::size_t itemsize = 0;
  std::string dtype;
};
StorageDtype storage_dtype(std::string_view storage_type);

}  // namespace cosmicai::data::pickle
