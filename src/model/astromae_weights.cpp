// AstroMAE's named tensors: the state-dict layout, seeded initialisation and validated loading.
#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>

#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <set>

#include "model/astromae.hpp"

namespace cosmicai::model {
namespace {

constexpr std::int64_t kEmbed = 192;
constexpr std::int64_t kDepth = 12;
constexpr std::int64_t kGrid = 4;

// === State-dict layout ===

class SpecBuilder {
 public:
  std::vector<TensorSpec> specs;

  void param(std::string name, std::vector<std::int64_t> shape, InitRule rule, double a = 0, double b = 0) {
    specs.push_back({std::move(name), std::move(shape), true, rule, a, b, {}});
  }
  void buffer(std::string name, std::vector<std::int64_t> shape, InitRule rule, double a = 0, double b = 0) {
    specs.push_back({std::move(name), std::move(shape), false, rule, a, b, {}});
  }
  void linear(const std::string& p, std::int64_t out, std::int64_t in, bool bias = true) {
    param(p + ".weight", {out, in}, InitRule::kFanInUniform, static_cast<double>(in));
    if (bias) param(p + ".bias", {out}, InitRule::kFanInUniform, static_cast<double>(in));
  }
  void conv(const std::string& p, std::int64_t out, std::int64_t in_per_group, std::int64_t k) {
    const auto fan_in = static_cast<double>(in_per_group * k * k);
    param(p + ".weight", {out, in_per_group, k, k}, InitRule::kFanInUniform, fan_in);
    param(p + ".bias", {out}, InitRule::kFanInUniform, fan_in);
  }
  void batch_norm(const std::string& p, std::int64_t c) {
    param(p + ".weight", {c}, InitRule::kUniform, 0.8, 1.2);
    param(p + ".bias", {c}, InitRule::kNormal, 0.05);
    buffer(p + ".running_mean", {c}, InitRule::kNormal, 0.1);
    buffer(p + ".running_var", {c}, InitRule::kUniform, 0.5, 2.0);
    buffer(p + ".num_batches_tracked", {}, InitRule::kCount);
  }
  void layer_norm(const std::string& p, std::int64_t c) {
    param(p + ".weight", {c}, InitRule::kOnePlusNormal, 0.05);
    param(p + ".bias", {c}, InitRule::kNormal, 0.02);
  }
  void conv_block(const std::string& p, std::int64_t out, std::int64_t in, std::int64_t k) {
    conv(p + ".conv", out, in, k);
    batch_norm(p + ".bn", out);
  }
};

std::vector<TensorSpec> build_specs() {
  SpecBuilder s;
  s.param("cls_token", {1, 1, kEmbed}, InitRule::kNormal, 0.02);
  s.param("pos_embed", {1, kGrid * kGrid + 1, kEmbed}, InitRule::kSinCos);
  s.layer_norm("fc_norm", kEmbed);
  s.linear("head", kEmbed, kEmbed);
  s.conv("inception_model.conv2d_init", 32, 5, 1);
  for (int i = 0; i <= 8; i += 2)
    s.linear(fmt::format("inception_model.magnitude_block.{}", i), 1024, i == 0 ? 5 : 1024);
  for (const char* leaf : {"weight", "bias"}) {
    TensorSpec alias;
    alias.name = fmt::format("inception_model.vis_inception.0.{}", leaf);
    alias.alias_of = fmt::format("inception_model.conv2d_init.{}", leaf);
    alias.shape =
        leaf == std::string("weight") ? std::vector<std::int64_t>{32, 5, 1, 1} : std::vector<std::int64_t>{32};
    s.specs.push_back(alias);
  }
  // photoz.py config: (index in vis_inception, input channels, channels per branch)
  const std::int64_t inception[5][3] = {{2, 32, 16}, {3, 64, 16}, {5, 64, 8}, {6, 32, 8}, {8, 32, 4}};
  for (const auto& [idx, in, c] : inception) {
    const std::string p = fmt::format("inception_model.vis_inception.{}", idx);
    s.conv_block(p + ".branch1", c, in, 1);
    s.conv_block(p + ".branch2.0", c, in, 1);
    s.conv_block(p + ".branch2.1", c, c, 3);
    s.conv_block(p + ".branch3.0", c, in, 1);
    s.conv_block(p + ".branch3.1", c, c, 5);
    s.conv_block(p + ".branch4.1", c, in, 1);
  }
  s.linear("inception_model.vis_inception.10", 1096, kEmbed);
  s.linear("inception_model.vis_inception.12", 1096, 1096);
  for (std::int64_t i = 0; i < kDepth; ++i) {
    const std::string p = fmt::format("blocks.{}", i);
    s.layer_norm(p + ".norm1", kEmbed);
    s.param(p + ".attn.q_bias", {kEmbed}, InitRule::kNormal, 0.02);
    s.param(p + ".attn.v_bias", {kEmbed}, InitRule::kNormal, 0.02);
    s.linear(p + ".attn.qkv", 3 * kEmbed, kEmbed, /*bias=*/false);
    s.linear(p + ".attn.proj", kEmbed, kEmbed);
    s.layer_norm(p + ".norm2", kEmbed);
    s.linear(p + ".mlp.fc1", 4 * kEmbed, kEmbed);
    s.linear(p + ".mlp.fc2", kEmbed, 4 * kEmbed);
    s.conv(p + ".PCM.0", 4 * kEmbed, 4, 1);  // groups 48: 4 input channels per group
    s.batch_norm(p + ".PCM.1", 4 * kEmbed);
    s.conv(p + ".PCM.3", kEmbed, 16, 1);  // groups 48: 16 input channels per group
  }
  s.conv("patch_embed.proj", kEmbed, 5, 8);
  s.linear("vit_block.0", 1096, kEmbed);
  s.linear("vit_block.2", 1096, 1096);
  s.linear("concat_block.0", 1024, 3216);
  s.linear("concat_block.2", 1, 1024);
  return s.specs;
}

// MAE's get_2d_sincos_pos_embed(192, 4, cls_token=True), computed in float64 like numpy.
at::Tensor sincos_table() {
  at::Tensor t = at::zeros({1, kGrid * kGrid + 1, kEmbed}, at::kDouble);
  auto acc = t.accessor<double, 3>();
  const std::int64_t quarter = kEmbed / 4;  // 48 frequencies per (sin|cos) × (w|h)
  for (std::int64_t h = 0; h < kGrid; ++h) {
    for (std::int64_t w = 0; w < kGrid; ++w) {
      const std::int64_t row = 1 + h * kGrid + w;
      for (std::int64_t i = 0; i < quarter; ++i) {
        const double omega = 1.0 / std::pow(10000.0, static_cast<double>(i) / static_cast<double>(quarter));
        const double pw = static_cast<double>(w) * omega;  // grid[0] holds the column index
        const double ph = static_cast<double>(h) * omega;
        acc[0][row][i] = std::sin(pw);
        acc[0][row][quarter + i] = std::cos(pw);
        acc[0][row][2 * quarter + i] = std::sin(ph);
        acc[0][row][3 * quarter + i] = std::cos(ph);
      }
    }
  }
  return t.to(at::kFloat);
}

std::string shape_str(at::IntArrayRef shape) { return fmt::format("[{}]", fmt::join(shape.begin(), shape.end(), ",")); }

std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 8;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > kShown) out += fmt::format(", ... and {} more", names.size() - kShown);
  return out;
}

