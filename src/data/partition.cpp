#include "data/partition.hpp"

#include <sys/mman.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include "data/pickle.hpp"
#include "data/zip_archive.hpp"

namespace cosmicai::data {

namespace {

using pickle::Value;
using pickle::ValuePtr;
using Kind = Value::Kind;

constexpr std::array<const char*, 3> kTensorNames = {"images", "magnitudes", "redshift"};
// The dtypes the Partition holds (images, magnitudes, redshift).
constexpr std::array<const char*, 3> kTensorDtypes = {"float32", "float64", "float32"};

// What the original inference script can run, converted as it converts: magnitudes go through
// `.float()`, so any floating type works; redshift is only compared with the predictions, so
// any numeric type works (as `.float()` converts it). Images go into the float32 convolutions
// unconverted: anything but float32 fails there, so it is rejected here.
bool accepted_dtype(std::size_t tensor, std::string_view dtype) {
  static const std::set<std::string_view> kFloating = {"float16", "bfloat16", "float32", "float64"};
  static const std::set<std::string_view> kNumeric = {"float16", "bfloat16", "float32", "float64", "int64",
                                                      "int32",   "int16",    "int8",    "uint8",   "bool"};
  switch (tensor) {
    case 0: return dtype == "float32";
    case 1: return kFloating.count(dtype) > 0;
    default: return kNumeric.count(dtype) > 0;
  }
}

const char* accepted_text(std::size_t tensor) {
  switch (tensor) {
    case 0: return "float32 (the model's convolutions take float32 images unconverted)";
    case 1: return "a floating type (float16, bfloat16, float32 or float64; converted as .float() does)";
    default: return "a numeric type (floating, integer or bool; converted as .float() does)";
  }
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1f;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf / NaN
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;  // ±0
  } else {        // subnormal half: normalise
    exp = 113;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      --exp;
    }
    bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

/// Element `i` of a buffer of `dtype` as a double (exact for every accepted type but int64
/// beyond 2^53, which .float() rounds the same way through float32 anyway).
double element_as_double(const char* p, std::string_view dtype, std::size_t i) {
  auto load = [&](auto v) {
    std::memcpy(&v, p + i * sizeof v, sizeof v);
    return v;
  };
  if (dtype == "float64") return load(double{});
  if (dtype == "float32") return load(float{});
  if (dtype == "float16") return half_to_float(load(std::uint16_t{}));
  if (dtype == "bfloat16") {
    const std::uint32_t bits = static_cast<std::uint32_t>(load(std::uint16_t{})) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
  }
  if (dtype == "int64") return static_cast<double>(load(std::int64_t{}));
  if (dtype == "int32") return load(std::int32_t{});
  if (dtype == "int16") return load(std::int16_t{});
  if (dtype == "int8") return load(std::int8_t{});
  if (dtype == "uint8") return load(std::uint8_t{});
  if (dtype == "bool") return load(std::uint8_t{}) != 0 ? 1.0 : 0.0;
  return 0.0;  // unreachable: validate() accepted only the types above
}
// Legacy format magic number 0x1950a86a20f9469cfc6c as LONG1 bytes (little-endian).
constexpr char kLegacyMagic[] = "\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";

/// Where a storage's bytes are.
struct Record {
  std::string name;  ///< for messages: zip record name or "legacy storage KEY"
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  const ZipEntry* entry = nullptr;  ///< zip only: read through read_zip_entry (CRC)
};

/// A parsed, validated partition whose tensor bytes are not read yet.
struct Layout {
  PartitionInfo info;
  std::array<ValuePtr, 3> tensors;
  std::array<Record, 3> records;
  std::int64_t samples = 0;
  ZipDirectory zip;                  ///< zip only
  std::set<std::string> read_names;  ///< zip records already CRC-checked
};

Error fail(std::string_view name, ErrorCode code, const std::string& what) {
  return make_error(code, "partition " + std::string(name) + ": " + what);
}
Error corrupt(std::string_view name, const std::string& what) { return fail(name, ErrorCode::kCorrupt, what); }
Error rewrap(std::string_view name, const Error& e) { return fail(name, e.code, e.message); }

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string printable_prefix(std::string_view bytes) {
  std::string out;
  char buf[8];
  for (std::size_t i = 0; i < std::min<std::size_t>(bytes.size(), 8); ++i) {
    std::snprintf(buf, sizeof buf, "%s%02x", i ? " " : "", static_cast<unsigned char>(bytes[i]));
    out += buf;
  }
  return out;
}

// === The object tree: find the three tensors ===

Status find_tensors(const ValuePtr& top, const ReadOptions& options, std::string_view name, Layout& layout) {
  std::vector<ValuePtr> tensors;
  if (top->kind == Kind::kObject && top->text == "torch.utils.data.dataset TensorDataset") {
    layout.info.layout = "TensorDataset";
    const ValuePtr state = top->items.empty() ? nullptr : top->items[0];
    const ValuePtr t = state ? state->find("tensors") : nullptr;
    if (!t) return corrupt(name, "TensorDataset has no 'tensors' attribute");
    if (t->kind != Kind::kTuple && t->kind != Kind::kList) {
      return corrupt(name, "TensorDataset.tensors is a " + t->describe() + ", expected a tuple");
    }
    tensors = t->items;
    if (tensors.size() != 3) {
      return corrupt(name, "TensorDataset holds " + std::to_string(tensors.size()) +
                               " tensors, expected 3 (images, magnitudes, redshift)");
    }
  } else if ((top->kind == Kind::kTuple || top->kind == Kind::kList) && options.allow_plain_layouts) {
    layout.info.layout = "tuple";
    tensors = top->items;
    if (tensors.size() != 3) {
      return corrupt(name, "top-level " + top->describe() + " holds " + std::to_string(tensors.size()) +
                               " values, expected 3 tensors (images, magnitudes, redshift)");
    }
  } else if (top->kind == Kind::kDict && options.allow_plain_layouts) {
    layout.info.layout = "dict";
    if (top->items.size() != 6) {
      return corrupt(name, "top-level " + top->describe() + " must have exactly the keys images, magnitudes, redshift");
    }
    for (const char* key : kTensorNames) {
      auto v = top->find(key);
      if (!v) return corrupt(name, "top-level " + top->describe() + " has no '" + key + "' key");
      tensors.push_back(v);
    }
  } else {
    std::string what = "top-level object is a " + top->describe() + ", not a TensorDataset";
    if (top->kind == Kind::kDict || top->kind == Kind::kTuple || top->kind == Kind::kList) {
      what +=
          " (plain tuple/dict layouts are accepted only with ReadOptions::allow_plain_layouts, "
          "cosmicai dataset inspect --allow-plain-layouts)";
    }
    return corrupt(name, what + ": not a CAI partition");
  }
  for (std::size_t i = 0; i < 3; ++i) {
    if (tensors[i]->kind != Kind::kTensor) {
      return corrupt(name, std::string(kTensorNames[i]) + " is a " + tensors[i]->describe() + ", not a tensor");
    }
    layout.tensors[i] = tensors[i];
  }
  return {};
}

/// Check dtypes, shapes, sample counts and storage extents (FORMAT.md, "validity checks").
Status validate(Layout& layout, std::string_view name) {
  static const std::array<std::vector<std::int64_t>, 3> kShapes = {
      std::vector<std::int64_t>{-1, kChannels, kImageSize, kImageSize}, std::vector<std::int64_t>{-1, kMagnitudes},
      std::vector<std::int64_t>{-1}};
  static const std::array<const char*, 3> kShapeText = {"[N,5,32,32]", "[N,5]", "[N]"};
  std::array<std::int64_t, 3> counts{};
  for (std::size_t i = 0; i < 3; ++i) {
    const Value& t = *layout.tensors[i];
    const Value& storage = *t.items[0];
    const auto dt = pickle::storage_dtype(storage.storage_type);
    layout.info.tensors.push_back({kTensorNames[i], dt.dtype, t.shape});
    if (!accepted_dtype(i, dt.dtype)) {
      return corrupt(name,
                     std::string(kTensorNames[i]) + " tensor has dtype " + dt.dtype + ", expected " + accepted_text(i));
    }
    bool shape_ok = t.shape.size() == kShapes[i].size() && t.shape[0] >= 0;
    for (std::size_t d = 1; shape_ok && d < t.shape.size(); ++d) shape_ok = t.shape[d] == kShapes[i][d];
    if (!shape_ok) {
      return corrupt(name, std::string(kTensorNames[i]) + " tensor has shape " + shape_text(t.shape) + ", expected " +
                               kShapeText[i]);
    }
    counts[i] = t.shape[0];
    // Every element addressed by offset + Σ index·stride must lie in the storage.
    if (t.storage_offset < 0)
      return corrupt(name, std::string(kTensorNames[i]) + " tensor has a negative storage offset");
    std::int64_t last = t.storage_offset;
    bool empty = false;
    for (std::size_t d = 0; d < t.shape.size(); ++d) {
      if (t.stride[d] < 0) return corrupt(name, std::string(kTensorNames[i]) + " tensor has a negative stride");
      if (t.shape[d] == 0)
        empty = true;
      else
        last += (t.shape[d] - 1) * t.stride[d];
    }
    if (!empty && last >= storage.storage_numel) {
      return corrupt(name, std::string(kTensorNames[i]) + " tensor (offset " + std::to_string(t.storage_offset) +
                               ", shape " + shape_text(t.shape) + ", stride " + shape_text(t.stride) +
                               ") reaches past its storage of " + std::to_string(storage.storage_numel) + " elements");
    }
    const std::uint64_t want = static_cast<std::uint64_t>(storage.storage_numel) * dt.itemsize;
    if (layout.records[i].size != want) {
      return corrupt(name, "record " + layout.records[i].name + " for the " + kTensorNames[i] + " tensor holds " +
                               std::to_string(layout.records[i].size) + " bytes, expected " + std::to_string(want) +
                               " (" + std::to_string(storage.storage_numel) + " " + dt.dtype + " elements)");
    }
  }
  if (counts[0] != counts[1] || counts[0] != counts[2]) {
    return corrupt(name, "tensors disagree on the number of samples: images " + std::to_string(counts[0]) +
                             ", magnitudes " + std::to_string(counts[1]) + ", redshift " + std::to_string(counts[2]));
  }
  layout.samples = counts[0];
  return {};
}

// === Containers ===

Status open_zip(const ByteSource& src, std::string_view name, const ReadOptions& options, Layout& layout) {
  layout.info.format = "zip";
  auto dir = read_zip_directory(src);
  if (!dir.ok()) return rewrap(name, dir.error());
  layout.zip = std::move(*dir);
  if (layout.zip.entries.empty()) return corrupt(name, "zip archive has no records");
  const std::string& first = layout.zip.entries.front().name;
  const auto slash = first.find('/');
  if (slash == std::string::npos || slash == 0) {
    return corrupt(name, "zip record '" + first + "' is not under a top folder (not a torch.save archive)");
  }
  const std::string root = first.substr(0, slash + 1);
  auto read_small = [&](const ZipEntry& e) -> Result<std::string> {
    std::string out(e.size, '\0');
    auto st = read_zip_entry(src, e, out.data(), options.verify_crc);
    if (!st.ok()) return rewrap(name, st.error());
    layout.read_names.insert(e.name);
    return out;
  };
  const ZipEntry* pkl = layout.zip.find(root + "data.pkl");
  if (!pkl) return corrupt(name, "zip archive has no " + root + "data.pkl record (not a torch.save archive)");
  const ZipEntry* version = layout.zip.find(root + "version");
  if (!version) version = layout.zip.find(root + ".data/version");
  if (!version) return corrupt(name, "zip archive has no " + root + "version record (not a torch.save archive)");
  auto version_text = read_small(*version);
  if (!version_text.ok()) return version_text.error();
  if (version_text->empty() || version_text->find_first_not_of("0123456789\n") != std::string::npos) {
    return corrupt(name, "record " + version->name + " does not hold a format version number");
  }
  if (const ZipEntry* order = layout.zip.find(root + "byteorder")) {
    auto text = read_small(*order);
    if (!text.ok()) return text.error();
    if (*text == "big")
      return corrupt(name, "tensors are stored big-endian (record " + order->name + "); not supported");
    if (*text != "little") return corrupt(name, "record " + order->name + " holds '" + *text + "', expected 'little'");
  }
  auto pkl_bytes = read_small(*pkl);
  if (!pkl_bytes.ok()) return pkl_bytes.error();
  std::size_t pos = 0;
  auto top = pickle::unpickle(*pkl_bytes, pos);
  if (!top.ok()) return corrupt(name, "record " + pkl->name + ": " + top.error().message);
  if (auto st = find_tensors(*top, options, name, layout); !st.ok()) return st;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string rec = root + "data/" + layout.tensors[i]->items[0]->storage_key;
    const ZipEntry* e = layout.zip.find(rec);
    if (!e) return corrupt(name, "record " + rec + " for the " + kTensorNames[i] + " tensor is missing");
    layout.records[i] = {e->name, e->data_offset, e->size, e};
  }
  return {};
}

void collect_storages(const ValuePtr& v, std::map<std::string, std::size_t>& itemsizes, int depth = 0) {
  if (!v || depth > 64) return;
  if (v->kind == Kind::kStorage) {
    itemsizes[v->storage_key] = pickle::storage_dtype(v->storage_type).itemsize;
    return;
  }
  for (const auto& c : v->items) collect_storages(c, itemsizes, depth + 1);
}

/// Legacy (pre-1.6) format: five pickles, then each storage as int64 count + raw bytes.
Status open_legacy(std::string_view bytes, std::string_view name, const ReadOptions& options, Layout& layout) {
  layout.info.format = "legacy";
  std::size_t pos = 0;
  auto next = [&](const char* what) -> Result<ValuePtr> {
    auto v = pickle::unpickle(bytes, pos);
    if (!v.ok()) return corrupt(name, std::string("legacy format ") + what + ": " + v.error().message);
    return v;
  };
  auto magic = next("magic number");
  if (!magic.ok()) return magic.error();
  if ((*magic)->kind != Kind::kBigInt || (*magic)->text != std::string_view(kLegacyMagic, 10)) {
    return corrupt(name, "legacy format: wrong magic number (not a torch.save file)");
  }
  auto proto = next("protocol version");
  if (!proto.ok()) return proto.error();
  if ((*proto)->kind != Kind::kInt || (*proto)->integer != 1001) {
    return corrupt(name, "legacy format: unsupported protocol version");
  }
  auto sys_info = next("sys_info");
  if (!sys_info.ok()) return sys_info.error();
  if (auto le = (*sys_info)->find("little_endian"); le && le->kind == Kind::kBool && !le->boolean) {
    return corrupt(name, "tensors are stored big-endian (legacy sys_info); not supported");
  }
  auto top = next("object");
  if (!top.ok()) return top.error();
  auto keys = next("storage keys");
  if (!keys.ok()) return keys.error();
  if ((*keys)->kind != Kind::kList) return corrupt(name, "legacy format: storage key list is a " + (*keys)->describe());
  if (auto st = find_tensors(*top, options, name, layout); !st.ok()) return st;
  std::map<std::string, std::size_t> itemsizes;
  collect_storages(*top, itemsizes);
  std::map<std::string, Record> records;
  for (const auto& k : (*keys)->items) {
    if (k->kind != Kind::kString) return corrupt(name, "legacy format: storage key is a " + k->describe());
    auto it = itemsizes.find(k->text);
    if (it == itemsizes.end() || it->second == 0) {
      return corrupt(name, "legacy storage " + k->text + " has no known element type");
    }
    if (pos + 8 > bytes.size()) return corrupt(name, "legacy storage " + k->text + ": file ends before its size");
    std::int64_t count = 0;
    std::memcpy(&count, bytes.data() + pos, 8);
    if (count < 0 || static_cast<std::uint64_t>(count) > (bytes.size() - pos - 8) / it->second) {
      return corrupt(
          name, "legacy storage " + k->text + ": " + std::to_string(count) + " elements run past the end of the file");
    }
    const std::uint64_t len = static_cast<std::uint64_t>(count) * it->second;
    records[k->text] = {"legacy storage " + k->text, pos + 8, len, nullptr};
    pos += 8 + len;
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string& key = layout.tensors[i]->items[0]->storage_key;
    auto it = records.find(key);
    if (it == records.end()) {
      return corrupt(name, "legacy storage " + key + " for the " + kTensorNames[i] + " tensor is missing");
    }
    layout.records[i] = it->second;
  }
  return {};
}

// === Reading tensor bytes ===

bool is_contiguous(const Value& t) {
  std::int64_t expect = 1;
  for (std::size_t d = t.shape.size(); d-- > 0;) {
    if (t.shape[d] != 1 && t.stride[d] != expect) return false;
    expect *= t.shape[d];
  }
  return true;
}

void gather(const char* src, char* dst, std::size_t itemsize, const Value& t) {
  const std::size_t rank = t.shape.size();
  std::int64_t numel = 1;
  for (auto s : t.shape) numel *= s;
  if (numel == 0) return;
  std::vector<std::int64_t> idx(rank, 0);
  for (std::int64_t n = 0; n < numel; ++n) {
    std::int64_t off = t.storage_offset;
    for (std::size_t d = 0; d < rank; ++d) off += idx[d] * t.stride[d];
    std::memcpy(dst + n * itemsize, src + off * itemsize, itemsize);
    for (std::size_t d = rank; d-- > 0;) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
}

Status read_record(const ByteSource& src, const Record& r, char* dst, bool verify) {
  if (r.entry) return read_zip_entry(src, *r.entry, dst, verify);
  return src.read(r.offset, r.size, dst);
}

/// Fill one destination buffer (already sized) from its record.
Status load_tensor(const ByteSource& src, std::string_view name, const Layout& layout, std::size_t i, char* dst,
                   bool verify) {
  const Value& t = *layout.tensors[i];
  const Record& r = layout.records[i];
  const auto dt = pickle::storage_dtype(t.items[0]->storage_type);
  const std::size_t itemsize = dt.itemsize;
  std::int64_t numel = 1;
  for (auto s : t.shape) numel *= s;
  // Another dtype than the Partition holds (validate() accepted it): read, then convert.
  const bool convert = dt.dtype != kTensorDtypes[i];
  std::vector<char> converted;
  char* const out = dst;
  if (convert) {
    converted.resize(static_cast<std::size_t>(numel) * itemsize);
    dst = converted.data();
  }
  Status st;
  if (t.storage_offset == 0 && is_contiguous(t) && static_cast<std::uint64_t>(numel) * itemsize == r.size) {
    st = read_record(src, r, dst, verify);  // the common case: straight into the tensor
  } else {
    std::vector<char> storage(r.size);
    st = read_record(src, r, storage.data(), verify);
    if (st.ok()) gather(storage.data(), dst, itemsize, t);
  }
  if (!st.ok()) return rewrap(name, st.error());
  if (convert) {
    const std::string_view to = kTensorDtypes[i];
    for (std::size_t k = 0; k < static_cast<std::size_t>(numel); ++k) {
      const double v = element_as_double(converted.data(), dt.dtype, k);
      if (to == "float64") {
        std::memcpy(out + k * 8, &v, 8);
      } else {
        float f = static_cast<float>(v);
        if (dt.dtype == "int64") {  // one rounding, int64 → float32, as .float() does (not via double)
          std::int64_t x;
          std::memcpy(&x, converted.data() + k * 8, 8);
          f = static_cast<float>(x);
        }
        std::memcpy(out + k * 4, &f, 4);
      }
    }
  }
  return {};
}

Status parse_source(const ByteSource& src, std::string_view name, Partition& out, const ReadOptions& options,
                    Layout* describe_only) {
  char magic[4] = {};
  if (src.size() == 0) return corrupt(name, "file is empty (0 bytes): not a torch.save file");
  const std::size_t head_len = static_cast<std::size_t>(std::min<std::uint64_t>(src.size(), 8));
  auto head = src.read_string(0, head_len);
  if (!head.ok()) return rewrap(name, head.error());
  std::memcpy(magic, head->data(), std::min<std::size_t>(4, head_len));
  Layout local;
  Layout& layout = describe_only ? *describe_only : local;
  layout.info.bytes = src.size();
  std::string legacy_bytes;
  std::unique_ptr<MemorySource> legacy_source;
  const ByteSource* data_source = &src;
  if (head_len >= 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) {
    if (auto st = open_zip(src, name, options, layout); !st.ok()) return st;
  } else if (head_len >= 4 && std::memcmp(magic, "\x80\x02\x8a\x0a", 4) == 0) {
    auto all = src.read_string(0, static_cast<std::size_t>(src.size()));
    if (!all.ok()) return rewrap(name, all.error());
    legacy_bytes = std::move(*all);
    if (auto st = open_legacy(legacy_bytes, name, options, layout); !st.ok()) return st;
    legacy_source = std::make_unique<MemorySource>(legacy_bytes);
    data_source = legacy_source.get();
  } else {
    return corrupt(name, "not a torch.save file: starts with bytes " + printable_prefix(*head) +
                             " (expected a zip archive 'PK\\x03\\x04' or a legacy pickle '\\x80\\x02\\x8a\\x0a')");
  }
  if (auto st = validate(layout, name); !st.ok()) return st;
  if (describe_only) return {};

  const auto n = layout.samples;
  out.samples = n;
  out.images.resize(static_cast<std::size_t>(n * kImageElements));
  out.magnitudes.resize(static_cast<std::size_t>(n * kMagnitudes));
  out.redshift.resize(static_cast<std::size_t>(n));
  std::array<char*, 3> dst = {reinterpret_cast<char*>(out.images.data()),
                              reinterpret_cast<char*>(out.magnitudes.data()),
                              reinterpret_cast<char*>(out.redshift.data())};
  for (std::size_t i = 0; i < 3; ++i) {
    if (auto st = load_tensor(*data_source, name, layout, i, dst[i], options.verify_crc); !st.ok()) return st;
    if (layout.records[i].entry) layout.read_names.insert(layout.records[i].name);
  }
  if (options.verify_crc) {  // every other record too ("CRC-32 of every zip record")
    for (const auto& e : layout.zip.entries) {
      if (layout.read_names.count(e.name)) continue;
      std::string scratch(e.size, '\0');
      if (auto st = read_zip_entry(src, e, scratch.data(), true); !st.ok()) return rewrap(name, st.error());
    }
  }
  return {};
}

/// An mmap of a whole file, unmapped on destruction.
struct Mapping {
  void* addr = MAP_FAILED;
  std::size_t length = 0;
  ~Mapping() {
    if (addr != MAP_FAILED) ::munmap(addr, length);
  }
};

}  // namespace

// === Public API ===

Status read_partition_source_into(const ByteSource& source, std::string_view name, Partition& out,
                                  const ReadOptions& options) {
  return parse_source(source, name, out, options, nullptr);
}

Status parse_partition_into(std::string_view bytes, std::string_view name, Partition& out, const ReadOptions& options) {
  MemorySource src(bytes);
  return parse_source(src, name, out, options, nullptr);
}

Result<Partition> parse_partition(std::string_view bytes, std::string_view name, const ReadOptions& options) {
  Partition p;
  if (auto st = parse_partition_into(bytes, name, p, options); !st.ok()) return st.error();
  return p;
}

Result<Partition> parse_partition(std::string_view bytes, std::string_view name) {
  return parse_partition(bytes, name, ReadOptions{});
}

Status read_partition_file_into(const std::string& path, Partition& out, const ReadOptions& options) {
  const std::string& name = options.display_name.empty() ? path : options.display_name;
  auto file = FileSource::open(path);
  if (!file.ok()) return rewrap(name, file.error());
  if (!options.use_mmap || (*file)->size() == 0) return parse_source(**file, name, out, options, nullptr);
  Mapping map;
  map.length = static_cast<std::size_t>((*file)->size());
  map.addr = ::mmap(nullptr, map.length, PROT_READ, MAP_PRIVATE | MAP_POPULATE, (*file)->fd(), 0);
  if (map.addr == MAP_FAILED) return fail(name, ErrorCode::kIo, std::string("mmap failed: ") + std::strerror(errno));
  ::madvise(map.addr, map.length, MADV_SEQUENTIAL);
  MemorySource src(std::string_view(static_cast<const char*>(map.addr), map.length));
  return parse_source(src, name, out, options, nullptr);
}

Result<Partition> read_partition_file(const std::string& path, const ReadOptions& options) {
  Partition p;
  if (auto st = read_partition_file_into(path, p, options); !st.ok()) return st.error();
  return p;
}

Result<Partition> read_partition_file(const std::string& path) { return read_partition_file(path, ReadOptions{}); }

Result<PartitionInfo> describe_partition_file(const std::string& path, const ReadOptions& options) {
  auto file = FileSource::open(path);
  if (!file.ok()) return rewrap(path, file.error());
  Layout layout;
  Partition unused;
  if (auto st = parse_source(**file, path, unused, options, &layout); !st.ok()) return st.error();
  return layout.info;
}

}  // namespace cosmicai::data
