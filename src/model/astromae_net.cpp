// AstroMAE's inference forward: folded weights, GEMMs into preallocated buffers, ATen for the rest.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/synthetic.hpp"
#include "model/astromae.hpp"
#include "model/int8_calibrations.hpp"
#include "model/kernels.hpp"
#include "model/op_profile.hpp"

namespace cosmicai::model {
namespace {

using profile::OpTimer;

constexpr std::int64_t kEmbed = 192;
constexpr std::int64_t kTokens = 17;  // cls + 4×4 patches
constexpr std::int64_t kPatches = 16;
constexpr std::int64_t kPcmGroups = 48;
constexpr double kLnEps = 1e-6;
constexpr double kBnEps = 1e-5;
constexpr std::int64_t kVitOut = 1096;
constexpr std::int64_t kIncOut = 1096;
constexpr std::int64_t kMagOut = 1024;

// BatchNorm(eval) after a convolution, folded into the convolution's weight and bias (in float64).
std::pair<at::Tensor, at::Tensor> fold_bn(const AstroMaeWeights& w, const std::string& conv, const std::string& bn) {
  at::Tensor cw = w.get(conv + ".weight").to(at::kDouble);
  at::Tensor cb = w.get(conv + ".bias").to(at::kDouble);
  at::Tensor scale =
      w.get(bn + ".weight").to(at::kDouble) / (w.get(bn + ".running_var").to(at::kDouble) + kBnEps).sqrt();
  at::Tensor shift = w.get(bn + ".bias").to(at::kDouble) - w.get(bn + ".running_mean").to(at::kDouble) * scale;
  std::vector<std::int64_t> bshape(cw.dim(), 1);
  bshape[0] = -1;
  return {(cw * scale.view(bshape)).to(at::kFloat).contiguous(), (cb * scale + shift).to(at::kFloat).contiguous()};
}

// 3×3 max pooling, stride 1, padding 1 (ATen's max_pool2d is ~10× slower at these shapes).
at::Tensor max_pool3x3(const at::Tensor& x) {
  at::Tensor in = x.contiguous();
  at::Tensor out = at::empty_like(in);
  kernels::max_pool_3x3(in.data_ptr<float>(), out.data_ptr<float>(), in.size(0) * in.size(1),
                        static_cast<int>(in.size(2)), static_cast<int>(in.size(3)));
  return out;
}

// LayerNorm over the last dimension (eps 1e-6) of a 2-D float32 tensor with unit column stride;
// a defined `add_first` is added to x in place first (kernels::layer_norm).
at::Tensor layer_norm(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b,
                      const at::Tensor& add_first = at::Tensor()) {
  at::Tensor y = at::empty({x.size(0), x.size(1)}, x.options());
  kernels::layer_norm(x.data_ptr<float>(), x.stride(0), y.data_ptr<float>(), x.size(0), x.size(1), w.data_ptr<float>(),
                      b.data_ptr<float>(), static_cast<float>(kLnEps),
                      add_first.defined() ? add_first.data_ptr<float>() : nullptr);
  return y;
}

// The weight (N,K) and bias (N) of `outer` after `inner` when nothing lies between them:
// outer(inner(x)) = (Wo·Wi) x + (Wo·bi + bo). `outer_w` may be a column slice of a wider layer (its
// bias then added once by the caller: pass an undefined `outer_b`). The product is float32, as the
// two layers' own products are (float64 made the model load ~90 ms slower for no measurable
// difference in the outputs); the bias, a few thousand values, float64.
std::pair<at::Tensor, at::Tensor> compose_affine(const at::Tensor& outer_w, const at::Tensor& outer_b,
                                                 const at::Tensor& inner_w, const at::Tensor& inner_b) {
  at::Tensor b = at::mv(outer_w.to(at::kDouble), inner_b.to(at::kDouble));
  if (outer_b.defined()) b += outer_b.to(at::kDouble);
  return {at::mm(outer_w.to(at::kFloat), inner_w.to(at::kFloat)), b};
}

Linear without_bias(const Linear& l) {
  Linear nb = l;
  nb.b = at::Tensor();
  return nb;
}

}  // namespace

AstroMaeNet::AstroMaeNet(const AstroMaeWeights& w, GemmBackend backend, Precision precision, Int8Ranges int8_ranges)
    : backend_(resolve_backend(backend)), precision_(precision) {
  auto lin = [&](const std::string& p, bool bias = true) {
    return make_linear(w.get(p + ".weight"), bias ? w.get(p + ".bias") : at::Tensor(), precision_);
  };
  // Patch embedding: the 8×8 stride-8 convolution is a GEMM over (c, ky, kx) patches.
  // (It stays float32 under kInt8: raw pixels, whose range a static scale would clip, and 1% of the MACs.)
  patch_ = make_linear(w.get("patch_embed.proj.weight").reshape({kEmbed, -1}), w.get("patch_embed.proj.bias"),
                       precision_, /*allow_int8=*/false);
  const at::Tensor pos = w.get("pos_embed").reshape({kTokens, kEmbed});
  cls_pos0_ = (w.get("cls_token").reshape({kEmbed}) + pos[0]).contiguous();
  pos_rest_ = pos.slice(0, 1).contiguous();
  patch_nb_ = without_bias(patch_);
  pos_bias_ = (pos_rest_ + patch_.b).contiguous();

  const double scale = 1.0 / std::sqrt(static_cast<double>(kEmbed / 3));  // head_dim 64: 1/8, exact in float
  for (std::int64_t i = 0; i < 12; ++i) {
    const std::string p = "blocks." + std::to_string(i);
    Block b;
    b.norm1_w = w.get(p + ".norm1.weight");
    b.norm1_b = w.get(p + ".norm1.bias");
    b.norm2_w = w.get(p + ".norm2.weight");
    b.norm2_b = w.get(p + ".norm2.bias");
    at::Tensor qkv_w = w.get(p + ".attn.qkv.weight").clone();
    qkv_w.slice(0, 0, kEmbed).mul_(scale);
    at::Tensor qkv_b = at::cat({w.get(p + ".attn.q_bias") * scale, at::zeros({kEmbed}), w.get(p + ".attn.v_bias")});
    b.qkv = make_linear(qkv_w, qkv_b, precision_);
    b.proj = lin(p + ".attn.proj");
    b.fc1 = lin(p + ".mlp.fc1");
    b.fc2 = lin(p + ".mlp.fc2");
    b.qkv_nb = without_bias(b.qkv);
    b.proj_nb = without_bias(b.proj);
    b.fc2_nb = without_bias(b.fc2);
    b.q_bias = b.qkv.b.slice(0, 0, kEmbed).contiguous();
    b.v_bias = b.qkv.b.slice(0, 2 * kEmbed).contiguous();
    // PCM: grouped 1×1 convolutions (48 groups: 4 -> 16 -> 4 channels), BatchNorm folded,
    // laid out group-last for kernels::pcm_expand / pcm_project_add.
    auto [w1, b1] = fold_bn(w, p + ".PCM.0", p + ".PCM.1");
    b.pcm1_w = w1.reshape({kPcmGroups, 16, 4}).permute({2, 1, 0}).contiguous();                          // [i][o][g]
    b.pcm1_b = b1.reshape({kPcmGroups, 16}).t().contiguous();                                            // [o][g]
    b.pcm2_w = w.get(p + ".PCM.3.weight").reshape({kPcmGroups, 4, 16}).permute({2, 1, 0}).contiguous();  // [m][o][g]
    b.pcm2_b = w.get(p + ".PCM.3.bias").reshape({kPcmGroups, 4}).t().contiguous();                       // [o][g]
    if (kernels::pcm_fused_available()) {
      b.pcm_packed = kernels::pcm_pack(b.pcm1_w.data_ptr<float>(), b.pcm1_b.data_ptr<float>(),
                                       b.pcm2_w.data_ptr<float>(), b.pcm2_b.data_ptr<float>());
    }
    blocks_.push_back(std::move(b));
  }
  fc_norm_w_ = w.get("fc_norm.weight");
  fc_norm_b_ = w.get("fc_norm.bias");
  {
    auto [vw, vb] = compose_affine(w.get("vit_block.0.weight"), w.get("vit_block.0.bias"), w.get("head.weight"),
                                   w.get("head.bias"));
    vit_in_ = make_linear(vw.to(at::kFloat), vb.to(at::kFloat), precision_, /*allow_int8=*/false);  // see concat0_
  }

  stem_.w = w.get("inception_model.conv2d_init.weight");
  stem_.b = w.get("inception_model.conv2d_init.bias");
  for (int idx : {2, 3, 5, 6, 8}) {
    const std::string p = "inception_model.vis_inception." + std::to_string(idx);
    Inception blk;
    blk.custom = idx == 8;
    auto [w1, b1] = fold_bn(w, p + ".branch1.conv", p + ".branch1.bn");
    auto [w3r, b3r] = fold_bn(w, p + ".branch2.0.conv", p + ".branch2.0.bn");
    std::vector<at::Tensor> rw{w1, w3r}, rb{b1, b3r};
    blk.c1 = w1.size(0);
    blk.c3 = w3r.size(0);
    if (!blk.custom) {
      auto [w5r, b5r] = fold_bn(w, p + ".branch3.0.conv", p + ".branch3.0.bn");
      rw.push_back(w5r);
      rb.push_back(b5r);
      blk.c5 = w5r.size(0);
      auto [w5, b5] = fold_bn(w, p + ".branch3.1.conv", p + ".branch3.1.bn");
      blk.conv5 = {w5, b5, 2};
    }
    blk.reduce = {at::cat(rw).contiguous(), at::cat(rb).contiguous(), 0};
    auto [w3, b3] = fold_bn(w, p + ".branch2.1.conv", p + ".branch2.1.bn");
    blk.conv3 = {w3, b3, 1};
    auto [w4, b4] = fold_bn(w, p + ".branch4.1.conv", p + ".branch4.1.bn");
    blk.pool_proj = {w4, b4, 0};
    inc_.push_back(std::move(blk));
  }
  // The same convolutions packed for the NHWC kernels, the merged 1×1 reduce split by branch
  // again (each branch writes its own destination: the block output or a padded buffer).
  auto pack = [](const at::Tensor& wt, const at::Tensor& bt) {
    ConvNhwc c;
    at::Tensor w = wt.contiguous();
    c.cout = static_cast<int>(w.size(0));
    c.cin = static_cast<int>(w.size(1));
    c.k = static_cast<int>(w.size(2));
    c.w = kernels::pack_conv_nhwc(w.data_ptr<float>(), c.cout, c.cin, c.k);
    c.b.assign(static_cast<std::size_t>((c.cout + 7) / 8 * 8), 0.0F);
    std::copy_n(bt.contiguous().data_ptr<float>(), c.cout, c.b.begin());
    return c;
  };
  stem_nhwc_ = pack(stem_.w, stem_.b);
  for (const Inception& blk : inc_) {
    InceptionNhwc n;
    n.b1 = pack(blk.reduce.w.slice(0, 0, blk.c1), blk.reduce.b.slice(0, 0, blk.c1));
    n.b2r = pack(blk.reduce.w.slice(0, blk.c1, blk.c1 + blk.c3), blk.reduce.b.slice(0, blk.c1, blk.c1 + blk.c3));
    n.b2 = pack(blk.conv3.w, blk.conv3.b);
    if (!blk.custom) {
      const std::int64_t c = blk.c1 + blk.c3;
      n.b3r = pack(blk.reduce.w.slice(0, c, c + blk.c5), blk.reduce.b.slice(0, c, c + blk.c5));
      n.b3 = pack(blk.conv5.w, blk.conv5.b);
    }
    n.b4 = pack(blk.pool_proj.w, blk.pool_proj.b);
    inc_nhwc_.push_back(std::move(n));
  }
  inc_fc10_ = lin("inception_model.vis_inception.10");
  for (int i = 0; i <= 6; i += 2) mag_.push_back(lin("inception_model.magnitude_block." + std::to_string(i)));
  {
    // concat_block.0 reads [vit_block.2 | vis_inception.12 | magnitude_block.8]: each column slice
    // composed with the layer it reads, three layers adding into one output (the first carries
    // the bias). They stay float32 under int8, as vit_in_ does: a product of two layers' weights
    // is no longer uniform-like and quantises coarser per channel; in int8 the magnitude part's
    // error showed as a constant offset of the predictions (mean |Δ| 1.6e-3 on the 100 MB
    // partition, 6.3e-4 without), vit_in_'s as max |Δ| 1.41e-3 on reference_io (1.07e-3 without).
    const at::Tensor c0 = w.get("concat_block.0.weight");
    const std::pair<const char*, std::int64_t> inner[3] = {{"vit_block.2", kVitOut},
                                                           {"inception_model.vis_inception.12", kIncOut},
                                                           {"inception_model.magnitude_block.8", kMagOut}};
    at::Tensor bias = w.get("concat_block.0.bias").to(at::kDouble);
    std::vector<at::Tensor> weights;
    std::int64_t col = 0;
    for (const auto& [name, width] : inner) {
      const std::string n(name);
      auto [pw, pb] =
          compose_affine(c0.slice(1, col, col + width), at::Tensor(), w.get(n + ".weight"), w.get(n + ".bias"));
      weights.push_back(pw);
      bias += pb;
      col += width;
    }
    for (std::size_t i = 0; i < weights.size(); ++i) {
      concat0_[i] = make_linear(weights[i].to(at::kFloat), i == 0 ? bias.to(at::kFloat) : at::Tensor(), precision_,
                                /*allow_int8=*/false);
    }
  }
  concat2_ = lin("concat_block.2");
  if (precision_ == Precision::kInt8) {
    digest_ = w.digest();
    const CommittedInt8Calibration* committed =
        int8_ranges == Int8Ranges::kCommittedOrCalibrate
            ? find_committed_int8_calibration(digest_, kInt8CalibrationSamples, kInt8CalibrationSeed)
            : nullptr;
    if (committed != nullptr)
      use_committed_int8(*committed);
    else
      calibrate_int8();
  }
}

std::vector<std::pair<std::string, Linear*>> AstroMaeNet::named_layers() {
  // Composed layers are named outer(inner) after the state-dict layers they stand for.
  std::vector<std::pair<std::string, Linear*>> layers{
      {"vit_block.0(head)", &vit_in_},
      {"inception_model.vis_inception.10", &inc_fc10_},
      {"concat_block.0(vit_block.2)", &concat0_[0]},
      {"concat_block.0(inception_model.vis_inception.12)", &concat0_[1]},
      {"concat_block.0(inception_model.magnitude_block.8)", &concat0_[2]},
      {"concat_block.2", &concat2_},
      {"patch_embed.proj", &patch_}};
  for (std::size_t i = 0; i < blocks_.size(); ++i) {
    const std::string p = "blocks." + std::to_string(i);
    Block& b = blocks_[i];
    layers.insert(
        layers.end(),
        {{p + ".attn.qkv", &b.qkv}, {p + ".attn.proj", &b.proj}, {p + ".mlp.fc1", &b.fc1}, {p + ".mlp.fc2", &b.fc2}});
  }
  for (std::size_t i = 0; i < mag_.size(); ++i)
    layers.emplace_back("inception_model.magnitude_block." + std::to_string(2 * i), &mag_[i]);
  return layers;
}

void AstroMaeNet::use_committed_int8(const CommittedInt8Calibration& c) {
  // The entry must name exactly this network's int8 layers (model.Int8Calibration.* checks it).
  Int8Calibration ranges;
  std::size_t used = 0;
  for (auto& [name, l] : named_layers()) {
    if (!l->wq.defined()) continue;
    const auto it = std::find_if(c.ranges.begin(), c.ranges.end(), [&](const auto& r) { return r.layer == name; });
    if (it == c.ranges.end()) {
      throw std::logic_error(
          fmt::format("committed int8 calibration of weights {:016x} has no range for layer {}", c.digest, name));
    }
    ranges.ranges[l->wt.data_ptr()] = {it->lo, it->hi};
    ranges_.push_back({name, it->lo, it->hi});
    finish_int8_calibration(*l, ranges);
    ++used;
  }
  if (used != c.ranges.size()) {
    throw std::logic_error(fmt::format("committed int8 calibration of weights {:016x} has {} ranges for {} int8 layers",
                                       c.digest, c.ranges.size(), used));
  }
  ranges_committed_ = true;
}

void AstroMaeNet::calibrate_int8() {
  // Post-training static calibration: run the float32 network on synthetic samples (the
  // generator behind `cosmicai dataset synth`, with its own seed so that the default data set's
  // samples stay unseen) and fix every int8 layer's activation range from what it saw.
  const data::Partition calib = data::synthesize_partition(kInt8CalibrationSamples, kInt8CalibrationSeed);
  at::Tensor images = at::from_blob(const_cast<float*>(calib.images.data()), {calib.samples, 5, 32, 32}, at::kFloat);
  at::Tensor mags = at::from_blob(const_cast<double*>(calib.magnitudes.data()), {calib.samples, 5}, at::kDouble);
  Int8Calibration ranges;
  {
    Int8CalibrationScope scope(ranges);
    profile::Suspend not_profiled;
    (void)forward(images, mags);
  }
  for (auto& [name, l] : named_layers()) {
    if (!l->wq.defined()) continue;
    finish_int8_calibration(*l, ranges);
    const auto& [lo, hi] = ranges.ranges.at(l->wt.data_ptr());
    ranges_.push_back({name, lo, hi});
  }
}

at::Tensor AstroMaeNet::linear(const at::Tensor& x, const Linear& l, Epilogue e) const {
  at::Tensor in = x.stride(-1) == 1 ? x : x.contiguous();
  at::Tensor out = at::empty({in.size(0), l.wt.size(1)}, in.options());
  if (e == Epilogue::kGelu && l.b.defined()) {
    // Bias and GELU in one pass over the GEMM's output instead of a bias copy before the GEMM
    // and a GELU into a new tensor after it.
    {
      profile::OpTimer t(profile::kFc1Gemm);
      linear_into(backend_, precision_, in, without_bias(l), out, /*accumulate=*/false);
    }
    profile::OpTimer t(profile::kGelu);
    kernels::bias_gelu(out.data_ptr<float>(), l.b.data_ptr<float>(), out.size(0), out.size(1));
    return out;
  }
  linear_into(backend_, precision_, in, l, out, /*accumulate=*/false);
  if (e == Epilogue::kRelu) out.relu_();
  if (e == Epilogue::kGelu) out = at::gelu(out);
  return out;
}

// === ViT encoder (12 NormalCells) ===

at::Tensor AstroMaeNet::encoder(const at::Tensor& images) const {
  const std::int64_t batch = images.size(0);
  const std::int64_t rows = batch * kTokens;
  at::Tensor x = at::empty({batch, kTokens, kEmbed}, images.options());
  {
    OpTimer t(profile::kPatchEmbed);
    at::Tensor patches =
        images.reshape({batch, 5, 4, 8, 4, 8}).permute({0, 2, 4, 1, 3, 5}).reshape({batch * kPatches, 320});
    at::Tensor tok = at::empty({batch * kPatches, kEmbed}, images.options());
    linear_into(backend_, precision_, patches, patch_nb_, tok, /*accumulate=*/false);
    at::Tensor tokens = x.slice(1, 1);
    at::add_out(tokens, tok.view({batch, kPatches, kEmbed}), pos_bias_);  // + bias + position, straight into x
    x.select(1, 0).copy_(cls_pos0_.expand({batch, kEmbed}));
  }
  at::Tensor x2d = x.view({rows, kEmbed});
  // Biases of the layers that add into x, deferred to the next LayerNorm (not for int8, whose
  // dequantisation pass adds them anyway).
  const bool defer = precision_ != Precision::kInt8;
  at::Tensor pending;
  at::Tensor pooled;  // set by the last block when it pools before fc2
  for (std::size_t bi = 0; bi < blocks_.size(); ++bi) {
    const Block& b = blocks_[bi];
    // Attention input from the block input, then the PCM of the raw patch tokens added in place.
    at::Tensor h;
    {
      OpTimer t(profile::kLayerNorm);
      h = layer_norm(x2d, b.norm1_w, b.norm1_b, pending);
    }
    {
      OpTimer t(profile::kPcm);
      if (!b.pcm_packed.empty() && kernels::pcm_fused_available()) {
        kernels::pcm_fused(b.pcm_packed.data(), x.data_ptr<float>(), batch);
      } else {
        at::Tensor mid = at::empty({batch * kPatches, 16, kPcmGroups}, x.options());
        kernels::pcm_expand(x.data_ptr<float>(), b.pcm1_w.data_ptr<float>(), b.pcm1_b.data_ptr<float>(),
                            mid.data_ptr<float>(), batch);
        at::silu_(mid);
        kernels::pcm_project_add(mid.data_ptr<float>(), b.pcm2_w.data_ptr<float>(), b.pcm2_b.data_ptr<float>(),
                                 x.data_ptr<float>(), batch);
      }
    }

    // Attention: x += proj(softmax(q kᵀ) v), scale folded into q.
    at::Tensor qkv;
    {
      OpTimer t(profile::kQkvGemm);
      qkv = linear(h, defer ? b.qkv_nb : b.qkv, Epilogue::kNone);
    }
    at::Tensor o = at::empty({rows, kEmbed}, x.options());
    {
      OpTimer t(profile::kAttention);
      kernels::attention_17x3x64(qkv.data_ptr<float>(), o.data_ptr<float>(), batch,
                                 defer ? b.q_bias.data_ptr<float>() : nullptr,
                                 defer ? b.v_bias.data_ptr<float>() : nullptr);
    }
    {
      OpTimer t(profile::kProjGemm);
      linear_into(backend_, precision_, o, defer ? b.proj_nb : b.proj, x2d, /*accumulate=*/true);
    }

    // MLP: x += fc2(gelu(fc1(norm2(x)))).
    at::Tensor h2;
    {
      OpTimer t(profile::kLayerNorm);
      h2 = layer_norm(x2d, b.norm2_w, b.norm2_b, defer ? b.proj.b : at::Tensor());
    }
    pending = at::Tensor();
    const bool last = bi + 1 == blocks_.size();
    if (!last && runs_int8(precision_, b.fc1) && runs_int8(precision_, b.fc2)) {
      int8_mlp_into(h2, b.fc1, b.fc2, x2d);  // fc1's output stays in cache (times itself per operator)
      continue;
    }
    at::Tensor m = linear(h2, b.fc1, Epilogue::kGelu);
    if (last) {
      // Only the mean of the last block's patch tokens is read, and fc2 is affine:
      // mean(x + fc2(g)) = mean(x) + fc2(mean(g)), one row a sample instead of 17.
      OpTimer t(profile::kFc2Gemm);
      pooled = x.slice(1, 1).mean(1);
      const at::Tensor g = m.view({batch, kTokens, 4 * kEmbed}).slice(1, 1).mean(1);
      linear_into(backend_, precision_, g, b.fc2, pooled, /*accumulate=*/true);
      break;
    }
    {
      OpTimer t(profile::kFc2Gemm);
      linear_into(backend_, precision_, m, defer ? b.fc2_nb : b.fc2, x2d, /*accumulate=*/true);
    }
    if (defer) pending = b.fc2.b;
  }
  OpTimer t(profile::kEncoderHead);
  if (!pooled.defined()) {
    pooled = x.slice(1, 1).mean(1);
    if (pending.defined()) pooled.add_(pending);  // the last fc2's bias: the mean of x + b is mean(x) + b
  }
  return at::layer_norm(pooled, {kEmbed}, fc_norm_w_, fc_norm_b_, kLnEps);
}

// === Inception image branch ===

at::Tensor AstroMaeNet::inception_block(const at::Tensor& x, const Inception& blk) const {
  std::vector<at::Tensor> parts;
  at::Tensor r;
  {
    OpTimer t(profile::kIncConv1x1);
    r = at::conv2d(x, blk.reduce.w, blk.reduce.b).relu_();
  }
  parts.push_back(r.slice(1, 0, blk.c1));
  {
    OpTimer t(profile::kIncConv3x3);
    parts.push_back(at::conv2d(r.slice(1, blk.c1, blk.c1 + blk.c3), blk.conv3.w, blk.conv3.b, 1, 1).relu_());
  }
  if (!blk.custom) {
    OpTimer t(profile::kIncConv5x5);
    parts.push_back(
        at::conv2d(r.slice(1, blk.c1 + blk.c3, blk.c1 + blk.c3 + blk.c5), blk.conv5.w, blk.conv5.b, 1, 2).relu_());
  }
  at::Tensor pooled;
  {
    OpTimer t(profile::kIncMaxPool);
    pooled = max_pool3x3(x);
  }
  {
    OpTimer t(profile::kIncConv1x1);
    parts.push_back(at::conv2d(pooled, blk.pool_proj.w, blk.pool_proj.b).relu_());
  }
  OpTimer t(profile::kIncOther);
  return at::cat(parts, 1);
}

namespace {

// Geometry of one Inception block in the NHWC path, per image of a chunk.
struct NhwcBlockBuffers {
  float* pad3 = nullptr;  // (h+2)² × c3, zero border
  float* pad5 = nullptr;  // (h+4)² × c5, zero border
};

}  // namespace

at::Tensor AstroMaeNet::inception_nhwc(const at::Tensor& images) const {
  // One chunk of images at a time through the whole branch, channels-last, so its activations
  // (≤ 256 KiB a buffer) stay in L2; every branch's convolution writes its channel slice of the
  // block output directly (no concatenation), with bias and ReLU applied as it stores.
  constexpr int kChunk = 4;
  constexpr int kH0 = 16;                               // after the stem's 2×2 pool
  constexpr std::int64_t kAct = kChunk * 16 * 16 * 64;  // the largest activation (blocks 2, 3)
  const std::int64_t batch = images.size(0);
  const int heights[5] = {16, 16, 8, 8, 4};
  std::int64_t pad_floats = 0;
  for (std::size_t i = 0; i < inc_nhwc_.size(); ++i) {
    const std::int64_t h = heights[i];
    pad_floats += kChunk * (h + 2) * (h + 2) * inc_nhwc_[i].b2r.cout;
    if (!inc_nhwc_[i].b3r.w.empty()) pad_floats += kChunk * (h + 4) * (h + 4) * inc_nhwc_[i].b3r.cout;
  }
  std::vector<float> scratch(static_cast<std::size_t>(3 * kAct + kChunk * kH0 * kH0 * 5 + pad_floats), 0.0F);
  float* act_a = scratch.data();
  float* act_b = act_a + kAct;
  float* pool = act_b + kAct;
  float* stem_in = pool + kAct;
  float* pads = stem_in + kChunk * kH0 * kH0 * 5;
  std::vector<NhwcBlockBuffers> bufs(inc_nhwc_.size());
  for (std::size_t i = 0; i < inc_nhwc_.size(); ++i) {
    const std::int64_t h = heights[i];
    bufs[i].pad3 = pads;
    pads += kChunk * (h + 2) * (h + 2) * inc_nhwc_[i].b2r.cout;
    if (!inc_nhwc_[i].b3r.w.empty()) {
      bufs[i].pad5 = pads;
      pads += kChunk * (h + 4) * (h + 4) * inc_nhwc_[i].b3r.cout;
    }
  }
  at::Tensor flat = at::empty({batch, 192}, images.options());
  const float* img = images.data_ptr<float>();
  float* flat_p = flat.data_ptr<float>();

  auto conv = [](const ConvNhwc& c, const kernels::NhwcView& in, const kernels::NhwcView& out, int n, int h,
                 bool relu) { kernels::conv_nhwc(in, out, n, h, h, c.k, c.cin, c.cout, c.w.data(), c.b.data(), relu); };
  // x: n × h × h × cin (contiguous) -> out: n × h × h × (branch channels), block i.
  auto block = [&](std::size_t i, int n, const float* x, float* out, int h, int cin) {
    const InceptionNhwc& b = inc_nhwc_[i];
    const bool has5 = !b.b3r.w.empty();
    const int ctot = b.b1.cout + b.b2.cout + (has5 ? b.b3.cout : 0) + b.b4.cout;
    const std::int64_t hh = h;
    const kernels::NhwcView xin{const_cast<float*>(x), hh * hh * cin, hh * cin, cin};
    auto out_at = [&](int c) { return kernels::NhwcView{out + c, hh * hh * ctot, hh * ctot, ctot}; };
    int off = 0;
    {
      OpTimer t(profile::kIncConv1x1);
      conv(b.b1, xin, out_at(0), n, h, true);
      const std::int64_t c3 = b.b2r.cout, hp = h + 2;
      conv(b.b2r, xin, {bufs[i].pad3 + (hp + 1) * c3, hp * hp * c3, hp * c3, c3}, n, h, true);
      if (has5) {
        const std::int64_t c5 = b.b3r.cout, hq = h + 4;
        conv(b.b3r, xin, {bufs[i].pad5 + (2 * hq + 2) * c5, hq * hq * c5, hq * c5, c5}, n, h, true);
      }
    }
    off += b.b1.cout;
    {
      OpTimer t(profile::kIncConv3x3);
      const std::int64_t c3 = b.b2r.cout, hp = h + 2;
      conv(b.b2, {bufs[i].pad3, hp * hp * c3, hp * c3, c3}, out_at(off), n, h, true);
      off += b.b2.cout;
    }
    if (has5) {
      OpTimer t(profile::kIncConv5x5);
      const std::int64_t c5 = b.b3r.cout, hq = h + 4;
      conv(b.b3, {bufs[i].pad5, hq * hq * c5, hq * c5, c5}, out_at(off), n, h, true);
      off += b.b3.cout;
    }
    {
      OpTimer t(profile::kIncMaxPool);
      kernels::max_pool_3x3_nhwc(x, pool, n, h, h, cin);
    }
    OpTimer t(profile::kIncConv1x1);
    conv(b.b4, {pool, hh * hh * cin, hh * cin, cin}, out_at(off), n, h, true);
    return ctot;
  };

  for (std::int64_t b0 = 0; b0 < batch; b0 += kChunk) {
    const int n = static_cast<int>(std::min<std::int64_t>(kChunk, batch - b0));
    {
      // The stem 1×1 conv and the 2×2 average pool commute (both linear): pool first, 4× fewer MACs.
      OpTimer t(profile::kIncOther);
      for (int j = 0; j < n; ++j) {
        const float* im = img + (b0 + j) * 5 * 32 * 32;
        float* o = stem_in + j * kH0 * kH0 * 5;
        for (int c = 0; c < 5; ++c)
          for (int y = 0; y < kH0; ++y)
            for (int x = 0; x < kH0; ++x) {
              const float* p = im + (c * 32 + 2 * y) * 32 + 2 * x;
              o[(y * kH0 + x) * 5 + c] = (p[0] + p[1] + p[32] + p[33]) / 4.0F;
            }
      }
      conv(stem_nhwc_, {stem_in, kH0 * kH0 * 5, kH0 * 5, 5}, {act_a, kH0 * kH0 * 32, kH0 * 32, 32}, n, kH0, false);
    }
    int c = block(0, n, act_a, act_b, 16, 32);  // (16,16,64)
    c = block(1, n, act_b, act_a, 16, c);
    {
      OpTimer t(profile::kIncOther);
      kernels::avg_pool_2x2_nhwc(act_a, act_b, n, 16, 16, c);  // (8,8,64)
    }
    c = block(2, n, act_b, act_a, 8, c);
    c = block(3, n, act_a, act_b, 8, c);
    {
      OpTimer t(profile::kIncOther);
      kernels::avg_pool_2x2_nhwc(act_b, act_a, n, 8, 8, c);  // (4,4,32)
    }
    c = block(4, n, act_a, act_b, 4, c);  // (4,4,12)
    OpTimer t(profile::kIncOther);
    for (int j = 0; j < n; ++j)  // flatten in NCHW order, as the reference does
      for (int ch = 0; ch < c; ++ch)
        for (int p = 0; p < 16; ++p) flat_p[(b0 + j) * 192 + ch * 16 + p] = act_b[(j * 16 + p) * c + ch];
  }
  return flat;
}

at::Tensor AstroMaeNet::inception(const at::Tensor& images) const {
  if (kernels::conv_nhwc_available()) return inception_nhwc(images);
  // The stem 1×1 conv and the 2×2 average pool commute (both linear): pool first, 4× fewer MACs.
  at::Tensor y;
  {
    OpTimer t(profile::kIncOther);
    y = at::conv2d(at::avg_pool2d(images, {2, 2}), stem_.w, stem_.b);  // (B,32,16,16)
  }
  y = inception_block(y, inc_[0]);
  y = inception_block(y, inc_[1]);
  {
    OpTimer t(profile::kIncOther);
    y = at::avg_pool2d(y, {2, 2});  // (B,64,8,8)
  }
  y = inception_block(y, inc_[2]);
  y = inception_block(y, inc_[3]);
  {
    OpTimer t(profile::kIncOther);
    y = at::avg_pool2d(y, {2, 2});  // (B,32,4,4)
  }
  y = inception_block(y, inc_[4]);  // (B,12,4,4)
  return y.reshape({y.size(0), -1});
}

// === Whole network ===

at::Tensor AstroMaeNet::forward(const at::Tensor& images, const at::Tensor& magnitudes) const {
  const std::int64_t batch = images.size(0);
  at::Tensor img = images.to(at::kFloat).contiguous();

  profile::count_samples(batch);
  // The three branches end in what vit_block.2, vis_inception.12 and magnitude_block.8 read,
  // which the parts of concat_block.0 (composed with them) read instead.
  at::Tensor features = encoder(img);
  at::Tensor vit;
  {
    OpTimer t(profile::kEncoderHead);
    vit = linear(features, vit_in_, Epilogue::kRelu);
  }
  at::Tensor inc = inception(img);
  {
    OpTimer t(profile::kIncDense);
    inc = linear(inc, inc_fc10_, Epilogue::kRelu);
  }
  at::Tensor mag = magnitudes.to(at::kFloat).contiguous();
  {
    OpTimer t(profile::kMagnitudeMlp);
    for (const Linear& l : mag_) mag = linear(mag, l, Epilogue::kRelu);
  }
  OpTimer t(profile::kConcatHead);
  at::Tensor hidden = at::empty({batch, concat0_[0].wt.size(1)}, img.options());
  const at::Tensor* parts[3] = {&vit, &inc, &mag};
  for (int i = 0; i < 3; ++i) linear_into(backend_, precision_, *parts[i], concat0_[i], hidden, /*accumulate=*/i > 0);
  hidden.relu_();
  return linear(hidden, concat2_, Epilogue::kNone);
}

}  // namespace cosmicai::model
