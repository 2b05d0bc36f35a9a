#include "aws/deploy_bundle.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <regex>
#include <set>

#include "aws/embedded_files.hpp"
#include "cosmic/handlers.hpp"
#include "functions/registry.hpp"
#include "model/model_runner.hpp"

namespace cosmicai::aws {

namespace fs = std::filesystem;

namespace {

constexpr const char* kVersion = "0.1.0";
// Debian packages the binary and the model library need at run time (their NEEDED libraries).
constexpr const char* kRuntimePackages = "libtorch1.13 libcurl4 libfmt9 libssl3 zlib1g ca-certificates";

Result<std::string_view> embedded(std::string_view name) {
  for (const auto& f : embedded_files()) {
    if (f.name == name) return f.data;
  }
  return make_error(ErrorCode::kInternal, fmt::format("embedded file {} is missing from the binary", name));
}

Result<json> embedded_json(std::string_view name) {
  auto text = embedded(name);
  if (!text) return text.error();
  try {
    return json::parse(*text);
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kInternal, fmt::format("embedded {}: {}", name, e.what()));
  }
}

// Replace @NAME@ markers in text; any marker left over is an error.
Result<std::string> fill_text(std::string text, const std::map<std::string, std::string>& values,
                              std::string_view what) {
  for (const auto& [k, v] : values) {
    const std::string marker = "@" + k + "@";
    for (auto pos = text.find(marker); pos != std::string::npos; pos = text.find(marker, pos + v.size())) {
      text.replace(pos, marker.size(), v);
    }
  }
  std::smatch m;
  if (std::regex_search(text, m, std::regex("@[A-Z_]+@"))) {
    return make_error(ErrorCode::kInternal, fmt::format("{}: unfilled marker {}", what, m.str()));
  }
  return text;
}

// Visit every Task state of a state list, recursing into Map and Parallel.
void for_each_state(json& states, const std::function<void(const std::string&, json&)>& fn) {
  for (auto it = states.begin(); it != states.end(); ++it) {
    json& s = it.value();
    fn(it.key(), s);
    for (const char* inner : {"Iterator", "ItemProcessor"}) {
      if (s.contains(inner) && s[inner].contains("States")) for_each_state(s[inner]["States"], fn);
    }
    if (s.contains("Branches")) {
      for (auto& b : s["Branches"]) {
        if (b.contains("States")) for_each_state(b["States"], fn);
      }
    }
  }
}

std::string partition_of(const std::string& region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

Status write_file(const fs::path& path, std::string_view data, bool executable, std::vector<std::string>& written,
                  const fs::path& root) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) return make_error(ErrorCode::kIo, fmt::format("cannot write {}", tmp.string()));
  }
  fs::permissions(tmp, executable ? fs::perms(0755) : fs::perms(0644), ec);
  fs::rename(tmp, path, ec);
  if (ec) return make_error(ErrorCode::kIo, fmt::format("cannot write {}: {}", path.string(), ec.message()));
  written.push_back(fs::relative(path, root).string());
  return {};
}

Status copy_file(const fs::path& from, const fs::path& to, bool executable, std::vector<std::string>& written,
                 const fs::path& root, std::string_view option) {
  std::error_code ec;
  if (!fs::is_regular_file(from, ec)) {
    return make_error(ErrorCode::kNotFound, fmt::format("{} {}: no such file", option, from.string()));
  }
  fs::create_directories(to.parent_path(), ec);
  fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
  if (ec)
    return make_error(ErrorCode::kIo,
                      fmt::format("cannot copy {} to {}: {}", from.string(), to.string(), ec.message()));
  fs::permissions(to, executable ? fs::perms(0755) : fs::perms(0644), ec);
  written.push_back(fs::relative(to, root).string());
  return {};
}

std::string pretty(const json& j) { return j.dump(2) + "\n"; }

}  // namespace

