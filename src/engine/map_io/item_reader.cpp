#include "engine/map_io/item_reader.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "asl/path/json_path.hpp"
#include "common/json_limits.hpp"
#include "engine/map_io/csv.hpp"
#include "engine/map_io/s3_errors.hpp"

namespace cosmicai::engine::map_io {

using asl::StatesError;

namespace {

[[noreturn]] void fail(std::string cause) { throw StatesError(asl::errors::kItemReaderFailed, std::move(cause)); }

std::string string_param(const json& params, const char* name, bool required, const std::string& resource) {
  const auto it = params.find(name);
  if (it == params.end() || it->is_null()) {
    if (required)
      fail(fmt::format("The {} parameter '{}' is missing (Parameters {})", resource, name, dump_compact(params)));
    return {};
  }
  if (!it->is_string()) {
    fail(fmt::format("The {} parameter '{}' must be a string, got {}", resource, name, dump_compact(*it)));
  }
  return it->get<std::string>();
}

void allow_params(const json& params, std::initializer_list<std::string_view> allowed, const std::string& resource) {
  for (auto it = params.begin(); it != params.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) == allowed.end()) {
      fail(fmt::format("The {} parameter '{}' is not supported here (supported: {})", resource, it.key(),
                       fmt::join(allowed, ", ")));
    }
  }
}

std::shared_ptr<storage::ObjectStore> store_for(const StoreResolver* stores, const std::string& bucket,
                                                const std::string& key) {
  if (!stores) {
    fail(fmt::format("No object store is configured for the ItemReader ({}): run with --store", where(bucket, key)));
  }
  auto s = stores->store_for(bucket);
  if (!s) fail(fmt::format("Cannot reach the store for {}: {}", where(bucket, key), s.error().message));
  return *s;
}

std::string s3_cause(const std::string& action, const S3Failure& f, const std::string& bucket, const std::string& key) {
  return fmt::format("Amazon S3 {} failed for {}: {} ({}, Status Code: {}) [{}]", action, where(bucket, key), f.message,
                     f.code, f.status, f.detail);
}

std::string gunzip(const std::string& data, const std::string& what) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) fail(what + ": cannot start gzip decompression");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      fail(fmt::format("{}: not a valid gzip file ({})", what, zs.msg ? zs.msg : "inflate failed"));
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      fail(what + ": truncated gzip file");
    }
  }
  inflateEnd(&zs);
  return out;
}

std::string get_object(const StoreResolver* stores, const std::string& bucket, const std::string& key) {
  auto store = store_for(stores, bucket, key);
  auto data = store->get(bucket, key);
  if (!data) fail(s3_cause("GetObject", classify_s3_error(data.error(), *store, bucket, true), bucket, key));
  return std::move(data).value();
}

/// CSV rows → objects keyed by the header, every value a string. Keys are ordered as AWS returns
/// them (recorded by LocalStack): names not starting with a letter first, then by name.
std::vector<json> csv_items(const std::string& text, const asl::ItemReader& r, std::vector<std::string> headers,
                            std::size_t limit, const std::string& what) {
  const bool first_row = r.csv_header_location == asl::CsvHeaderLocation::kFirstRow;
  auto records = parse_csv(text, r.csv_delimiter, what, limit == SIZE_MAX ? 0 : limit + (first_row ? 1 : 0));
  if (!records) fail(fmt::format("The item file is not valid CSV: {}", records.error().message));
  std::size_t begin = 0;
  if (first_row) {
    if (records->empty()) fail(what + ": the CSV file is empty, so it has no header row");
    headers = (*records)[0].fields;
    begin = 1;
  }
  if (std::set<std::string>(headers.begin(), headers.end()).size() < headers.size()) {
    fail(what + ": CSV headers cannot contain duplicates.");
  }
  std::vector<std::size_t> order(headers.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const bool alpha_a = !headers[a].empty() && std::isalpha(static_cast<unsigned char>(headers[a][0]));
    const bool alpha_b = !headers[b].empty() && std::isalpha(static_cast<unsigned char>(headers[b][0]));
    if (alpha_a != alpha_b) return !alpha_a;
    return headers[a] < headers[b];
  });
  std::vector<json> items;
  for (std::size_t k = begin; k < records->size() && items.size() < limit; ++k) {
    const auto& rec = (*records)[k];
    if (rec.fields.size() > headers.size()) {
      fail(fmt::format("The item file is not valid CSV: {}:{}: the row has {} fields but the header has {}", what,
                       rec.line, rec.fields.size(), headers.size()));
    }
    json item = json::object();
    for (std::size_t i : order) item[headers[i]] = i < rec.fields.size() ? rec.fields[i] : std::string();
    items.push_back(std::move(item));
  }
  return items;
}