bool is_count(const std::string& name) {
  static const std::string kSuffix = "num_batches_tracked";
  return name.size() >= kSuffix.size() && name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

}  // namespace

const std::vector<TensorSpec>& astromae_specs() {
  static const std::vector<TensorSpec> specs = build_specs();
  return specs;
}

// === Weights ===

AstroMaeWeights AstroMaeWeights::seeded(std::uint64_t seed) {
  AstroMaeWeights w;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  for (const TensorSpec& spec : astromae_specs()) {
    if (!spec.alias_of.empty()) continue;
    at::Tensor t;
    switch (spec.rule) {
      case InitRule::kFanInUniform: {
        const double bound = 1.0 / std::sqrt(spec.a);
        t = at::empty(spec.shape, at::kFloat).uniform_(-bound, bound, gen);
        break;
      }
      case InitRule::kNormal:
        t = at::empty(spec.shape, at::kFloat).normal_(0.0, spec.a, gen);
        break;
      case InitRule::kOnePlusNormal:
        t = at::empty(spec.shape, at::kFloat).normal_(1.0, spec.a, gen);
        break;
      case InitRule::kUniform:
        t = at::empty(spec.shape, at::kFloat).uniform_(spec.a, spec.b, gen);
        break;
      case InitRule::kSinCos:
        t = sincos_table();
        break;
      case InitRule::kZero:
        t = at::zeros(spec.shape, at::kFloat);
        break;
      case InitRule::kCount:
        t = at::full(spec.shape, 1000, at::kLong);
        break;
    }
    w.tensors_.emplace(spec.name, t);
  }
  return w;
}