Status check_deploy_options(const DeployOptions& o) {
  auto bad = [](std::string what) -> Status { return make_error(ErrorCode::kInvalidArgument, std::move(what)); };
  if (o.out_dir.empty()) return bad("--out: the bundle folder is required");
  if (!o.account.empty() && (o.account.size() != 12 || !std::all_of(o.account.begin(), o.account.end(), ::isdigit))) {
    return bad(fmt::format("--account: must be 12 digits, got '{}'", o.account));
  }
  if (!std::regex_match(o.region, std::regex("[a-z]{2}(-gov)?-[a-z]+-[0-9]"))) {
    return bad(fmt::format("--region: not an AWS region name: '{}'", o.region));
  }
  if (!std::regex_match(o.data_bucket, std::regex("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"))) {
    return bad(fmt::format("--data-bucket: not a valid S3 bucket name: '{}'", o.data_bucket));
  }
  for (const auto& [opt, v] : {std::pair{"--data-prefix", o.data_prefix}, {"--result-prefix", o.result_prefix}}) {
    if (v.empty() || v.front() == '/' || v.back() == '/' || v.find('*') != std::string::npos) {
      return bad(fmt::format("{}: a key prefix without leading/trailing '/' or '*', got '{}'", opt, v));
    }
  }
  for (const auto& [opt, v] : {std::pair{"--initialize-function", o.initialize_function},
                               {"--infer-function", o.infer_function},
                               {"--summarize-function", o.summarize_function},
                               {"--state-machine-name", o.state_machine_name}}) {
    if (!std::regex_match(v, std::regex("[A-Za-z0-9_-]{1,64}"))) {
      return bad(fmt::format("{}: 1 to 64 letters, digits, '-' or '_', got '{}'", opt, v));
    }
  }
  for (const auto& [opt, v, lo, hi] : {std::tuple{"--infer-memory-mb", o.infer_memory_mb, 128, 10240},
                                       {"--helper-memory-mb", o.helper_memory_mb, 128, 10240},
                                       {"--timeout-s", o.timeout_s, 1, 900},
                                       {"--ephemeral-mb", o.ephemeral_mb, 512, 10240}}) {
    if (v < lo || v > hi) return bad(fmt::format("{}: must be in [{}, {}], got {}", opt, lo, hi, v));
  }
  return {};
}

Result<json> make_state_machine(bool item_reader) {
  const char* source = item_reader ? "examples/cosmic-ai/cai-state-machine-itemreader.json"
                                   : "examples/cosmic-ai/cai-state-machine.json";
  auto machine = embedded_json(source);
  if (!machine) return machine.error();
  json def = std::move(*machine);
  const std::map<std::string, std::string> arn_of = {{cosmic::kInitializeFunction, "InitializeFunctionArn"},
                                                     {cosmic::kInferFunction, "InferFunctionArn"},
                                                     {cosmic::kSummarizeFunction, "SummarizeFunctionArn"}};
  std::string problem;
  std::set<std::string> replaced;
  for_each_state(def["States"], [&](const std::string& name, json& s) {
    if (s.value("Type", "") != "Task" || !s.contains("Parameters") || !s["Parameters"].contains("FunctionName")) return;
    const auto ref = functions::parse_function_ref(s["Parameters"]["FunctionName"].get<std::string>());
    auto it = arn_of.find(ref.name);
    if (it == arn_of.end()) {
      problem = fmt::format("{}: state {} calls {}, not one of the workflow's functions", source, name, ref.name);
      return;
    }
    s["Parameters"]["FunctionName"] = "${" + it->second + "}" + (ref.qualifier.empty() ? "" : ":" + ref.qualifier);
    replaced.insert(it->second);
  });
  if (!problem.empty()) return make_error(ErrorCode::kInternal, problem);
  if (replaced.size() != arn_of.size()) {
    return make_error(ErrorCode::kInternal,
                      fmt::format("{}: calls {} of the 3 workflow functions", source, replaced.size()));
  }
  return def;
}

Result<json> substitute_placeholders(const json& doc, const std::map<std::string, std::string>& values) {
  if (doc.is_string()) {
    const std::string s = doc.get<std::string>();
    std::string out;
    std::size_t pos = 0;
    while (true) {
      const auto open = s.find("${", pos);
      if (open == std::string::npos) break;
      const auto close = s.find('}', open);
      if (close == std::string::npos) return make_error(ErrorCode::kInternal, fmt::format("unclosed ${{ in '{}'", s));
      const std::string name = s.substr(open + 2, close - open - 2);
      auto it = values.find(name);
      if (it == values.end()) {
        return make_error(ErrorCode::kInternal, fmt::format("unknown placeholder ${{{}}} in '{}'", name, s));
      }
      out += s.substr(pos, open - pos) + it->second;
      pos = close + 1;
    }
    return json(out + s.substr(pos));
  }
  if (doc.is_array() || doc.is_object()) {
    json out = doc;
    for (auto it = out.begin(); it != out.end(); ++it) {
      auto v = substitute_placeholders(it.value(), values);
      if (!v) return v.error();
      it.value() = std::move(*v);
    }
    return out;
  }
  return doc;
}