std::vector<json> json_items(const std::string& text, std::size_t limit, const std::string& what) {
  json doc = json_depth_exceeded_at(text) == std::string::npos ? json::parse(text, nullptr, /*allow_exceptions=*/false)
                                                               : json(json::value_t::discarded);
  if (doc.is_discarded()) {
    // Parse again for the position of the first error.
    std::string detail;
    try {
      (void)parse_json(text);
    } catch (const std::exception& e) {
      detail = e.what();
    }
    fail(fmt::format("The item file is not valid JSON: {}: {}", what, detail));
  }
  if (!doc.is_array())
    fail(fmt::format("Attempting to map over non-iterable node. ({} holds {}, not a JSON array)", what,
                     doc.type_name()));
  std::vector<json> items;
  for (auto& v : doc) {
    if (items.size() >= limit) break;
    items.push_back(std::move(v));
  }
  return items;
}

std::vector<json> jsonl_items(const std::string& text, std::size_t limit, const std::string& what) {
  std::vector<json> items;
  std::size_t pos = 0, line = 0;
  while (pos < text.size() && items.size() < limit) {
    auto end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view l(text.data() + pos, end - pos);
    pos = end + 1;
    ++line;
    while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t')) l.remove_suffix(1);
    if (l.empty()) continue;
    json v = json_depth_exceeded_at(l) == std::string_view::npos ? json::parse(l, nullptr, false)
                                                                 : json(json::value_t::discarded);
    if (v.is_discarded()) {
      fail(fmt::format("The item file is not valid JSON Lines: {}:{}: not a JSON value: {}", what, line,
                       std::string(l.substr(0, 80))));
    }
    items.push_back(std::move(v));
  }
  return items;
}

