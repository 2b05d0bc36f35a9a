// serialize_partition: the bytes PyTorch 1.13's torch.save writes for a TensorDataset
// (FORMAT.md sections 1 and 2), reproduced exactly.
#include <array>
#include <cstring>
#include <map>
#include <stdexcept>

#include "data/crc32.hpp"
#include "data/partition.hpp"

namespace cosmicai::data {

namespace {

// === A minimal pickler (protocol 2) with Python's memo behaviour ===

class Pickler {
 public:
  std::string out;

  void proto() { out += "\x80\x02"; }
  void stop() { out += '.'; }
  void mark() { out += '('; }
  void op(char c) { out += c; }
  /// GLOBAL, memoised by name the first time (Python memoises the class object).
  void global(const std::string& module, const std::string& name) {
    const std::string id = "g:" + module + " " + name;
    if (get(id)) return;
    out += 'c' + module + '\n' + name + '\n';
    put(id);
  }
  /// BINUNICODE, memoised by value (the same str object in torch's pickling).
  void str(const std::string& s) {
    const std::string id = "s:" + s;
    if (get(id)) return;
    out += 'X';
    le32(static_cast<std::uint32_t>(s.size()));
    out += s;
    put(id);
  }
  /// Integers the way pickle's save_long encodes them for protocol 2.
  void integer(std::int64_t v) {
    if (v >= 0 && v <= 0xFF) {
      out += 'K';
      out += static_cast<char>(v);
    } else if (v >= 0 && v <= 0xFFFF) {
      out += 'M';
      out += static_cast<char>(v & 0xFF);
      out += static_cast<char>(v >> 8);
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      out += 'J';
      le32(static_cast<std::uint32_t>(static_cast<std::int32_t>(v)));
    } else {  // LONG1: minimal little-endian two's complement
      std::string bytes;
      std::int64_t x = v;
      for (;;) {
        bytes += static_cast<char>(x & 0xFF);
        const bool sign = bytes.back() & 0x80;
        x >>= 8;
        if ((x == 0 && !sign) || (x == -1 && sign)) break;
      }
      out += '\x8a';
      out += static_cast<char>(bytes.size());
      out += bytes;
    }
  }
  /// A tuple of ints, as save_tuple writes it (TUPLE1/2/3 or MARK … TUPLE), then memoised.
  void int_tuple(const std::vector<std::int64_t>& v) {
    if (v.empty()) {
      out += ')';
      return;
    }
    if (v.size() > 3) mark();
    for (auto x : v) integer(x);
    static const char kSmall[] = {'\x85', '\x86', '\x87'};
    out += v.size() > 3 ? 't' : kSmall[v.size() - 1];
    put_anonymous();
  }
  /// Memoise the object on top of the stack that no one will look up again.
  void put_anonymous() { binput(next_++); }

 private:
  bool get(const std::string& id) {
    auto it = memo_.find(id);
    if (it == memo_.end()) return false;
    const std::uint32_t i = it->second;
    if (i < 256) {
      out += 'h';
      out += static_cast<char>(i);
    } else {
      out += 'j';
      le32(i);
    }
    return true;
  }
  void put(const std::string& id) {
    memo_[id] = next_;
    binput(next_++);
  }
  void binput(std::uint32_t i) {
    if (i < 256) {
      out += 'q';
      out += static_cast<char>(i);
    } else {
      out += 'r';
      le32(i);
    }
  }
  void le32(std::uint32_t v) {
    for (int k = 0; k < 4; ++k) out += static_cast<char>((v >> (8 * k)) & 0xFF);
  }

