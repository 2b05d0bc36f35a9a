// The committed int8 calibrations (see int8_calibrations.hpp). To regenerate after a change that
// moves them (the weights' generator, the synthetic data, any float32 kernel the calibration pass
// runs: on the entry's own kind of CPU the ranges must match to the last bit), run
// `build/tests/unit_model --gtest_filter='Int8Calibration.*'`: a failing check prints the entry
// to paste here. Ranges are hexadecimal float literals: exactly what the pass recorded.
#include "model/int8_calibrations.hpp"

#include <array>
#include <fstream>

namespace cosmicai::model {
namespace {

constexpr CommittedLayerRange kReferenceSeed0[] = {
    {"inception_model.vis_inception.10", 0x0p+0F, 0x1.05403p-2F},
    {"blocks.0.attn.qkv", -0x1.faa1acp+1F, 0x1.ab13cap+1F},
    {"blocks.0.attn.proj", -0x1.c6ad22p+0F, 0x1.395a16p+0F},
    {"blocks.0.mlp.fc1", -0x1.ee3ea6p+1F, 0x1.00e8fap+2F},
    {"blocks.0.mlp.fc2", -0x1.5c19e4p-3F, 0x1.3e4b04p+1F},
    {"blocks.1.attn.qkv", -0x1.bd7874p+1F, 0x1.0adc78p+2F},
    {"blocks.1.attn.proj", -0x1.50ea9ep+0F, 0x1.77f916p+0F},
    {"blocks.1.mlp.fc1", -0x1.fbd5b6p+1F, 0x1.d1547ap+1F},
    {"blocks.1.mlp.fc2", -0x1.5c19e4p-3F, 0x1.04301p+1F},
    {"blocks.2.attn.qkv", -0x1.f9bb82p+1F, 0x1.dc50cep+1F},
    {"blocks.2.attn.proj", -0x1.3edb82p+0F, 0x1.cea69cp+0F},
    {"blocks.2.mlp.fc1", -0x1.09ed12p+2F, 0x1.ee3bbcp+1F},
    {"blocks.2.mlp.fc2", -0x1.5c19e2p-3F, 0x1.241c5ep+1F},
    {"blocks.3.attn.qkv", -0x1.cff336p+1F, 0x1.e5256cp+1F},
    {"blocks.3.attn.proj", -0x1.66a7a2p+0F, 0x1.66809cp+0F},
    {"blocks.3.mlp.fc1", -0x1.1517acp+2F, 0x1.eab556p+1F},
    {"blocks.3.mlp.fc2", -0x1.5c19e2p-3F, 0x1.37b46ap+1F},
    {"blocks.4.attn.qkv", -0x1.2073aep+2F, 0x1.d7515ap+1F},
    {"blocks.4.attn.proj", -0x1.bf5f6cp+0F, 0x1.6380b4p+0F},
    {"blocks.4.mlp.fc1", -0x1.e86852p+1F, 0x1.bcec46p+1F},
    {"blocks.4.mlp.fc2", -0x1.5c19e2p-3F, 0x1.0638d6p+1F},
    {"blocks.5.attn.qkv", -0x1.bb43dcp+1F, 0x1.d45cf6p+1F},
    {"blocks.5.attn.proj", -0x1.65fd48p+0F, 0x1.22e7f6p+0F},
    {"blocks.5.mlp.fc1", -0x1.27e39cp+2F, 0x1.caed54p+1F},
    {"blocks.5.mlp.fc2", -0x1.5c19e2p-3F, 0x1.2840b6p+1F},
    {"blocks.6.attn.qkv", -0x1.12a0eep+2F, 0x1.ce835ap+1F},
    {"blocks.6.attn.proj", -0x1.92930cp+0F, 0x1.32dea6p+0F},
    {"blocks.6.mlp.fc1", -0x1.e8dcdcp+1F, 0x1.073f92p+2F},
    {"blocks.6.mlp.fc2", -0x1.5c19e2p-3F, 0x1.08ee9ap+1F},
    {"blocks.7.attn.qkv", -0x1.eb34fp+1F, 0x1.f78d7ep+1F},
    {"blocks.7.attn.proj", -0x1.0bd938p+1F, 0x1.84742p+0F},
    {"blocks.7.mlp.fc1", -0x1.c709fp+1F, 0x1.0aaeecp+2F},
    {"blocks.7.mlp.fc2", -0x1.5c19e2p-3F, 0x1.2d96fap+1F},
    {"blocks.8.attn.qkv", -0x1.d7e9p+1F, 0x1.218e38p+2F},
    {"blocks.8.attn.proj", -0x1.bd259ap+0F, 0x1.c72474p+0F},
    {"blocks.8.mlp.fc1", -0x1.cea27p+1F, 0x1.25f498p+2F},
    {"blocks.8.mlp.fc2", -0x1.5c19e2p-3F, 0x1.3242cap+1F},
    {"blocks.9.attn.qkv", -0x1.ca8c7cp+1F, 0x1.2336bcp+2F},
    {"blocks.9.attn.proj", -0x1.b09dd4p+0F, 0x1.82550ap+0F},
    {"blocks.9.mlp.fc1", -0x1.26e1d8p+2F, 0x1.69e976p+2F},
    {"blocks.9.mlp.fc2", -0x1.5c19e2p-3F, 0x1.18849ap+1F},
    {"blocks.10.attn.qkv", -0x1.26801ap+2F, 0x1.4769eep+2F},
    {"blocks.10.attn.proj", -0x1.890d86p+0F, 0x1.d764c8p+0F},
    {"blocks.10.mlp.fc1", -0x1.104422p+2F, 0x1.56100ap+2F},
    {"blocks.10.mlp.fc2", -0x1.5c19e2p-3F, 0x1.3f1c32p+1F},
    {"blocks.11.attn.qkv", -0x1.2235fep+2F, 0x1.62b0ecp+2F},
    {"blocks.11.attn.proj", -0x1.6b64a8p+0F, 0x1.57d9c6p+0F},
    {"blocks.11.mlp.fc1", -0x1.307daep+2F, 0x1.4704d8p+2F},
    {"blocks.11.mlp.fc2", -0x1.5b147ep-3F, 0x1.d168e4p+0F},
    {"inception_model.magnitude_block.2", 0x0p+0F, 0x1.1aa8eep+5F},
    {"inception_model.magnitude_block.4", 0x0p+0F, 0x1.c3954p+3F},
    {"inception_model.magnitude_block.6", 0x0p+0F, 0x1.0e0b06p+3F},
};

constexpr CommittedLayerRange kBuiltinSeed0[] = {
    {"inception_model.vis_inception.10", 0x0p+0F, 0x1.b20d54p-2F},
    {"blocks.0.attn.qkv", -0x1.a797ecp+1F, 0x1.caf488p+1F},
    {"blocks.0.attn.proj", -0x1.2c1d82p+0F, 0x1.b1812ep+0F},
    {"blocks.0.mlp.fc1", -0x1.cd46d6p+1F, 0x1.c68282p+1F},
    {"blocks.0.mlp.fc2", -0x1.5c19e2p-3F, 0x1.18529ep+1F},
    {"blocks.1.attn.qkv", -0x1.dde5acp+1F, 0x1.b93352p+1F},
    {"blocks.1.attn.proj", -0x1.d0301ap+0F, 0x1.bc13c2p+0F},
    {"blocks.1.mlp.fc1", -0x1.0c060ap+2F, 0x1.edb754p+1F},
    {"blocks.1.mlp.fc2", -0x1.5c19e4p-3F, 0x1.26c8e4p+1F},
    {"blocks.2.attn.qkv", -0x1.fad49cp+1F, 0x1.205b8p+2F},
    {"blocks.2.attn.proj", -0x1.31f176p+0F, 0x1.b22fe2p+0F},
    {"blocks.2.mlp.fc1", -0x1.081accp+2F, 0x1.0d1d58p+2F},
    {"blocks.2.mlp.fc2", -0x1.5c19e2p-3F, 0x1.68157ep+1F},
    {"blocks.3.attn.qkv", -0x1.0d67d8p+2F, 0x1.0fa14ep+2F},
    {"blocks.3.attn.proj", -0x1.89e052p+0F, 0x1.653666p+0F},
    {"blocks.3.mlp.fc1", -0x1.dacb8ap+1F, 0x1.0964e8p+2F},
    {"blocks.3.mlp.fc2", -0x1.5c19e4p-3F, 0x1.3e34acp+1F},
    {"blocks.4.attn.qkv", -0x1.ce5cf6p+1F, 0x1.279358p+2F},
    {"blocks.4.attn.proj", -0x1.41fbf4p+0F, 0x1.8a6b78p+0F},
    {"blocks.4.mlp.fc1", -0x1.17e30ep+2F, 0x1.df250cp+1F},
    {"blocks.4.mlp.fc2", -0x1.5c19e4p-3F, 0x1.0aac08p+1F},
    {"blocks.5.attn.qkv", -0x1.1891b8p+2F, 0x1.c9b5a4p+1F},
    {"blocks.5.attn.proj", -0x1.64984p+0F, 0x1.624c7ep+0F},
    {"blocks.5.mlp.fc1", -0x1.0c0e5cp+2F, 0x1.d5b198p+1F},
    {"blocks.5.mlp.fc2", -0x1.5c19e2p-3F, 0x1.0e6fd2p+1F},
    {"blocks.6.attn.qkv", -0x1.1720eep+2F, 0x1.ca0d46p+1F},
    {"blocks.6.attn.proj", -0x1.815588p+0F, 0x1.88aefap+0F},
    {"blocks.6.mlp.fc1", -0x1.1bdeb6p+2F, 0x1.0f4342p+2F},
    {"blocks.6.mlp.fc2", -0x1.5c19e2p-3F, 0x1.1bbc04p+1F},
    {"blocks.7.attn.qkv", -0x1.07ba3p+2F, 0x1.f86194p+1F},
    {"blocks.7.attn.proj", -0x1.136f0ap+1F, 0x1.5decbep+0F},
    {"blocks.7.mlp.fc1", -0x1.ff607p+1F, 0x1.f03e9p+1F},
    {"blocks.7.mlp.fc2", -0x1.5c19e2p-3F, 0x1.0e63b4p+1F},
    {"blocks.8.attn.qkv", -0x1.ca8f6p+1F, 0x1.0aa8fep+2F},
    {"blocks.8.attn.proj", -0x1.a5c4c2p+0F, 0x1.80cc5ap+0F},
    {"blocks.8.mlp.fc1", -0x1.06ab0cp+2F, 0x1.f719d8p+1F},
    {"blocks.8.mlp.fc2", -0x1.5c19e2p-3F, 0x1.2db914p+1F},
    {"blocks.9.attn.qkv", -0x1.1408ccp+2F, 0x1.dad9a4p+1F},
    {"blocks.9.attn.proj", -0x1.872a44p+0F, 0x1.30332ap+0F},
    {"blocks.9.mlp.fc1", -0x1.e45f3p+1F, 0x1.11addap+2F},
    {"blocks.9.mlp.fc2", -0x1.5c19e2p-3F, 0x1.2353d2p+1F},
    {"blocks.10.attn.qkv", -0x1.00b684p+2F, 0x1.1f953cp+2F},
    {"blocks.10.attn.proj", -0x1.466f34p+0F, 0x1.ae0aap+0F},
    {"blocks.10.mlp.fc1", -0x1.3e5366p+2F, 0x1.25e2fap+2F},
    {"blocks.10.mlp.fc2", -0x1.5c19e2p-3F, 0x1.1828a8p+1F},
    {"blocks.11.attn.qkv", -0x1.1be29p+2F, 0x1.2b4c6ep+2F},
    {"blocks.11.attn.proj", -0x1.c8d9ccp+0F, 0x1.f6f86p+0F},
    {"blocks.11.mlp.fc1", -0x1.975de8p+2F, 0x1.0779cp+2F},
    {"blocks.11.mlp.fc2", -0x1.5bbbb4p-3F, 0x1.9e42eep+0F},
    {"inception_model.magnitude_block.2", 0x0p+0F, 0x1.1bcdeap+5F},
    {"inception_model.magnitude_block.4", 0x0p+0F, 0x1.db3636p+3F},
    {"inception_model.magnitude_block.6", 0x0p+0F, 0x1.99914p+2F},
};

const std::array<CommittedInt8Calibration, 2> kCommitted{{
    {"the seed-0 reference model (tests/fixtures/astromae/model/make_reference.py), as the build generates it",
     0xda1cfeaa26edf801ULL, 64, 17, "AMD EPYC / avx2", "2026-12-07; the Int8Calibration test's output",
     kReferenceSeed0},
    {"the built-in seeded weights, seed 0 (model source builtin)", 0x430441d31c950e2bULL, 64, 17, "AMD EPYC / avx2",
     "2026-12-07; the Int8Calibration test's output", kBuiltinSeed0},
}};

}  // namespace

std::string int8_calibration_cpu() {
  std::string model = "unknown CPU";
  std::ifstream f("/proc/cpuinfo");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("model name", 0) == 0 && line.find(':') != std::string::npos) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  const char* isa = __builtin_cpu_supports("avx512f")                                 ? "avx512"
                    : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "avx2"
                                                                                      : "baseline";
  return model + " / " + isa;
}

std::span<const CommittedInt8Calibration> committed_int8_calibrations() { return kCommitted; }

const CommittedInt8Calibration* find_committed_int8_calibration(std::uint64_t digest, std::int64_t samples,
                                                                std::uint64_t seed) {
  for (const CommittedInt8Calibration& c : kCommitted) {
    if (c.digest == digest && c.samples == samples && c.seed == seed) return &c;
  }
  return nullptr;
}

}  // namespace cosmicai::model