/// An S3 Inventory manifest.json: its CSV data files (gzip or plain), rows named by fileSchema.
std::vector<json> manifest_items(const StoreResolver* stores, const std::string& text, std::size_t limit,
                                 const std::string& bucket, const std::string& what) {
  json m = json_depth_exceeded_at(text) == std::string::npos ? json::parse(text, nullptr, false)
                                                             : json(json::value_t::discarded);
  if (m.is_discarded() || !m.is_object()) fail(fmt::format("The manifest {} is not a JSON object", what));
  auto str = [&](const char* k) -> std::string {
    if (!m.contains(k) || !m.at(k).is_string()) fail(fmt::format("The manifest {} has no string '{}'", what, k));
    return m.at(k).get<std::string>();
  };
  const std::string format = str("fileFormat");
  if (format != "CSV")
    fail(fmt::format("The manifest {} has fileFormat {}; only CSV inventories can be read", what, format));
  std::vector<std::string> schema;
  {
    const std::string s = str("fileSchema");
    std::size_t p = 0;
    while (p <= s.size()) {
      auto c = s.find(',', p);
      if (c == std::string::npos) c = s.size();
      std::string name = s.substr(p, c - p);
      while (!name.empty() && name.front() == ' ') name.erase(0, 1);
      while (!name.empty() && name.back() == ' ') name.pop_back();
      schema.push_back(name);
      p = c + 1;
    }
  }
  std::string data_bucket = bucket;
  if (m.contains("destinationBucket") && m.at("destinationBucket").is_string()) {
    data_bucket = m.at("destinationBucket").get<std::string>();
    if (data_bucket.rfind("arn:aws:s3:::", 0) == 0) data_bucket = data_bucket.substr(13);
  }
  if (!m.contains("files") || !m.at("files").is_array())
    fail(fmt::format("The manifest {} has no 'files' array", what));
  asl::ItemReader csv_reader;
  csv_reader.csv_header_location = asl::CsvHeaderLocation::kGiven;
  std::vector<json> items;
  for (const auto& f : m.at("files")) {
    if (items.size() >= limit) break;
    if (!f.is_object() || !f.contains("key") || !f.at("key").is_string()) {
      fail(fmt::format("The manifest {} lists a file without a string 'key'", what));
    }
    const std::string key = f.at("key").get<std::string>();
    std::string data = get_object(stores, data_bucket, key);
    const std::string file_what = data_bucket + "/" + key;
    if (data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
        static_cast<unsigned char>(data[1]) == 0x8b) {
      data = gunzip(data, file_what);
    }
    for (auto& item : csv_items(data, csv_reader, schema, limit - items.size(), file_what))
      items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

json object_record(const storage::ObjectInfo& info) {
  return json{{"Etag", info.etag.empty() ? std::string("\"\"") : info.etag},
              {"Key", info.key},
              {"LastModified", info.last_modified},
              {"Size", info.size},
              {"StorageClass", "STANDARD"}};
}

std::vector<json> read_items(const asl::ItemReader& r, const asl::EvalEnv& env, const json& effective,
                             const StoreResolver* stores) {
  const json params = r.arguments_of(env, effective);
  const std::size_t limit = r.item_limit(env, effective);
  if (!params.is_object()) {
    fail(fmt::format("The ItemReader {} must evaluate to an object, got {}", r.arguments ? "Arguments" : "Parameters",
                     dump_compact(params)));
  }
  if (r.resource == asl::ItemReaderResource::kListObjectsV2) {
    const std::string res = "s3:listObjectsV2";
    allow_params(params, {"Bucket", "Prefix", "StartAfter"}, res);
    const std::string bucket = string_param(params, "Bucket", true, res);
    const std::string prefix = string_param(params, "Prefix", false, res);
    const std::string start_after = string_param(params, "StartAfter", false, res);
    auto store = store_for(stores, bucket, "");
    std::vector<json> items;
    storage::ListRequest req;
    req.prefix = prefix;
    req.continuation_token = start_after;
    for (;;) {
      auto page = store->list_page(bucket, req);
      if (!page) {
        auto f = classify_s3_error(page.error(), *store, bucket, false);
        fail(fmt::format("Amazon S3 ListObjectsV2 failed for Bucket: {}, Prefix: {}: {} ({}, Status Code: {}) [{}]",
                         bucket, prefix, f.message, f.code, f.status, f.detail));
      }
      for (const auto& o : page->objects) {
        if (items.size() >= limit) break;
        items.push_back(object_record(o));
      }
      if (page->next_token.empty() || items.size() >= limit) break;
      req.continuation_token = page->next_token;
    }
    return items;
  }
  const std::string res = "s3:getObject";
  allow_params(params, {"Bucket", "Key"}, res);
  const std::string bucket = string_param(params, "Bucket", true, res);
  const std::string key = string_param(params, "Key", true, res);
  const std::string text = get_object(stores, bucket, key);
  const std::string what = bucket + "/" + key;
  switch (r.input_type) {
    case asl::ItemInputType::kJson:
      return json_items(text, limit, what);
    case asl::ItemInputType::kJsonl:
      return jsonl_items(text, limit, what);
    case asl::ItemInputType::kCsv:
      return csv_items(text, r, r.csv_headers, limit, what);
    case asl::ItemInputType::kManifest:
      return manifest_items(stores, text, limit, bucket, what);
    default:
      fail("InputType PARQUET is not supported by this engine (" + what + ")");
  }
}

}  // namespace cosmicai::engine::map_io
