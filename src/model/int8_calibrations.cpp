// The committed int8 calibrations (see int8_calibrations.hpp). To regenerate after a change that
// moves them (the weights' generator, the synthetic data, the float32 network), run
// `build/tests/unit_model --gtest_filter='Int8Calibration.*'`: a failing check prints the entry
// to paste here. Ranges are hexadecimal float literals: exactly what the pass recorded.
#include "model/int8_calibrations.hpp"

#include <array>

namespace cosmicai::model {
namespace {

constexpr CommittedLayerRange kReferenceSeed0[] = {
    {"head", -0x1.92856ap+1F, 0x1.0efb8p+2F},
    {"vit_block.0", -0x1.c52576p+0F, 0x1.e179a8p+0F},
    {"vit_block.2", 0x0p+0F, 0x1.81a066p+0F},
    {"inception_model.vis_inception.10", 0x0p+0F, 0x1.05403p-2F},
    {"inception_model.vis_inception.12", 0x0p+0F, 0x1.ee0008p-3F},
    {"concat_block.0", -0x1.27e85p+0F, 0x1.1b957cp+0F},
    {"blocks.0.attn.qkv", -0x1.faa1bp+1F, 0x1.ab13cap+1F},
    {"blocks.0.attn.proj", -0x1.c6ad22p+0F, 0x1.395a12p+0F},
    {"blocks.0.mlp.fc1", -0x1.ee3ea8p+1F, 0x1.00e8fcp+2F},
    {"blocks.0.mlp.fc2", -0x1.5c19ep-3F, 0x1.3e4b02p+1F},
    {"blocks.1.attn.qkv", -0x1.bd7876p+1F, 0x1.0adc7ap+2F},
    {"blocks.1.attn.proj", -0x1.50ea9cp+0F, 0x1.77f914p+0F},
    {"blocks.1.mlp.fc1", -0x1.fbd5b8p+1F, 0x1.d1547ap+1F},
    {"blocks.1.mlp.fc2", -0x1.5c19dep-3F, 0x1.043012p+1F},
    {"blocks.2.attn.qkv", -0x1.f9bb84p+1F, 0x1.dc50d2p+1F},
    {"blocks.2.attn.proj", -0x1.3edb8p+0F, 0x1.cea6ap+0F},
    {"blocks.2.mlp.fc1", -0x1.09ed14p+2F, 0x1.ee3bbcp+1F},
    {"blocks.2.mlp.fc2", -0x1.5c19dep-3F, 0x1.241c5cp+1F},
    {"blocks.3.attn.qkv", -0x1.cff33ap+1F, 0x1.e5257p+1F},
    {"blocks.3.attn.proj", -0x1.66a7a6p+0F, 0x1.66809ep+0F},
    {"blocks.3.mlp.fc1", -0x1.1517bp+2F, 0x1.eab556p+1F},
    {"blocks.3.mlp.fc2", -0x1.5c19dep-3F, 0x1.37b466p+1F},
    {"blocks.4.attn.qkv", -0x1.2073aep+2F, 0x1.d7515ap+1F},
    {"blocks.4.attn.proj", -0x1.bf5f6cp+0F, 0x1.6380b4p+0F},
    {"blocks.4.mlp.fc1", -0x1.e86856p+1F, 0x1.bcec46p+1F},
    {"blocks.4.mlp.fc2", -0x1.5c19dcp-3F, 0x1.0638d8p+1F},
    {"blocks.5.attn.qkv", -0x1.bb43ep+1F, 0x1.d45cfep+1F},
    {"blocks.5.attn.proj", -0x1.65fd4ap+0F, 0x1.22e7f4p+0F},
    {"blocks.5.mlp.fc1", -0x1.27e39ep+2F, 0x1.caed5cp+1F},
    {"blocks.5.mlp.fc2", -0x1.5c19dcp-3F, 0x1.2840b8p+1F},
    {"blocks.6.attn.qkv", -0x1.12a0fp+2F, 0x1.ce8352p+1F},
    {"blocks.6.attn.proj", -0x1.92930cp+0F, 0x1.32dea4p+0F},
    {"blocks.6.mlp.fc1", -0x1.e8dcep+1F, 0x1.073f8cp+2F},
    {"blocks.6.mlp.fc2", -0x1.5c19dep-3F, 0x1.08eeap+1F},
    {"blocks.7.attn.qkv", -0x1.eb34f4p+1F, 0x1.f78d82p+1F},
    {"blocks.7.attn.proj", -0x1.0bd936p+1F, 0x1.84741ep+0F},
    {"blocks.7.mlp.fc1", -0x1.c709eep+1F, 0x1.0aaefp+2F},
    {"blocks.7.mlp.fc2", -0x1.5c19dep-3F, 0x1.2d96fap+1F},
    {"blocks.8.attn.qkv", -0x1.d7e8fep+1F, 0x1.218e3p+2F},
    {"blocks.8.attn.proj", -0x1.bd259ep+0F, 0x1.c72476p+0F},
    {"blocks.8.mlp.fc1", -0x1.cea27p+1F, 0x1.25f492p+2F},
    {"blocks.8.mlp.fc2", -0x1.5c19dep-3F, 0x1.3242cap+1F},
    {"blocks.9.attn.qkv", -0x1.ca8c8p+1F, 0x1.2336b8p+2F},
    {"blocks.9.attn.proj", -0x1.b09dd6p+0F, 0x1.825508p+0F},
    {"blocks.9.mlp.fc1", -0x1.26e1d6p+2F, 0x1.69e97ap+2F},
    {"blocks.9.mlp.fc2", -0x1.5c19dcp-3F, 0x1.18849cp+1F},
    {"blocks.10.attn.qkv", -0x1.268018p+2F, 0x1.4769f4p+2F},
    {"blocks.10.attn.proj", -0x1.890d86p+0F, 0x1.d764c6p+0F},
    {"blocks.10.mlp.fc1", -0x1.104424p+2F, 0x1.561006p+2F},
    {"blocks.10.mlp.fc2", -0x1.5c19dep-3F, 0x1.3f1c3p+1F},
    {"blocks.11.attn.qkv", -0x1.2236p+2F, 0x1.62b0eap+2F},
    {"blocks.11.attn.proj", -0x1.6b64a6p+0F, 0x1.57d9c6p+0F},
    {"blocks.11.mlp.fc1", -0x1.307daep+2F, 0x1.4704d8p+2F},
    {"blocks.11.mlp.fc2", -0x1.5c19dep-3F, 0x1.21d6fp+1F},
    {"inception_model.magnitude_block.2", 0x0p+0F, 0x1.1aa8eep+5F},
    {"inception_model.magnitude_block.4", 0x0p+0F, 0x1.c3954p+3F},
    {"inception_model.magnitude_block.6", 0x0p+0F, 0x1.0e0b06p+3F},
    {"inception_model.magnitude_block.8", 0x0p+0F, 0x1.33e84ep+1F},
};

constexpr CommittedLayerRange kBuiltinSeed0[] = {
    {"head", -0x1.6951a2p+1F, 0x1.a1a7fap+1F},
    {"vit_block.0", -0x1.09cd2ap+1F, 0x1.d0f87ep+0F},
    {"vit_block.2", 0x0p+0F, 0x1.593e42p+0F},
    {"inception_model.vis_inception.10", 0x0p+0F, 0x1.b20d54p-2F},
    {"inception_model.vis_inception.12", 0x0p+0F, 0x1.d415d8p-3F},
    {"concat_block.0", -0x1.3b9992p+0F, 0x1.2d78dp+0F},
    {"blocks.0.attn.qkv", -0x1.a797e8p+1F, 0x1.caf488p+1F},
    {"blocks.0.attn.proj", -0x1.2c1d8p+0F, 0x1.b1813p+0F},
    {"blocks.0.mlp.fc1", -0x1.cd46d4p+1F, 0x1.c6827cp+1F},
    {"blocks.0.mlp.fc2", -0x1.5c19dcp-3F, 0x1.1852a2p+1F},
    {"blocks.1.attn.qkv", -0x1.dde5aap+1F, 0x1.b93356p+1F},
    {"blocks.1.attn.proj", -0x1.d03016p+0F, 0x1.bc13c4p+0F},
    {"blocks.1.mlp.fc1", -0x1.0c060ap+2F, 0x1.edb754p+1F},
    {"blocks.1.mlp.fc2", -0x1.5c19dep-3F, 0x1.26c8e8p+1F},
    {"blocks.2.attn.qkv", -0x1.fad49cp+1F, 0x1.205b8p+2F},
    {"blocks.2.attn.proj", -0x1.31f178p+0F, 0x1.b22fdep+0F},
    {"blocks.2.mlp.fc1", -0x1.081acep+2F, 0x1.0d1d5cp+2F},
    {"blocks.2.mlp.fc2", -0x1.5c19dcp-3F, 0x1.681582p+1F},
    {"blocks.3.attn.qkv", -0x1.0d67dap+2F, 0x1.0fa14ep+2F},
    {"blocks.3.attn.proj", -0x1.89e056p+0F, 0x1.653666p+0F},
    {"blocks.3.mlp.fc1", -0x1.dacb8ap+1F, 0x1.0964e8p+2F},
    {"blocks.3.mlp.fc2", -0x1.5c19dep-3F, 0x1.3e34aep+1F},
    {"blocks.4.attn.qkv", -0x1.ce5cf4p+1F, 0x1.279358p+2F},
    {"blocks.4.attn.proj", -0x1.41fbf6p+0F, 0x1.8a6b76p+0F},
    {"blocks.4.mlp.fc1", -0x1.17e30ep+2F, 0x1.df250ap+1F},
    {"blocks.4.mlp.fc2", -0x1.5c19dep-3F, 0x1.0aac0cp+1F},
    {"blocks.5.attn.qkv", -0x1.1891b8p+2F, 0x1.c9b5a4p+1F},
    {"blocks.5.attn.proj", -0x1.649844p+0F, 0x1.624c78p+0F},
    {"blocks.5.mlp.fc1", -0x1.0c0e5ep+2F, 0x1.d5b19ap+1F},
    {"blocks.5.mlp.fc2", -0x1.5c19dep-3F, 0x1.0e6fd4p+1F},
    {"blocks.6.attn.qkv", -0x1.1720eep+2F, 0x1.ca0d46p+1F},
    {"blocks.6.attn.proj", -0x1.815584p+0F, 0x1.88aefep+0F},
    {"blocks.6.mlp.fc1", -0x1.1bdeb6p+2F, 0x1.0f4344p+2F},
    {"blocks.6.mlp.fc2", -0x1.5c19dep-3F, 0x1.1bbc08p+1F},
    {"blocks.7.attn.qkv", -0x1.07ba32p+2F, 0x1.f8619ap+1F},
    {"blocks.7.attn.proj", -0x1.136f1p+1F, 0x1.5decbep+0F},
    {"blocks.7.mlp.fc1", -0x1.ff6074p+1F, 0x1.f03e88p+1F},
    {"blocks.7.mlp.fc2", -0x1.5c19dep-3F, 0x1.0e63b2p+1F},
    {"blocks.8.attn.qkv", -0x1.ca8f64p+1F, 0x1.0aa8fap+2F},
    {"blocks.8.attn.proj", -0x1.a5c4bep+0F, 0x1.80cc5cp+0F},
    {"blocks.8.mlp.fc1", -0x1.06ab0cp+2F, 0x1.f719dap+1F},
    {"blocks.8.mlp.fc2", -0x1.5c19dep-3F, 0x1.2db912p+1F},
    {"blocks.9.attn.qkv", -0x1.1408ccp+2F, 0x1.dad9a4p+1F},
    {"blocks.9.attn.proj", -0x1.872a46p+0F, 0x1.30332ep+0F},
    {"blocks.9.mlp.fc1", -0x1.e45f2cp+1F, 0x1.11addap+2F},
    {"blocks.9.mlp.fc2", -0x1.5c19dcp-3F, 0x1.2353d6p+1F},
    {"blocks.10.attn.qkv", -0x1.00b688p+2F, 0x1.1f953ap+2F},
    {"blocks.10.attn.proj", -0x1.466f32p+0F, 0x1.ae0a9cp+0F},
    {"blocks.10.mlp.fc1", -0x1.3e5364p+2F, 0x1.25e2fcp+2F},
    {"blocks.10.mlp.fc2", -0x1.5c19ep-3F, 0x1.1828acp+1F},
    {"blocks.11.attn.qkv", -0x1.1be28ep+2F, 0x1.2b4c7p+2F},
    {"blocks.11.attn.proj", -0x1.c8d9ccp+0F, 0x1.f6f85cp+0F},
    {"blocks.11.mlp.fc1", -0x1.975de8p+2F, 0x1.0779c2p+2F},
    {"blocks.11.mlp.fc2", -0x1.5c19dep-3F, 0x1.133146p+1F},
    {"inception_model.magnitude_block.2", 0x0p+0F, 0x1.1bcdeap+5F},
    {"inception_model.magnitude_block.4", 0x0p+0F, 0x1.db3636p+3F},
    {"inception_model.magnitude_block.6", 0x0p+0F, 0x1.99914p+2F},
    {"inception_model.magnitude_block.8", 0x0p+0F, 0x1.4e9ff6p+1F},
};

const std::array<CommittedInt8Calibration, 2> kCommitted{{
  {"the seed-0 reference model (tests/fixtures/astromae/model/make_reference.py), as the build generates it",
   0xda1cfeaa26edf801ULL, 64, 17, "AMD EPYC, AVX2+FMA (no AVX-512), oneDNN 2.6.3 sgemm; 2026-12-07, Int8Calibration test output", kReferenceSeed0},
  {"the built-in seeded weights, seed 0 (model source builtin)",
   0x430441d31c950e2bULL, 64, 17, "AMD EPYC, AVX2+FMA (no AVX-512), oneDNN 2.6.3 sgemm; 2026-12-07, Int8Calibration test output", kBuiltinSeed0},
}};

}  // namespace

std::span<const CommittedInt8Calibration> committed_int8_calibrations() { return kCommitted; }

const CommittedInt8Calibration* find_committed_int8_calibration(std::uint64_t digest, std::int64_t samples,
                                                                std::uint64_t seed) {
  for (const CommittedInt8Calibration& c : kCommitted) {
    if (c.digest == digest && c.samples == samples && c.seed == seed) return &c;
  }
  return nullptr;
}

}  // namespace cosmicai::model