json to_cloudformation_sub(const json& doc) {
  if (doc.is_string()) {
    const auto& s = doc.get_ref<const std::string&>();
    return s.find("${") != std::string::npos ? json{{"Fn::Sub", s}} : doc;
  }
  json out = doc;
  if (doc.is_array() || doc.is_object()) {
    for (auto it = out.begin(); it != out.end(); ++it) it.value() = to_cloudformation_sub(it.value());
  }
  return out;
}

std::map<std::string, std::string> concrete_values(const DeployOptions& o) {
  const std::string partition = partition_of(o.region);
  auto fn_arn = [&](const std::string& name) {
    return fmt::format("arn:{}:lambda:{}:{}:function:{}", partition, o.region, o.account, name);
  };
  return {{"AWS::Partition", partition},
          {"AWS::Region", o.region},
          {"AWS::AccountId", o.account},
          {"DataBucket", o.data_bucket},
          {"DataPrefix", o.data_prefix},
          {"ResultPrefix", o.result_prefix},
          {"StateMachineName", o.state_machine_name},
          {"InitializeFunctionName", o.initialize_function},
          {"InferFunctionName", o.infer_function},
          {"SummarizeFunctionName", o.summarize_function},
          {"InitializeFunctionArn", fn_arn(o.initialize_function)},
          {"InferFunctionArn", fn_arn(o.infer_function)},
          {"SummarizeFunctionArn", fn_arn(o.summarize_function)}};
}

