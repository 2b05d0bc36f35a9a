#include "cli/graphviz.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "report/html/state_graph.hpp"

namespace cosmicai::cli {

std::string run_dot(const std::string& source, std::string& why) {
  char tmpl[] = "/tmp/cosmicai-graph-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) {
    why = "cannot create a temporary file for dot";
    return {};
  }
  if (write(fd, source.data(), source.size()) != static_cast<ssize_t>(source.size())) {
    close(fd);
    unlink(tmpl);
    why = "cannot write the dot input";
    return {};
  }
  close(fd);
  const std::string cmd = fmt::format("dot -Tsvg '{}' 2>/dev/null", tmpl);
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[65536];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = pclose(p);
    if (rc != 0) {
      why = fmt::format("dot exited with status {}", rc);
      out.clear();
    }
  } else {
    why = "cannot start dot";
  }
  unlink(tmpl);
  return report::html::inline_dot_svg(out);
}

bool have_dot() {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "");
  std::string d;
  while (std::getline(ss, d, ':')) {
    if (!d.empty() && access((std::filesystem::path(d) / "dot").c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace cosmicai::cli
