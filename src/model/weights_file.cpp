#include "model/weights_file.hpp"

#include <fmt/format.h>
#include <torch/script.h>
#include <torch/serialize.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>

namespace cosmicai::model {
namespace {

std::string first_line(const std::string& s) {
  const auto pos = s.find('\n');
  return pos == std::string::npos ? s : s.substr(0, pos);
}

Result<std::map<std::string, at::Tensor>> from_ivalue(const c10::IValue& value, const std::string& path) {
  if (!value.isGenericDict()) {
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model weights {}: the pickled object is a {}, expected a state dict "
                                  "(name -> tensor); save model.state_dict(), not the model",
                                  path, value.tagKind()));
  }
  std::map<std::string, at::Tensor> out;
  for (const auto& entry : value.toGenericDict()) {
    if (!entry.key().isString()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("model weights {}: state dict has a non-string key", path));
    }
    const std::string name = entry.key().toStringRef();
    if (!entry.value().isTensor()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("model weights {}: state dict entry '{}' is a {}, expected a tensor", path, name,
                                    entry.value().tagKind()));
    }
    out.emplace(name, entry.value().toTensor());
  }
  // A state dict taken from the original's DataParallel wrapper has every key under "module.".
  const std::string prefix = "module.";
  const bool wrapped = !out.empty() && std::all_of(out.begin(), out.end(),
                                                   [&](const auto& kv) { return kv.first.rfind(prefix, 0) == 0; });
  if (wrapped) {
    std::map<std::string, at::Tensor> stripped;
    for (auto& [k, v] : out) stripped.emplace(k.substr(prefix.size()), v);
    out = std::move(stripped);
  }
  return out;
}

}  // namespace

Result<std::map<std::string, at::Tensor>> read_named_tensors(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return make_error(ErrorCode::kNotFound, fmt::format("model weights {}: no such file", path));
  }
  std::string script_error;
  try {
    torch::jit::Module module = torch::jit::load(path, torch::kCPU);
    std::map<std::string, at::Tensor> out;
    for (const auto& p : module.named_parameters(/*recurse=*/true)) out.emplace(p.name, p.value);
    for (const auto& b : module.named_buffers(/*recurse=*/true)) out.emplace(b.name, b.value);
    if (out.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("model weights {}: the TorchScript module has no named parameters "
                                    "(a frozen module loses them; export without torch.jit.freeze)",
                                    path));
    }
    return out;
  } catch (const std::exception& e) {
    script_error = first_line(e.what());
  }
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return from_ivalue(torch::pickle_load(bytes), path);
  } catch (const std::exception& e) {
    // model.state_dict() is a collections.OrderedDict, which LibTorch's unpickler turns into None.
    const std::string_view head(bytes.data(), std::min<std::size_t>(bytes.size(), 4096));
    if (head.find("collections\nOrderedDict") != std::string_view::npos) {
      return make_error(ErrorCode::kInvalidArgument,
                        fmt::format("model weights {}: a pickled OrderedDict (model.state_dict()) cannot be read by "
                                    "LibTorch; save a plain dict, torch.save(dict(model.state_dict()), PATH), or a "
                                    "TorchScript module",
                                    path));
    }
    return make_error(ErrorCode::kInvalidArgument,
                      fmt::format("model weights {}: neither a TorchScript module ({}) nor a torch.save state "
                                  "dict ({})",
                                  path, script_error, first_line(e.what())));
  }
}

}  // namespace cosmicai::model