Result<std::vector<std::string>> write_aws_bundle(const DeployOptions& o) {
  if (auto st = check_deploy_options(o); !st) return st.error();
  const fs::path root = o.out_dir;
  std::vector<std::string> written;
  auto write = [&](const std::string& rel, std::string_view data, bool exec = false) {
    return write_file(root / rel, data, exec, written, root);
  };

  std::string runtime_packages_comma = kRuntimePackages;
  std::replace(runtime_packages_comma.begin(), runtime_packages_comma.end(), ' ', ',');
  const std::map<std::string, std::string> text_values = {
      {"VERSION", kVersion},
      {"REGION", o.region},
      {"ACCOUNT", o.account.empty() ? "(not given)" : o.account},
      {"ACCOUNT_SHELL", o.account.empty() ? "$(aws sts get-caller-identity --query Account --output text)" : o.account},
      {"DATA_BUCKET", o.data_bucket},
      {"DATA_PREFIX", o.data_prefix},
      {"RESULT_PREFIX", o.result_prefix},
      {"STATE_MACHINE_NAME", o.state_machine_name},
      {"INITIALIZE_FUNCTION", o.initialize_function},
      {"INFER_FUNCTION", o.infer_function},
      {"SUMMARIZE_FUNCTION", o.summarize_function},
      {"INFER_MEMORY", std::to_string(o.infer_memory_mb)},
      {"HELPER_MEMORY", std::to_string(o.helper_memory_mb)},
      {"TIMEOUT", std::to_string(o.timeout_s)},
      {"EPHEMERAL", std::to_string(o.ephemeral_mb)},
      {"CREATE_BUCKET", o.create_bucket ? "true" : "false"},
      {"RUNTIME_PACKAGES", kRuntimePackages},
      {"RUNTIME_PACKAGES_COMMA", runtime_packages_comma},
      {"MODEL_NOTE", o.model.empty() ? "none baked in: copy a TorchScript model to image/task/model/model.pt before "
                                       "building, or set the stack parameter ModelSource (e.g. builtin for a smoke "
                                       "test with untrained weights)"
                                     : "image/task/model/model.pt, from " + o.model}};

  // === Text templates ===
  for (const auto& [src, dst, exec] : {std::tuple{"README.md", "README.md", false},
                                       {"Dockerfile", "image/Dockerfile", false},
                                       {"build-image.sh", "image/build-image.sh", true},
                                       {"bootstrap", "image/task/bootstrap", true}}) {
    auto text = embedded(std::string("src/aws/templates/") + src);
    if (!text) return text.error();
    auto filled = fill_text(std::string(*text), text_values, src);
    if (!filled) return filled.error();
    if (auto st = write(dst, *filled, exec); !st) return st.error();
  }

  // === IAM ===
  std::map<std::string, json> policies;
  for (const char* name : {"lambda-trust", "states-trust", "initialize-policy", "infer-policy", "summarize-policy",
                           "states-policy", "states-itemreader-policy"}) {
    auto doc = embedded_json(fmt::format("src/aws/templates/iam/{}.json", name));
    if (!doc) return doc.error();
    policies[name] = *doc;
    if (auto st = write(fmt::format("iam/{}.json", name), pretty(*doc)); !st) return st.error();
  }

  // === State machines ===
  auto inline_def = make_state_machine(false);
  if (!inline_def) return inline_def.error();
  auto reader_def = make_state_machine(true);
  if (!reader_def) return reader_def.error();
  if (auto st = write("statemachine/state-machine.asl.json", pretty(*inline_def)); !st) return st.error();
  if (auto st = write("statemachine/state-machine-itemreader.asl.json", pretty(*reader_def)); !st) return st.error();

  // === Concrete files for one account ===
  if (!o.account.empty()) {
    const auto values = concrete_values(o);
    for (const auto& [name, doc] : policies) {
      auto r = substitute_placeholders(doc, values);
      if (!r) return r.error();
      if (auto st = write(fmt::format("iam/{}.rendered.json", name), pretty(*r)); !st) return st.error();
    }
    for (const auto& [file, def] : {std::pair{"statemachine/state-machine.json", &*inline_def},
                                    {"statemachine/state-machine-itemreader.json", &*reader_def}}) {
      auto r = substitute_placeholders(*def, values);
      if (!r) return r.error();
      if (auto st = write(file, pretty(*r)); !st) return st.error();
    }
  }

  // === CloudFormation ===
  auto cfn_text = embedded("src/aws/templates/cloudformation.json");
  if (!cfn_text) return cfn_text.error();
  auto cfn_filled = fill_text(std::string(*cfn_text), text_values, "cloudformation.json");
  if (!cfn_filled) return cfn_filled.error();
  json cfn = json::parse(*cfn_filled);
  std::string problem;
  std::function<void(json&)> expand = [&](json& node) {
    if (node.is_string()) {
      const std::string s = node.get<std::string>();
      if (s.size() < 3 || s.front() != '@' || s.back() != '@') return;
      const std::string marker = s.substr(1, s.size() - 2);
      if (marker.starts_with("policy:") || marker.starts_with("trust:")) {
        const std::string name =
            marker.starts_with("policy:") ? marker.substr(7) + "-policy" : marker.substr(6) + "-trust";
        auto it = policies.find(name);
        if (it == policies.end()) {
          problem = "cloudformation.json: unknown marker " + s;
        } else {
          node = to_cloudformation_sub(it->second);
        }
      } else if (marker == "definition:inline" || marker == "definition:itemreader") {
        node = pretty(marker == "definition:inline" ? *inline_def : *reader_def);
      } else {
        problem = "cloudformation.json: unknown marker " + s;
      }
      return;
    }
    if (node.is_array() || node.is_object()) {
      for (auto& child : node) expand(child);
    }
  };
  expand(cfn);
  if (!problem.empty()) return make_error(ErrorCode::kInternal, problem);
  if (auto st = write("cloudformation/cosmicai.json", pretty(cfn)); !st) return st.error();

  // === Example payload (the seeds' world11-100MB, pointed at the stack's bucket and prefixes) ===
  const json payload = {{"bucket", o.data_bucket},
                        {"file_limit", "11"},
                        {"batch_size", 512},
                        {"object_type", "folder"},
                        {"S3_object_name", "Anomaly Detection"},
                        {"script", "/tmp/Anomaly Detection/Inference/inference.py"},
                        {"result_path", o.result_prefix + "/run-1"},
                        {"data_bucket", o.data_bucket},
                        {"data_prefix", o.data_prefix + "/100MB"}};
  if (auto st = write("payload.json", pretty(payload)); !st) return st.error();

  // === The image's /var/task ===
  if (o.stage_task) {
    std::string exe = o.executable;
    if (exe.empty()) {
      std::error_code ec;
      exe = fs::read_symlink("/proc/self/exe", ec).string();
      if (ec) return make_error(ErrorCode::kIo, "cannot find this executable (/proc/self/exe); pass --executable");
    }
    if (auto st = copy_file(exe, root / "image/task/cosmicai", true, written, root, "--executable"); !st) {
      return st.error();
    }
    std::string lib = o.model_library;
    if (lib.empty()) {
      auto found = model::model_library_path();
      if (!found) return make_error(found.error().code, "--model-library: " + found.error().message);
      lib = *found;
    }
    if (auto st = copy_file(lib, root / "image/task/libcosmicai_model.so", false, written, root, "--model-library");
        !st) {
      return st.error();
    }
    if (!o.model.empty()) {
      if (auto st = copy_file(o.model, root / "image/task/model/model.pt", false, written, root, "--model"); !st) {
        return st.error();
      }
    }
  }
  return written;
}

}  // namespace cosmicai::aws
