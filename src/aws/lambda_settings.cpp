#include "aws/lambda_settings.hpp"

#include "model/model_runner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

namespace cosmicai::aws {

int vcpus_for_memory(int memory_mb) {
  if (memory_mb <= 0) return 0;
  return std::clamp((memory_mb + kMegabytesPerVcpu - 1) / kMegabytesPerVcpu, 1, kMaxLambdaVcpus);
}

namespace {
template <class T>
void read_number(const char* name, const char* text, T& out, std::string& problems) {
  if (!text || !*text) return;
  const std::string_view s(text);
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) {
    problems += fmt::format("{}{}: '{}' is not a non-negative integer", problems.empty() ? "" : "; ", name, s);
    return;
  }
  out = value;
}
}  // namespace

LambdaSettings LambdaSettings::from_environment(std::string& problems,
                                                const std::function<const char*(const char*)>& getenv_fn) {
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv_fn ? getenv_fn(name) : std::getenv(name);
    return v ? std::string(v) : std::string();
  };
  LambdaSettings s;
  s.runtime_api = get("AWS_LAMBDA_RUNTIME_API");
  s.function_name = get("AWS_LAMBDA_FUNCTION_NAME");
  if (auto h = get("_HANDLER"); !h.empty()) {
    s.handler = h;
    s.handler_source = "_HANDLER";
  } else if (!s.function_name.empty()) {
    s.handler = s.function_name;
    s.handler_source = "AWS_LAMBDA_FUNCTION_NAME";
  }
  read_number("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").c_str(), s.memory_mb, problems);
  if (auto root = get("LAMBDA_TASK_ROOT"); !root.empty()) s.task_root = root;
  if (auto tmp = get("TMPDIR"); !tmp.empty()) s.tmp_dir = tmp;
  s.store = get("COSMICAI_STORE");
  s.model = get("COSMICAI_MODEL");
  read_number("COSMICAI_THREADS", get("COSMICAI_THREADS").c_str(), s.threads, problems);
  read_number("COSMICAI_MODEL_SEED", get("COSMICAI_MODEL_SEED").c_str(), s.model_seed, problems);
  if (auto p = get("COSMICAI_PRECISION"); !p.empty()) {
    if (std::find(model::kPrecisions.begin(), model::kPrecisions.end(), p) != model::kPrecisions.end()) {
      s.precision = p;
    } else {
      problems += fmt::format("{}COSMICAI_PRECISION: '{}' is not fp32, bf16 or int8", problems.empty() ? "" : "; ", p);
    }
  }
  read_number("COSMICAI_DEADLINE_MARGIN_MS", get("COSMICAI_DEADLINE_MARGIN_MS").c_str(), s.deadline_margin_ms,
              problems);
  s.has_aws_credentials = !get("AWS_ACCESS_KEY_ID").empty() && !get("AWS_SECRET_ACCESS_KEY").empty();
  return s;
}

}  // namespace cosmicai::aws
