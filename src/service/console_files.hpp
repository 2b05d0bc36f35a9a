#pragma once
/// The console's static files (src/service/console/: page, script, style sheet), compiled into the
/// binary by cmake/embed_files.cmake.
#include <string_view>
#include <vector>

namespace cosmicai::service::console_files {

struct EmbeddedFile {
  std::string_view name;  ///< path relative to the repository root ("src/service/console/console.js")
  std::string_view data;
};

/// Return every embedded console file. Thread-safe.
const std::vector<EmbeddedFile>& embedded_files();

}  // namespace cosmicai::service::console_files
