#include "engine/map_io/result_writer.hpp"

#include <fmt/format.h>

#include "asl/errors.hpp"
#include "engine/map_io/s3_errors.hpp"

namespace cosmicai::engine::map_io {

using asl::StatesError;

namespace {

[[noreturn]] void fail(std::string cause) { throw StatesError(asl::errors::kResultWriterFailed, std::move(cause)); }

/// "Step Functions supports individual result files of up to 5 GB."
constexpr std::size_t kMaxResultFileBytes = 5ULL << 30;

json transformed(const ChildRecord& c, asl::ResultTransformation t, const MapRunNames& names) {
  if (c.status != ChildRecord::Status::kSucceeded || t == asl::ResultTransformation::kNone) {
    return child_metadata(c, names);
  }
  return c.output;
}

}  // namespace

MapRunNames make_map_run_names(const std::string& execution_arn, const std::string& label, const std::string& uuid) {
  // execution_arn = arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME
  std::string head = execution_arn, machine = "StateMachine";
  if (const auto pos = execution_arn.find(":execution:"); pos != std::string::npos) {
    head = execution_arn.substr(0, pos);
    const std::string rest = execution_arn.substr(pos + 11);
    machine = rest.substr(0, rest.find(':'));
  }
  MapRunNames n;
  n.map_run_id = uuid;
  n.map_run_arn = head + ":mapRun:" + machine + "/" + label + ":" + uuid;
  n.state_machine_arn = head + ":stateMachine:" + machine + "/" + label;
  n.execution_prefix = head + ":execution:" + machine + "/" + label + ":";
  return n;
}

json child_metadata(const ChildRecord& c, const MapRunNames& names) {
  json j = json::object();
  const bool ok = c.status == ChildRecord::Status::kSucceeded;
  const bool pending = c.status == ChildRecord::Status::kPending;
  if (!pending) j["ExecutionArn"] = names.execution_prefix + c.name;
  j["Input"] = dump_compact(c.input);
  j["InputDetails"] = {{"Included", true}};
  if (!pending) j["Name"] = c.name;
  if (ok) {
    j["Output"] = dump_compact(c.output);
    j["OutputDetails"] = {{"Included", true}};
  }
  if (c.status == ChildRecord::Status::kFailed) {
    if (c.error) j["Error"] = *c.error;
    if (c.cause) j["Cause"] = *c.cause;
  }
  if (!pending) {
    j["RedriveCount"] = 0;
    j["RedriveStatus"] = "NOT_REDRIVABLE";
    j["RedriveStatusReason"] = ok ? "Execution is SUCCEEDED and cannot be redriven"
                                  : "Execution is FAILED and cannot be redriven by this engine";
    j["StartDate"] = format_iso8601(c.start);
  }
  j["StateMachineArn"] = names.state_machine_arn;
  j["Status"] = ok ? "SUCCEEDED" : pending ? "PENDING" : "FAILED";
  if (!pending) j["StopDate"] = format_iso8601(c.stop);
  return j;
}

json transform_results(const std::vector<ChildRecord>& children, const asl::ResultWriter& w, const MapRunNames& names) {
  json out = json::array();
  for (const auto& c : children) {
    if (c.status == ChildRecord::Status::kPending) continue;
    json v = transformed(c, w.transformation, names);
    if (w.transformation == asl::ResultTransformation::kFlatten && c.status == ChildRecord::Status::kSucceeded &&
        v.is_array()) {
      for (auto& e : v) out.push_back(std::move(e));
    } else {
      out.push_back(std::move(v));
    }
  }
  return out;
}

json export_results(const std::vector<ChildRecord>& children, const asl::ResultWriter& w, const json& params,
                    const MapRunNames& names, const StoreResolver* stores) {
  if (!params.is_object() || !params.contains("Bucket") || !params.at("Bucket").is_string() ||
      params.at("Bucket").get_ref<const std::string&>().empty()) {
    fail("The ResultWriter Parameters need a string 'Bucket', got " + dump_compact(params));
  }
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (it.key() != "Bucket" && it.key() != "Prefix") {
      fail("The ResultWriter parameter '" + it.key() + "' is not supported (supported: Bucket, Prefix)");
    }
  }
  const std::string bucket = params.at("Bucket").get<std::string>();
  std::string prefix;
  if (params.contains("Prefix")) {
    if (!params.at("Prefix").is_string())
      fail("The ResultWriter parameter 'Prefix' must be a string, got " + dump_compact(params.at("Prefix")));
    prefix = params.at("Prefix").get<std::string>();
  }
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  const std::string base = prefix + names.map_run_id + "/";
  if (!stores)
    fail("No object store is configured for the ResultWriter (" + where(bucket, base + "manifest.json") +
         "): run with --store");
  auto store_r = stores->store_for(bucket);
  if (!store_r) fail("Cannot reach the store for " + where(bucket, base) + ": " + store_r.error().message);
  auto& store = **store_r;

  auto put = [&](const std::string& key, const std::string& body) {
    auto st = store.put(bucket, key, body);
    if (!st) {
      auto f = classify_s3_error(st.error(), store, bucket, true);
      fail(fmt::format("Amazon S3 PutObject failed for {}: {} ({}, Status Code: {}) [{}]", where(bucket, key),
                       f.message, f.code, f.status, f.detail));
    }
  };
  const bool jsonl = w.output_type == asl::ResultOutputType::kJsonl;
  json files = {{"FAILED", json::array()}, {"PENDING", json::array()}, {"SUCCEEDED", json::array()}};
  for (const auto& [status, label] :
       {std::pair{ChildRecord::Status::kFailed, "FAILED"}, std::pair{ChildRecord::Status::kPending, "PENDING"},
        std::pair{ChildRecord::Status::kSucceeded, "SUCCEEDED"}}) {
    std::string body;
    std::size_t entries = 0;
    int index = 0;
    auto flush = [&] {
      if (entries == 0) return;
      if (!jsonl) body += "]";
      const std::string key = base + label + "_" + std::to_string(index++) + ".json";
      put(key, body);
      files[label].push_back(json{{"Key", key}, {"Size", body.size()}});
      body.clear();
      entries = 0;
    };
    for (const auto& c : children) {
      if (c.status != status) continue;
      json v = transformed(c, w.transformation, names);
      std::vector<json> values;
      if (w.transformation == asl::ResultTransformation::kFlatten && status == ChildRecord::Status::kSucceeded &&
          v.is_array()) {
        for (auto& e : v) values.push_back(std::move(e));
      } else {
        values.push_back(std::move(v));
      }
      for (const auto& value : values) {
        const std::string text = dump_compact(value);
        if (entries > 0 && body.size() + text.size() + 2 > kMaxResultFileBytes) flush();
        if (jsonl) {
          body += text;
          body += '\n';
        } else {
          body += entries == 0 ? "[" : ",";
          body += text;
        }
        ++entries;
      }
    }
    flush();
  }
  const std::string manifest_key = base + "manifest.json";
  json manifest = {{"DestinationBucket", bucket}, {"MapRunArn", names.map_run_arn}, {"ResultFiles", files}};
  put(manifest_key, manifest.dump(2));
  return json{{"MapRunArn", names.map_run_arn}, {"ResultWriterDetails", {{"Bucket", bucket}, {"Key", manifest_key}}}};
}

}  // namespace cosmicai::engine::map_io
