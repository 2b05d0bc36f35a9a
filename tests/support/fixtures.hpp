// Where the tests find their fixtures (tests/fixtures/astromae/README.md) and the generated
// AstroMAE reference model (cmake/fixtures.cmake). Needs what cosmicai_fixture_definitions()
// gives a target: the COSMICAI_FIXTURES_DIR and COSMICAI_REFERENCE_MODEL definitions and the
// generated header with COSMICAI_REFERENCE_MODEL_MISSING.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cosmicai_reference_model_status.hpp"

namespace cosmicai::fixtures {

/// tests/fixtures/astromae: reference_io.json and partitions/{tiny,legacy,corrupt}.
inline std::string astromae_dir() { return std::string(COSMICAI_FIXTURES_DIR) + "/astromae"; }

/// tests/fixtures/astromae/partitions.
inline std::string partitions_dir() { return astromae_dir() + "/partitions"; }

/// The seed-0 reference model (TorchScript), generated into the build folder.
inline std::string reference_model() { return COSMICAI_REFERENCE_MODEL; }

/// Why the build could not generate the reference model; empty when it does.
inline std::string reference_model_missing() { return COSMICAI_REFERENCE_MODEL_MISSING; }

}  // namespace cosmicai::fixtures

/// In a test body or SetUp(): skip with the reason when this build cannot generate the reference
/// model (no Python with torch at configure time). When it can, the file must be there: a missing
/// file fails the test rather than skipping it.
#define COSMICAI_REQUIRE_REFERENCE_MODEL()                                                                   \
  do {                                                                                                     \
    if (!::cosmicai::fixtures::reference_model_missing().empty())                                          \
      GTEST_SKIP() << ::cosmicai::fixtures::reference_model_missing();                                     \
    ASSERT_TRUE(std::filesystem::is_regular_file(::cosmicai::fixtures::reference_model()))                 \
        << "reference model " << ::cosmicai::fixtures::reference_model()                                 \
        << " is missing; build the target cosmicai_reference_model";                                      \
  } while (0)