Result<AstroMaeWeights> AstroMaeWeights::from_named(const std::map<std::string, at::Tensor>& named,
                                                    std::string_view source) {
  std::map<std::string, const TensorSpec*> by_name;
  for (const TensorSpec& spec : astromae_specs()) by_name.emplace(spec.name, &spec);

  std::vector<std::string> unexpected, missing, problems;
  for (const auto& [name, tensor] : named) {
    if (by_name.count(name) == 0) unexpected.push_back(name);
  }
  AstroMaeWeights w;
  for (const TensorSpec& spec : astromae_specs()) {
    auto it = named.find(spec.name);
    if (it == named.end()) {
      if (spec.alias_of.empty() && !is_count(spec.name)) missing.push_back(spec.name);
      continue;
    }
    const at::Tensor& t = it->second;
    if (!t.defined()) {
      problems.push_back(fmt::format("{} is undefined", spec.name));
      continue;
    }
    if (t.sizes() != at::IntArrayRef(spec.shape)) {
      problems.push_back(
          fmt::format("{} has shape {}, expected {}", spec.name, shape_str(t.sizes()), shape_str(spec.shape)));
      continue;
    }
    if (is_count(spec.name)) continue;  // irrelevant at inference
    if (!at::isFloatingType(t.scalar_type())) {
      problems.push_back(fmt::format("{} has dtype {}, expected a floating-point tensor", spec.name,
                                     std::string(c10::toString(t.scalar_type()))));
      continue;
    }
    at::Tensor value = t.detach().to(at::kCPU).to(at::kFloat).contiguous().clone();
    if (!std::isfinite(value.abs().max().item<double>())) {
      problems.push_back(fmt::format("{} contains NaN or infinite values", spec.name));
      continue;
    }
    if (!spec.alias_of.empty()) {
      auto orig = named.find(spec.alias_of);
      if (orig != named.end() && orig->second.sizes() == t.sizes() &&
          !at::equal(orig->second.detach().to(at::kFloat), value)) {
        problems.push_back(
            fmt::format("{} differs from {} (they are the same module in AstroMAE)", spec.name, spec.alias_of));
      } else if (orig == named.end()) {
        w.tensors_.emplace(spec.alias_of, value);  // only the alias name was given
      }
      continue;
    }
    w.tensors_.emplace(spec.name, value);
  }
  // An original that is absent but supplied through its alias is not missing.
  std::erase_if(missing, [&](const std::string& n) { return w.tensors_.count(n) != 0; });
  if (!missing.empty() || !unexpected.empty() || !problems.empty()) {
    std::string msg = fmt::format("model weights {}: do not fit the built-in AstroMAE", source);
    if (!missing.empty()) msg += fmt::format("; missing {} tensor(s): {}", missing.size(), list_names(missing));
    if (!unexpected.empty())
      msg += fmt::format("; unexpected {} tensor(s): {}", unexpected.size(), list_names(unexpected));
    if (!problems.empty()) msg += "; " + list_names(problems);
    return make_error(ErrorCode::kInvalidArgument, msg);
  }
  for (const TensorSpec& spec : astromae_specs()) {
    if (is_count(spec.name) && spec.alias_of.empty() && w.tensors_.count(spec.name) == 0)
      w.tensors_.emplace(spec.name, at::full({}, 1000, at::kLong));
  }
  return w;
}

const at::Tensor& AstroMaeWeights::get(const std::string& name) const {
  auto it = tensors_.find(name);
  assert(it != tensors_.end() && "unknown AstroMAE tensor name");
  return it->second;
}

namespace {

// A 64-bit digest with xxHash64's round and avalanche functions over four interleaved lanes (not
// bit-compatible with XXH64 itself): ~10 ms for the 64 MB of AstroMAE's weights.
class Digest {
 public:
  void bytes(const void* data, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (; n > 0 && fill_ > 0; --n) push_byte(*p++);  // finish a pending word first
    for (; n >= 32; n -= 32, p += 32) {
      std::uint64_t w[4];
      std::memcpy(w, p, 32);
      for (int i = 0; i < 4; ++i) lane_[i] = round(lane_[i], w[i]);
    }
    for (; n > 0; --n) push_byte(*p++);
  }
  void value(std::uint64_t v) { bytes(&v, sizeof v); }
  std::uint64_t finish() {
    while (fill_ > 0) push_byte(0);
    std::uint64_t h =
        std::rotl(lane_[0], 1) + std::rotl(lane_[1], 7) + std::rotl(lane_[2], 12) + std::rotl(lane_[3], 18);
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
  }

 private:
  static constexpr std::uint64_t kP1 = 0x9E3779B185EBCA87ULL, kP2 = 0xC2B2AE3D27D4EB4FULL, kP3 = 0x165667B19E3779F9ULL;
  static std::uint64_t round(std::uint64_t acc, std::uint64_t w) { return std::rotl(acc + w * kP2, 31) * kP1; }
  void push_byte(unsigned char b) {
    pending_[fill_++] = b;
    if (fill_ == 32) {
      fill_ = 0;
      bytes(pending_, 32);
    }
  }
  std::uint64_t lane_[4] = {kP1 + kP2, kP2, 0, 0 - kP1};
  unsigned char pending_[32] = {};
  std::size_t fill_ = 0;
};

}  // namespace

std::uint64_t AstroMaeWeights::digest() const {
  Digest d;
  for (const auto& [name, t] : tensors_) {  // by name
    if (is_count(name)) continue;
    d.bytes(name.data(), name.size() + 1);
    d.value(static_cast<std::uint64_t>(t.dim()));
    for (const std::int64_t s : t.sizes()) d.value(static_cast<std::uint64_t>(s));
    d.bytes(t.data_ptr<float>(), static_cast<std::size_t>(t.numel()) * sizeof(float));
  }
  return d.finish();
}

std::int64_t AstroMaeWeights::parameter_count() const {
  std::int64_t n = 0;
  for (const TensorSpec& spec : astromae_specs()) {
    if (spec.parameter && spec.alias_of.empty()) n += tensors_.at(spec.name).numel();
  }
  return n;
}

}  // namespace cosmicai::model
