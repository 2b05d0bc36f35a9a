#pragma once
/// Named tensors from a model file: a TorchScript module (parameters and buffers keep their
/// names unless the module was frozen) or a `torch.save`d state dict.
///
/// Internal to src/model (includes ATen).
#include <ATen/ATen.h>

#include <map>
#include <string>

#include "common/result.hpp"

namespace cosmicai::model {

/// Read every named parameter and buffer from the TorchScript module or state dict at `path`.
/// Errors name the path and say why neither format could be read.
Result<std::map<std::string, at::Tensor>> read_named_tensors(const std::string& path);

}  // namespace cosmicai::model