  std::map<std::string, std::uint32_t> memo_;
  std::uint32_t next_ = 0;
};

struct TensorSpec {
  const char* storage_type;
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> stride;
  std::int64_t numel;
};

std::array<TensorSpec, 3> specs(std::int64_t n) {
  return {TensorSpec{"FloatStorage",
                     {n, kChannels, kImageSize, kImageSize},
                     {kImageElements, kImageSize * kImageSize, kImageSize, 1},
                     n * kImageElements},
          TensorSpec{"DoubleStorage", {n, kMagnitudes}, {kMagnitudes, 1}, n * kMagnitudes},
          TensorSpec{"FloatStorage", {n}, {1}, n}};
}

/// data.pkl of a TensorDataset(images, magnitudes, redshift), byte for byte as torch 1.13.
std::string dataset_pickle(std::int64_t n) {
  Pickler p;
  p.proto();
  p.global("torch.utils.data.dataset", "TensorDataset");
  p.op(')');
  p.op('\x81');  // NEWOBJ
  p.put_anonymous();
  p.op('}');
  p.put_anonymous();
  p.str("tensors");
  int key = 0;
  for (const auto& t : specs(n)) {
    p.global("torch._utils", "_rebuild_tensor_v2");
    p.mark();
    p.mark();  // persistent id ('storage', type, key, 'cpu', numel)
    p.str("storage");
    p.global("torch", t.storage_type);
    p.str(std::to_string(key++));
    p.str("cpu");
    p.integer(t.numel);
    p.op('t');
    p.put_anonymous();
    p.op('Q');     // BINPERSID
    p.integer(0);  // storage offset
    p.int_tuple(t.shape);
    p.int_tuple(t.stride);
    p.op('\x89');  // requires_grad = False
    p.global("collections", "OrderedDict");
    p.op(')');
    p.op('R');
    p.put_anonymous();
    p.op('t');
    p.put_anonymous();
    p.op('R');
    p.put_anonymous();
  }
  p.op('\x87');  // TUPLE3
  p.put_anonymous();
  p.op('s');  // SETITEM
  p.op('b');  // BUILD
  p.stop();
  return std::move(p.out);
}

// === Zip container ===

struct ZipRecord {
  std::string name;
  const char* data;
  std::uint64_t size;
  std::uint64_t offset = 0;  ///< local header
  std::uint16_t padding = 0;
  std::uint32_t crc = 0;
};

constexpr std::uint64_t kAlign = 64;

/// Lay the records out (offsets and alignment padding) and return the archive size.
std::uint64_t plan(std::vector<ZipRecord>& records) {
  std::uint64_t cursor = 0;
  for (auto& r : records) {
    r.offset = cursor;
    const std::uint64_t start = cursor + 30 + r.name.size() + 4;  // after the FB extra field's header
    r.padding = static_cast<std::uint16_t>((kAlign - start % kAlign) % kAlign);
    cursor = start + r.padding + r.size + 16;  // payload + data descriptor
  }
  std::uint64_t cd = 0;
  for (const auto& r : records) cd += 46 + r.name.size();
  return cursor + cd + 56 + 20 + 22;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u16(std::uint16_t v) { raw(&v, 2); }
  void u32(std::uint32_t v) { raw(&v, 4); }
  void u64(std::uint64_t v) { raw(&v, 8); }
  void raw(const void* p, std::size_t n) {
    if (n == 0) return;  // an empty tensor's data may be null, which memcpy must not see
    std::memcpy(out_.data() + pos_, p, n);
    pos_ += n;
  }
  void fill(char c, std::size_t n) {
    std::memset(out_.data() + pos_, c, n);
    pos_ += n;
  }
  std::uint64_t pos() const { return pos_; }

 private:
  std::string& out_;
  std::uint64_t pos_ = 0;
};

std::vector<ZipRecord> records_for(const Partition& p, std::string_view root, const std::string& pkl,
                                   const std::string& version) {
  const std::string r(root);
  return {{r + "/data.pkl", pkl.data(), pkl.size()},
          {r + "/data/0", reinterpret_cast<const char*>(p.images.data()), p.images.size() * sizeof(float)},
          {r + "/data/1", reinterpret_cast<const char*>(p.magnitudes.data()), p.magnitudes.size() * sizeof(double)},
          {r + "/data/2", reinterpret_cast<const char*>(p.redshift.data()), p.redshift.size() * sizeof(float)},
          {r + "/version", version.data(), version.size()}};
}

}  // namespace

std::string serialize_partition(const Partition& partition, std::string_view root) {
  std::string out;
  serialize_partition_into(partition, root, out);
  return out;
}

void serialize_partition_into(const Partition& partition, std::string_view root, std::string& out) {
  const auto n = partition.samples;
  if (n < 0 || partition.images.size() != static_cast<std::size_t>(n * kImageElements) ||
      partition.magnitudes.size() != static_cast<std::size_t>(n * kMagnitudes) ||
      partition.redshift.size() != static_cast<std::size_t>(n)) {
    throw std::invalid_argument("serialize_partition: tensor sizes do not match samples = " + std::to_string(n));
  }
  const std::string pkl = dataset_pickle(n);
  const std::string version = "3\n";
  auto records = records_for(partition, root, pkl, version);
  const std::uint64_t total = plan(records);
  if (total >= 0xFFFFFFFFull)
    throw std::invalid_argument("serialize_partition: partitions of 4 GiB or more are not supported");
  out.resize(total);
  Writer w(out);
  for (auto& r : records) {
    r.crc = crc32_update(0, r.data, r.size);
    w.raw("PK\x03\x04", 4);
    w.u16(0);       // version needed
    w.u16(0x0808);  // data descriptor follows; UTF-8 name
    w.u16(0);       // STORED
    w.u16(0);       // time
    w.u16(0);       // date
    w.u32(0);       // crc, sizes: in the data descriptor
    w.u32(0);
    w.u32(0);
    w.u16(static_cast<std::uint16_t>(r.name.size()));
    w.u16(static_cast<std::uint16_t>(4 + r.padding));
    w.raw(r.name.data(), r.name.size());
    w.raw("FB", 2);
    w.u16(r.padding);
    w.fill('Z', r.padding);
    w.raw(r.data, r.size);
    w.raw("PK\x07\x08", 4);
    w.u32(r.crc);
    w.u32(static_cast<std::uint32_t>(r.size));
    w.u32(static_cast<std::uint32_t>(r.size));
  }
  const std::uint64_t cd_offset = w.pos();
  for (const auto& r : records) {
    w.raw("PK\x01\x02", 4);
    w.u16(0);  // made by
    w.u16(0);  // needed
    w.u16(0x0808);
    w.u16(0);
    w.u16(0);
    w.u16(0);
    w.u32(r.crc);
    w.u32(static_cast<std::uint32_t>(r.size));
    w.u32(static_cast<std::uint32_t>(r.size));
    w.u16(static_cast<std::uint16_t>(r.name.size()));
    w.u16(0);  // extra
    w.u16(0);  // comment
    w.u16(0);  // disk
    w.u16(0);  // internal attributes
    w.u32(0);  // external attributes
    w.u32(static_cast<std::uint32_t>(r.offset));
    w.raw(r.name.data(), r.name.size());
  }
  const std::uint64_t cd_size = w.pos() - cd_offset;
  const std::uint64_t z64 = w.pos();
  w.raw("PK\x06\x06", 4);
  w.u64(44);
  w.u16(0x031E);
  w.u16(45);
  w.u32(0);
  w.u32(0);
  w.u64(records.size());
  w.u64(records.size());
  w.u64(cd_size);
  w.u64(cd_offset);
  w.raw("PK\x06\x07", 4);
  w.u32(0);
  w.u64(z64);
  w.u32(1);
  w.raw("PK\x05\x06", 4);
  w.u16(0);
  w.u16(0);
  w.u16(static_cast<std::uint16_t>(records.size()));
  w.u16(static_cast<std::uint16_t>(records.size()));
  w.u32(static_cast<std::uint32_t>(cd_size));
  w.u32(static_cast<std::uint32_t>(cd_offset));
  w.u16(0);
}

std::uint64_t serialized_partition_size(std::int64_t samples, std::string_view root) {
  const std::string pkl = dataset_pickle(samples);
  const std::string r(root);
  std::vector<ZipRecord> records = {
      {r + "/data.pkl", nullptr, pkl.size()},
      {r + "/data/0", nullptr, static_cast<std::uint64_t>(samples * kImageElements) * sizeof(float)},
      {r + "/data/1", nullptr, static_cast<std::uint64_t>(samples * kMagnitudes) * sizeof(double)},
      {r + "/data/2", nullptr, static_cast<std::uint64_t>(samples) * sizeof(float)},
      {r + "/version", nullptr, 2}};
  return plan(records);
}

}  // namespace cosmicai::data
