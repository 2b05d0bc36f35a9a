#pragma once
/// Files of the repository compiled into the binary (src/aws/templates/ and the seeds' state
/// machine), so that `cosmicai deploy aws` writes them from one source of truth.
#include <string_view>
#include <vector>

namespace cosmicai::aws {

struct EmbeddedFile {
  std::string_view name;  ///< path relative to the repository root
  std::string_view data;
};

/// Return every embedded file. Thread-safe.
const std::vector<EmbeddedFile>& embedded_files();

}  // namespace cosmicai::aws
