// AstroMAE's named weights: state-dict layout, strict loading by name, state-dict files.
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/serialize.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "model/astromae.hpp"
#include "model/model_runner.hpp"
#include "model/weights_file.hpp"
#include "support/fixtures.hpp"

namespace cosmicai::model {
namespace {

// The seed-0 reference model that the build generates (tests/fixtures/astromae/model/make_reference.py).
const std::string kTorchScript = fixtures::reference_model();

const std::map<std::string, at::Tensor>& reference_tensors() {
  static const auto named = [] {
    auto r = read_named_tensors(kTorchScript);
    if (!r.ok()) throw std::runtime_error(r.error().message);
    return *r;
  }();
  return named;
}

std::string load_error(const std::map<std::string, at::Tensor>& named) {
  auto r = AstroMaeWeights::from_named(named, "test.pt");
  return r.ok() ? std::string("(loaded)") : r.error().message;
}

TEST(AstroMaeWeights, SpecNamesAreExactlyTheTorchScriptNames) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  std::set<std::string> specs, script;
  for (const auto& s : astromae_specs()) specs.insert(s.name);
  for (const auto& [name, t] : reference_tensors()) script.insert(name);
  EXPECT_EQ(astromae_specs().size(), 508U);  // the state dict's 508 keys
  EXPECT_EQ(specs, script);
  for (const auto& s : astromae_specs()) {
    EXPECT_EQ(reference_tensors().at(s.name).sizes(), at::IntArrayRef(s.shape)) << s.name;
  }
}

TEST(AstroMaeWeights, LoadsTorchScriptTensorsAndCountsSharedStemOnce) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto w = AstroMaeWeights::from_named(reference_tensors(), kTorchScript);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_EQ(w->parameter_count(), 15'902'889);
  EXPECT_TRUE(at::equal(w->get("blocks.7.mlp.fc2.weight"), reference_tensors().at("blocks.7.mlp.fc2.weight")));
}

TEST(AstroMaeWeights, SeededSinCosTableEqualsTheReferenceOne) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  // pos_embed is MAE's fixed table, not random: the seeded weights must reproduce it.
  const auto seeded = AstroMaeWeights::seeded(0);
  const double diff = (seeded.get("pos_embed") - reference_tensors().at("pos_embed")).abs().max().item<double>();
  EXPECT_LE(diff, 1e-7);
  EXPECT_EQ(seeded.parameter_count(), 15'902'889);
  EXPECT_TRUE(at::equal(seeded.get("head.weight"), AstroMaeWeights::seeded(0).get("head.weight")));
  EXPECT_FALSE(at::equal(seeded.get("head.weight"), AstroMaeWeights::seeded(1).get("head.weight")));
}

TEST(AstroMaeWeights, MissingTensorIsNamed) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto named = reference_tensors();
  named.erase("blocks.3.mlp.fc1.weight");
  const std::string msg = load_error(named);
  EXPECT_NE(msg.find("test.pt"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing 1 tensor(s): blocks.3.mlp.fc1.weight"), std::string::npos) << msg;
}

TEST(AstroMaeWeights, UnexpectedTensorIsNamed) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto named = reference_tensors();
  named.emplace("blocks.12.norm1.weight", at::ones({192}));
  const std::string msg = load_error(named);
  EXPECT_NE(msg.find("unexpected 1 tensor(s): blocks.12.norm1.weight"), std::string::npos) << msg;
}

TEST(AstroMaeWeights, MisShapedTensorIsNamedWithBothShapes) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto named = reference_tensors();
  named["head.weight"] = at::zeros({191, 192});
  const std::string msg = load_error(named);
  EXPECT_NE(msg.find("head.weight has shape [191,192], expected [192,192]"), std::string::npos) << msg;
}

TEST(AstroMaeWeights, NonFiniteAndIntegerTensorsAreRejected) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto named = reference_tensors();
  named["head.bias"] = at::full({192}, std::numeric_limits<float>::quiet_NaN());
  EXPECT_NE(load_error(named).find("head.bias contains NaN"), std::string::npos) << load_error(named);
  named = reference_tensors();
  named["head.bias"] = at::zeros({192}, at::kLong);
  EXPECT_NE(load_error(named).find("head.bias has dtype"), std::string::npos) << load_error(named);
}

TEST(AstroMaeWeights, SharedStemAliasMustAgreeButMayStandAlone) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  auto named = reference_tensors();
  named["inception_model.vis_inception.0.bias"] = named["inception_model.vis_inception.0.bias"] + 1;
  EXPECT_NE(load_error(named).find("differs from inception_model.conv2d_init.bias"), std::string::npos)
      << load_error(named);

  named = reference_tensors();
  named.erase("inception_model.conv2d_init.weight");
  named.erase("inception_model.conv2d_init.bias");
  auto w = AstroMaeWeights::from_named(named, "alias-only");
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(at::equal(w->get("inception_model.conv2d_init.bias"),
                        reference_tensors().at("inception_model.vis_inception.0.bias")));
}

TEST(WeightsFile, StateDictFileWithDataParallelPrefixLoadsAndPredictsLikeTheModule) {
  COSMICAI_REQUIRE_REFERENCE_MODEL();
  c10::Dict<std::string, at::Tensor> dict;
  for (const auto& [name, t] : reference_tensors()) dict.insert("module." + name, t);
  const auto path = std::filesystem::temp_directory_path() / "cosmicai_state_dict_test.pt";
  {
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(dict));
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto named = read_named_tensors(path.string());
  ASSERT_TRUE(named.ok()) << named.error().message;
  EXPECT_EQ(named->size(), reference_tensors().size());
  EXPECT_EQ(named->count("head.weight"), 1U);  // "module." stripped

  ModelOptions a, b;
  a.source = "builtin:" + path.string();
  b.source = "builtin:" + kTorchScript;
  a.threads = b.threads = 1;
  auto ra = ModelRunner::open(a);
  auto rb = ModelRunner::open(b);
  ASSERT_TRUE(ra.ok() && rb.ok());
  std::vector<float> img(3 * 5 * 32 * 32), mag(3 * 5);
  for (std::size_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>(i % 97) * 0.01F;
  for (std::size_t i = 0; i < mag.size(); ++i) mag[i] = 18.0F + static_cast<float>(i) * 0.3F;
  EXPECT_EQ((*ra)->predict(img, mag, 3), (*rb)->predict(img, mag, 3));
  std::filesystem::remove(path);
}

TEST(WeightsFile, NonDictPickleIsExplained) {
  const auto path = std::filesystem::temp_directory_path() / "cosmicai_list_pickle_test.pt";
  {
    c10::List<at::Tensor> list;
    list.push_back(at::zeros({2}));
    const std::vector<char> bytes = torch::pickle_save(c10::IValue(list));
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  auto named = read_named_tensors(path.string());
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.error().message.find("expected a state dict"), std::string::npos) << named.error().message;
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cosmicai::model
