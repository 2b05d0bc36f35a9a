// Distributed Map I/O: ItemReader, ItemBatcher over read items, ResultWriter, aws-sdk:s3 tasks,
// all on an ObjectStore given to the engine (EngineOptions::stores).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "engine/map_io/store_resolver.hpp"
#include "engine_test_util.hpp"
#include "storage/object_store.hpp"

namespace cosmicai::engine {
namespace {

using testing::parse_machine;
using testing::stub_registry;

class MapIoTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = storage::open_object_store("mem://").value(); }

  void put(const std::string& bucket, const std::string& key, const std::string& body) {
    ASSERT_TRUE(store_->put(bucket, key, body).ok());
  }
  std::string get(const std::string& bucket, const std::string& key) { return store_->get(bucket, key).value(); }

  ExecutionResult run(const std::string& def, const json& input, bool with_store = true) {
    auto m = parse_machine(def);
    if (!m) return ExecutionResult{"INVALID", nullptr, std::nullopt, std::nullopt, {}, 0};
    EngineOptions o{.workers = 4, .time_scale = 0.0};
    if (with_store) o.stores = single_store_resolver(store_);
    Engine engine(stub_registry(), o);
    return engine.run(m, input);
  }

  std::shared_ptr<storage::ObjectStore> store_;
};

/// A Distributed Map whose children return their input (Pass), with `extra` Map fields.
std::string map_machine(const std::string& extra) {
  return R"({"StartAt":"M","States":{"M":{"Type":"Map",)" + extra +
         R"(,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
             "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})";
}

std::string get_object_reader(const std::string& reader_config, const std::string& key = "in/items") {
  return R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":)" + reader_config +
         R"(,"Parameters":{"Bucket":"b","Key":")" + key + R"("}})";
}

// === ItemReader: s3:listObjectsV2 ===

TEST_F(MapIoTest, ListObjectsV2ItemsAreObjectRecordsFromEveryPage) {
  for (int i = 0; i < 1500; ++i) put("b", fmt::format("data/{:05}.pt", i), "x");
  put("b", "data/hello.txt", "hello");
  put("b", "other/skip.pt", "x");
  const auto r = run(map_machine(R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2",
                                    "Parameters":{"Bucket":"b","Prefix":"data/"}})"),
                     json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  ASSERT_EQ(r.output.size(), 1501u);  // past the 1,000-key page size, other/ excluded
  EXPECT_EQ(r.output[0]["Key"], "data/00000.pt");
  EXPECT_EQ(r.output[1499]["Key"], "data/01499.pt");
  // AWS's item shape: Etag, Key, LastModified, Size, StorageClass. MD5("hello") by hand (RFC 1321 tools).
  const json& h = r.output[1500];
  EXPECT_EQ(h["Key"], "data/hello.txt");
  EXPECT_EQ(h["Etag"], "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(h["Size"], 5);
  EXPECT_EQ(h["StorageClass"], "STANDARD");
  EXPECT_TRUE(h["LastModified"].is_number_integer());
  std::vector<std::string> keys;
  for (auto it = h.begin(); it != h.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"Etag", "Key", "LastModified", "Size", "StorageClass"}));
}

TEST_F(MapIoTest, ListObjectsV2OnFileStoreGivesModificationTime) {
  const auto root = std::filesystem::temp_directory_path() / fmt::format("cosmicai-mapio-{}", ::getpid());
  std::filesystem::remove_all(root);
  store_ = storage::open_object_store("file://" + root.string()).value();
  put("b", "p/1.pt", "abc");
  const auto r = run(map_machine(R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2",
                                    "Parameters":{"Bucket":"b","Prefix":"p/"}})"),
                     json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  ASSERT_EQ(r.output.size(), 1u);
  const auto mtime = std::filesystem::last_write_time(root / "b" / "p" / "1.pt");
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::file_clock::to_sys(mtime).time_since_epoch())
                        .count();
  EXPECT_EQ(r.output[0]["LastModified"], secs);
  EXPECT_EQ(r.output[0]["Size"], 3);
  EXPECT_EQ(r.output[0]["Etag"].get<std::string>().size(), 34u);
  // A missing bucket is S3's NoSuchBucket, named with the bucket.
  const auto missing = run(map_machine(R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2",
                                          "Parameters":{"Bucket":"nobucket"}})"),
                           json::object());
  EXPECT_EQ(missing.error, "States.ItemReaderFailed");
  EXPECT_NE(missing.cause->find("NoSuchBucket"), std::string::npos) << *missing.cause;
  EXPECT_NE(missing.cause->find("Bucket: nobucket"), std::string::npos) << *missing.cause;
  std::filesystem::remove_all(root);
}

// === ItemReader: s3:getObject ===

TEST_F(MapIoTest, JsonArrayWithMaxItemsAndMaxItemsPath) {
  put("b", "in/items", R"([{"a":1},{"a":2},{"a":3},{"a":4}])");
  auto r = run(map_machine(get_object_reader(R"({"InputType":"JSON"})")), json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"a":1},{"a":2},{"a":3},{"a":4}])"));
  r = run(map_machine(get_object_reader(R"({"InputType":"JSON","MaxItems":2})")), json::object());
  EXPECT_EQ(r.output, json::parse(R"([{"a":1},{"a":2}])"));
  r = run(map_machine(get_object_reader(R"({"InputType":"JSON","MaxItemsPath":"$.n"})")), json{{"n", 3}});
  EXPECT_EQ(r.output.size(), 3u);
  r = run(map_machine(get_object_reader(R"({"InputType":"JSON","MaxItemsPath":"$.n"})")), json{{"n", 0}});
  EXPECT_EQ(r.output.size(), 4u);  // 0 = no limit
  r = run(map_machine(get_object_reader(R"({"InputType":"JSON","MaxItemsPath":"$.n"})")), json{{"n", "x"}});
  EXPECT_EQ(r.error, "States.ItemReaderFailed");
  EXPECT_EQ(*r.cause, "The MaxItemsPath field refers to value 'x' which is not a valid integer: $.n");
  r = run(map_machine(get_object_reader(R"({"InputType":"JSON","MaxItemsPath":"$.n"})")), json{{"n", -1}});
  EXPECT_EQ(*r.cause, "field MaxItems must be positive");
}

TEST_F(MapIoTest, ParametersTakePathsAndItemSelectorSeesTheItem) {
  put("b", "runs/7.json", R"(["x","y"])");
  const auto r = run(map_machine(R"J("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
                                      "ReaderConfig":{"InputType":"JSON"},
                                      "Parameters":{"Bucket.$":"$.bucket","Key.$":"States.Format('runs/{}.json', $.id)"}},
                                    "ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index","tag.$":"$.tag"})J"),
                     json{{"bucket", "b"}, {"id", 7}, {"tag", "t"}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"v":"x","i":0,"tag":"t"},{"v":"y","i":1,"tag":"t"}])"));
}

TEST_F(MapIoTest, ParametersSeeWorkflowVariables) {
  put("b", "runs/9.json", R"(["x"])");
  const auto r = run(R"J({"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"run":9},"Next":"M"},
      "M":{"Type":"Map","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},
             "Parameters":{"Bucket":"b","Key.$":"States.Format('runs/{}.json', $run)"}},
           "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
             "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})J",
                     json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"(["x"])"));
}

/// A JSONata Distributed Map over read items whose children return their input.
std::string jsonata_map_machine(const std::string& extra) {
  return R"({"QueryLanguage":"JSONata","StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"out":"results"},"Next":"M"},
      "M":{"Type":"Map",)" +
         extra + R"(,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
             "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}})";
}

TEST_F(MapIoTest, JsonataArgumentsAndMaxItemsOfItemReaderAndResultWriter) {
  put("b", "runs/7.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  const std::string reader = R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSONL","MaxItems":"{% $states.input.n %}"},
      "Arguments":{"Bucket":"{% $states.input.bucket %}","Key":"{% 'runs/' & $states.input.id & '.jsonl' %}"}})";
  auto r = run(jsonata_map_machine(reader), json{{"bucket", "b"}, {"id", 7}, {"n", 2}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"a":1},{"a":2}])"));

  // The whole Arguments object from one expression; ResultWriter Prefix from a variable.
  r = run(jsonata_map_machine(R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2",
      "Arguments":"{% {'Bucket': 'b', 'Prefix': 'runs/'} %}"},
      "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Arguments":{"Bucket":"b","Prefix":"{% $out %}"},
                      "WriterConfig":{"Transformation":"COMPACT"}})"),
          json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  const std::string key = r.output["ResultWriterDetails"]["Key"];
  EXPECT_EQ(key.rfind("results/", 0), 0u) << key;
  const json manifest = json::parse(get("b", key));
  ASSERT_EQ(manifest["ResultFiles"]["SUCCEEDED"].size(), 1u);
  const json rows = json::parse(get("b", manifest["ResultFiles"]["SUCCEEDED"][0]["Key"].get<std::string>()));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["Key"], "runs/7.jsonl");

  // An expression that fails is States.QueryEvaluationError naming the field, before any read.
  r = run(jsonata_map_machine(R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject",
      "ReaderConfig":{"InputType":"JSON"},"Arguments":{"Bucket":"b","Key":"{% $states.input.missing %}"}})"),
          json::object());
  EXPECT_EQ(r.error, "States.QueryEvaluationError");
  EXPECT_NE(testing::cause_of(r).find("returned nothing"), std::string::npos) << testing::cause_of(r);
}

TEST_F(MapIoTest, JsonLines) {
  put("b", "in/items", "{\"a\":1}\r\n\n[2]\n\"three\"\n");
  const auto r = run(map_machine(get_object_reader(R"({"InputType":"JSONL"})")), json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"a":1},[2],"three"])"));
}

TEST_F(MapIoTest, CsvFirstRowGivenAndDelimiters) {
  // Values stay strings; quoted fields keep delimiters, quotes and line breaks.
  put("b", "in/items", "userId,movieId,rating,2nd\n1,307,3.5,\"a,\"\"b\"\"\nc\"\n2,481,4\n");
  auto r = run(map_machine(get_object_reader(R"({"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"})")),
               json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  ASSERT_EQ(r.output.size(), 2u);
  // Key order as AWS returns it (LocalStack's recordings): names not starting with a letter first.
  EXPECT_EQ(dump_compact(r.output[0]), R"({"2nd":"a,\"b\"\nc","movieId":"307","rating":"3.5","userId":"1"})");
  EXPECT_EQ(r.output[1]["2nd"], "");  // short row: missing fields are empty strings
  put("b", "in/items", "1|307|3.5\n2|481|4\n3|5|1\n");
  r = run(map_machine(get_object_reader(
              R"({"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["userId","movieId","rating"],
                  "CSVDelimiter":"PIPE","MaxItems":2})")),
          json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"movieId":"307","rating":"3.5","userId":"1"},
                                      {"movieId":"481","rating":"4","userId":"2"}])"));
}

std::string gzip(const std::string& text) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, text.size()) + 32, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

TEST_F(MapIoTest, ManifestReadsInventoryCsvFiles) {
  put("inv", "data/a.csv.gz", gzip("src,k1,10\nsrc,k2,20\n"));
  put("inv", "data/b.csv", "src,k3,30\n");
  put("b", "in/manifest.json", R"({"sourceBucket":"src","destinationBucket":"arn:aws:s3:::inv","fileFormat":"CSV",
      "fileSchema":"Bucket, Key, Size","files":[{"key":"data/a.csv.gz","size":1},{"key":"data/b.csv","size":1}]})");
  const auto r = run(map_machine(get_object_reader(R"({"InputType":"MANIFEST"})", "in/manifest.json")), json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"Bucket":"src","Key":"k1","Size":"10"},{"Bucket":"src","Key":"k2","Size":"20"},
                                      {"Bucket":"src","Key":"k3","Size":"30"}])"));
}

// === ItemReader: bad input, named with bucket and key ===

TEST_F(MapIoTest, BadItemFilesFailWithItemReaderFailedNamingBucketAndKey) {
  struct Case {
    std::string body, config, expect;
  };
  const std::vector<Case> cases = {
      {R"([{"a":1},)", R"({"InputType":"JSON"})", "is not valid JSON: b/in/items"},
      {R"({"a":1})", R"({"InputType":"JSON"})", "Attempting to map over non-iterable node."},
      {"{\"a\":1}\n{oops\n", R"({"InputType":"JSONL"})", "not valid JSON Lines: b/in/items:2"},
      {"a,b\n1,\"2\n", R"({"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"})", "b/in/items:2: unterminated quoted field"},
      {"a,b\n1,2,3\n", R"({"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"})", "b/in/items:2: the row has 3 fields"},
      {"a,a\n1,2\n", R"({"InputType":"CSV","CSVHeaderLocation":"FIRST_ROW"})", "CSV headers cannot contain duplicates."},
      {R"({"fileFormat":"ORC","fileSchema":"Key","files":[]})", R"({"InputType":"MANIFEST"})", "only CSV inventories"},
  };
  for (const auto& c : cases) {
    put("b", "in/items", c.body);
    const auto r = run(map_machine(get_object_reader(c.config)), json::object());
    EXPECT_EQ(r.status, "FAILED") << c.body;
    EXPECT_EQ(r.error, "States.ItemReaderFailed") << c.body;
    EXPECT_NE(r.cause.value_or("").find(c.expect), std::string::npos) << c.body << " -> " << r.cause.value_or("");
  }
}

TEST_F(MapIoTest, MissingKeyAndMissingStoreAreNamed) {
  put("b", "other", "[]");
  auto r = run(map_machine(get_object_reader(R"({"InputType":"JSON"})", "no/such.json")), json::object());
  EXPECT_EQ(r.error, "States.ItemReaderFailed");
  EXPECT_NE(r.cause->find("NoSuchKey"), std::string::npos) << *r.cause;
  EXPECT_NE(r.cause->find("Bucket: b, Key: no/such.json"), std::string::npos) << *r.cause;
  r = run(map_machine(get_object_reader(R"({"InputType":"JSON"})")), json::object(), /*with_store=*/false);
  EXPECT_EQ(r.error, "States.ItemReaderFailed");
  EXPECT_NE(r.cause->find("No object store is configured"), std::string::npos) << *r.cause;
  // A failed read is caught like any other error.
  r = run(R"({"StartAt":"M","States":{"M":{"Type":"Map",)" + get_object_reader(R"({"InputType":"JSON"})", "nope") +
              R"(,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
                 "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
                 "Catch":[{"ErrorEquals":["States.ItemReaderFailed"],"Next":"C"}],"End":true},
                 "C":{"Type":"Pass","Result":"caught","End":true}}})",
          json::object());
  EXPECT_EQ(r.status, "SUCCEEDED");
  EXPECT_EQ(r.output, "caught");
}

// === ItemBatcher over read items ===

TEST_F(MapIoTest, ItemBatcherGroupsReadItemsWithBatchInput) {
  put("b", "in/items", "[1,2,3,4,5]");
  const auto r = run(map_machine(get_object_reader(R"({"InputType":"JSON"})") +
                                 R"(,"ItemBatcher":{"MaxItemsPerBatchPath":"$.per","BatchInput":{"run.$":"$.run"}})"),
                     json{{"per", 2}, {"run", "r1"}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([{"BatchInput":{"run":"r1"},"Items":[1,2]},{"BatchInput":{"run":"r1"},"Items":[3,4]},
                                      {"BatchInput":{"run":"r1"},"Items":[5]}])"));
  // MaxInputBytesPerBatch: items are added while their serialised sizes sum to at most 3 bytes
  // (1, 2 and 3 take one byte each, 10 two): [1,2,3], then [10,4].
  put("b", "in/items", "[1,2,3,10,4]");
  const auto by_bytes = run(map_machine(get_object_reader(R"({"InputType":"JSON"})") +
                                        R"(,"ItemBatcher":{"MaxInputBytesPerBatch":3})"),
                            json::object());
  ASSERT_EQ(by_bytes.status, "SUCCEEDED") << by_bytes.to_json();
  EXPECT_EQ(by_bytes.output, json::parse(R"([{"Items":[1,2,3]},{"Items":[10,4]}])"));
}

// === ResultWriter ===

// AWS Step Functions Developer Guide, "ResultWriter (Map)":
//   "If you export the child workflow execution results, the Distributed Map state execution returns
//    the Map Run ARN and data about the Amazon S3 export location in the following format:
//    { "MapRunArn": "arn:aws:states:us-east-2:123456789012:mapRun:csvProcess/Map:ad9b5f27-090b-3ac6-9beb-243cd77144a7",
//      "ResultWriterDetails": { "Bucket": "amzn-s3-demo-destination-bucket",
//                               "Key": "csvProcessJobs/ad9b5f27-090b-3ac6-9beb-243cd77144a7/manifest.json" } }"
//   "Step Functions exports executions with the same status to their respective files":
//   "manifest.json – Contains Map Run metadata, such as export location, Map Run ARN, and information about
//    the result files." "SUCCEEDED_n.json – Contains the consolidated data for all successful child workflow
//    executions. n represents the index number of the file. The index number starts from 0."
//   "FAILED_n.json – Contains the consolidated data for all failed, timed out, and aborted child workflow
//    executions." "PENDING_n.json – Contains the consolidated data for all child workflow executions that
//    weren't started because the Map Run failed or aborted."
//   Transformation "NONE - returns the output of the child workflow executions unchanged, in addition to the
//   workflow metadata. Default when exporting the child workflow execution results to Amazon S3 and
//   WriterConfig is not specified." The metadata entries of the guide's example carry ExecutionArn, Input,
//   InputDetails {"Included": true}, Name, Output, OutputDetails, RedriveCount, RedriveStatus,
//   RedriveStatusReason, StartDate, StateMachineArn, Status and StopDate; manifest.json holds
//   DestinationBucket, MapRunArn and ResultFiles {"FAILED":[…],"PENDING":[…],"SUCCEEDED":[{"Key":…,"Size":…}]}.
const char* kWriterMachine = R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","Label":"Rank",
  "ToleratedFailurePercentage":100,
  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix.$":"$.prefix"}},
  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"C",
    "States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":2,"Next":"F"}],"Default":"P"},
              "P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true},
              "F":{"Type":"Fail","Error":"Rank.Bad","Cause":"item two"}}},"End":true}}})J";

TEST_F(MapIoTest, ResultWriterFilesHaveTheDocumentedShapes) {
  const auto r = run(kWriterMachine, json{{"items", {{{"n", 1}}, {{"n", 2}}, {{"n", 3}}}}, {"prefix", "jobs"}});
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  // The Map's output: exactly MapRunArn and ResultWriterDetails.
  ASSERT_EQ(r.output.size(), 2u);
  const std::string arn = r.output.at("MapRunArn");
  const std::string arn_head = "arn:aws:states:us-east-1:123456789012:mapRun:StateMachine/Rank:";
  ASSERT_EQ(arn.rfind(arn_head, 0), 0u) << arn;
  const std::string run_id = arn.substr(arn_head.size());
  EXPECT_EQ(run_id.size(), 36u);
  EXPECT_EQ(r.output["ResultWriterDetails"], (json{{"Bucket", "out"}, {"Key", "jobs/" + run_id + "/manifest.json"}}));

  const json manifest = json::parse(get("out", "jobs/" + run_id + "/manifest.json"));
  EXPECT_EQ(manifest["DestinationBucket"], "out");
  EXPECT_EQ(manifest["MapRunArn"], arn);
  const json files = manifest["ResultFiles"];
  EXPECT_EQ(files["PENDING"], json::array());
  ASSERT_EQ(files["SUCCEEDED"].size(), 1u);
  ASSERT_EQ(files["FAILED"].size(), 1u);
  const std::string ok_key = files["SUCCEEDED"][0]["Key"];
  EXPECT_EQ(ok_key, "jobs/" + run_id + "/SUCCEEDED_0.json");
  const std::string ok_text = get("out", ok_key);
  EXPECT_EQ(files["SUCCEEDED"][0]["Size"], ok_text.size());

  const json ok = json::parse(ok_text);
  ASSERT_EQ(ok.size(), 2u);
  const std::vector<std::string> ok_fields = {"ExecutionArn", "Input", "InputDetails", "Name", "Output",
                                              "OutputDetails", "RedriveCount", "RedriveStatus",
                                              "RedriveStatusReason", "StartDate", "StateMachineArn", "Status",
                                              "StopDate"};
  for (const auto& f : ok_fields) EXPECT_TRUE(ok[0].contains(f)) << f;
  EXPECT_EQ(ok[0]["Status"], "SUCCEEDED");
  EXPECT_EQ(ok[0]["Input"], R"({"n":1})");  // strings of JSON, as GetExecutionHistory gives them
  EXPECT_EQ(ok[0]["Output"], R"({"doubled":2})");
  EXPECT_EQ(ok[1]["Output"], R"({"doubled":6})");
  EXPECT_EQ(ok[0]["InputDetails"], (json{{"Included", true}}));
  EXPECT_EQ(ok[0]["StateMachineArn"], "arn:aws:states:us-east-1:123456789012:stateMachine:StateMachine/Rank");
  EXPECT_EQ(ok[0]["ExecutionArn"],
            "arn:aws:states:us-east-1:123456789012:execution:StateMachine/Rank:" + ok[0]["Name"].get<std::string>());
  EXPECT_EQ(ok[0]["StartDate"].get<std::string>().back(), 'Z');

  const json bad = json::parse(get("out", files["FAILED"][0]["Key"]));
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0]["Status"], "FAILED");
  EXPECT_EQ(bad[0]["Error"], "Rank.Bad");
  EXPECT_EQ(bad[0]["Cause"], "item two");
  EXPECT_EQ(bad[0]["Input"], R"({"n":2})");
  EXPECT_FALSE(bad[0].contains("Output"));
}

TEST_F(MapIoTest, ResultWriterPendingFilesWhenTheMapRunFails) {
  // MaxConcurrency 1 and no tolerance: item 1 fails, items 2 and 3 never start.
  std::string def = kWriterMachine;
  const std::string tolerance = R"("ToleratedFailurePercentage":100,)";
  def.replace(def.find(tolerance), tolerance.size(), R"("MaxConcurrency":1,)");
  const auto r = run(def, json{{"items", {{{"n", 0}}, {{"n", 2}}, {{"n", 3}}, {{"n", 4}}}}, {"prefix", ""}});
  EXPECT_EQ(r.status, "FAILED");
  auto listed = store_->list_all("out", "");
  ASSERT_TRUE(listed.ok());
  std::string manifest_key;
  for (const auto& o : *listed) {
    if (o.key.ends_with("/manifest.json")) manifest_key = o.key;
  }
  ASSERT_FALSE(manifest_key.empty());
  EXPECT_EQ(manifest_key.find('/'), 36u);  // no prefix: UUID/manifest.json
  const json files = json::parse(get("out", manifest_key))["ResultFiles"];
  ASSERT_EQ(files["PENDING"].size(), 1u);
  const json pending = json::parse(get("out", files["PENDING"][0]["Key"]));
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0]["Status"], "PENDING");
  EXPECT_EQ(pending[0]["Input"], R"({"n":3})");
  EXPECT_EQ(json::parse(get("out", files["SUCCEEDED"][0]["Key"])).size(), 1u);
  EXPECT_EQ(json::parse(get("out", files["FAILED"][0]["Key"])).size(), 1u);
}

TEST_F(MapIoTest, WriterConfigCompactJsonlAndFlatten) {
  auto machine = [](const std::string& writer) {
    return R"({"StartAt":"M","States":{"M":{"Type":"Map","ToleratedFailurePercentage":100,"ResultWriter":)" + writer +
           R"(,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"P",
               "States":{"P":{"Type":"Pass","End":true}}},"End":true}}})";
  };
  const json input = json::parse(R"([[1,2],{"a":3}])");
  auto r = run(machine(R"({"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"out","Prefix":"x/"},
                           "WriterConfig":{"Transformation":"COMPACT","OutputType":"JSONL"}})"),
               input);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  const json manifest = json::parse(get("out", r.output["ResultWriterDetails"]["Key"]));
  EXPECT_EQ(get("out", manifest["ResultFiles"]["SUCCEEDED"][0]["Key"]), "[1,2]\n{\"a\":3}\n");
  // WriterConfig alone reshapes the state output and exports nothing.
  r = run(machine(R"({"WriterConfig":{"Transformation":"FLATTEN"}})"), input);
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output, json::parse(R"([1,2,{"a":3}])"));
}

TEST_F(MapIoTest, ResultWriterFailureIsNamedWithBucket) {
  std::string def = kWriterMachine;
  const std::string bucket = R"("Bucket":"out")";
  def.replace(def.find(bucket), bucket.size(), R"("Bucket":"bad/bucket")");
  const auto r = run(def, json{{"items", {{{"n", 1}}}}, {"prefix", "jobs"}});
  EXPECT_EQ(r.error, "States.ResultWriterFailed");
  EXPECT_NE(r.cause->find("Bucket: bad/bucket"), std::string::npos) << *r.cause;
}

/// A store whose puts fail for keys containing `fail_on`, as a full disk fails them.
class FailingPutStore : public storage::ObjectStore {
 public:
  FailingPutStore(std::shared_ptr<storage::ObjectStore> inner, std::string fail_on)
      : inner_(std::move(inner)), fail_on_(std::move(fail_on)) {}
  Result<storage::ListPage> list_page(std::string_view b, const storage::ListRequest& r) const override {
    return inner_->list_page(b, r);
  }
  Result<std::string> get(std::string_view b, std::string_view k) const override { return inner_->get(b, k); }
  Result<std::string> get_range(std::string_view b, std::string_view k, std::uint64_t o,
                                std::uint64_t n) const override {
    return inner_->get_range(b, k, o, n);
  }
  Status put(std::string_view b, std::string_view k, std::string_view data) override {
    if (k.find(fail_on_) != std::string_view::npos) {
      return make_error(ErrorCode::kIo, fmt::format("{}/{}: write failed: No space left on device", b, k));
    }
    return inner_->put(b, k, data);
  }
  Result<bool> exists(std::string_view b, std::string_view k) const override { return inner_->exists(b, k); }
  Status remove(std::string_view b, std::string_view k) override { return inner_->remove(b, k); }
  std::string uri() const override { return "failing+" + inner_->uri(); }

 private:
  std::shared_ptr<storage::ObjectStore> inner_;
  std::string fail_on_;
};

TEST_F(MapIoTest, AFailedResultWritePutFailsTheMapAndNoManifestClaimsSuccess) {
  // A result file's put fails (disk full): ResultWriterFailed naming the key; the manifest, written
  // last, is never written, so nothing points at a partial export. A failing manifest put fails the same way.
  for (const std::string failing : {"SUCCEEDED_0.json", "manifest.json"}) {
    auto inner = storage::open_object_store("mem://").value();
    store_ = std::make_shared<FailingPutStore>(inner, failing);
    const auto r = run(kWriterMachine, json{{"items", {{{"n", 1}}, {{"n", 2}}, {{"n", 3}}}}, {"prefix", "jobs"}});
    EXPECT_EQ(r.status, "FAILED") << failing;
    EXPECT_EQ(r.error, "States.ResultWriterFailed") << failing;
    ASSERT_TRUE(r.cause);
    EXPECT_NE(r.cause->find(failing), std::string::npos) << *r.cause;
    EXPECT_NE(r.cause->find("No space left on device"), std::string::npos) << *r.cause;
    auto listed = inner->list_all("out", "");
    ASSERT_TRUE(listed.ok());
    for (const auto& o : *listed) EXPECT_FALSE(o.key.ends_with("manifest.json")) << o.key;
  }
}

// === aws-sdk:s3 tasks ===

TEST_F(MapIoTest, AwsSdkS3ActionsRoundTrip) {
  const auto r = run(R"({"StartAt":"Put","States":{
    "Put":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:putObject",
           "Parameters":{"Bucket":"b","Key":"k/one.txt","Body":"hello"},"ResultPath":"$.put","Next":"Copy"},
    "Copy":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:copyObject",
           "Parameters":{"Bucket":"b","Key":"k/two.txt","CopySource":"b/k/one.txt"},"ResultPath":null,"Next":"Head"},
    "Head":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:headObject",
           "Parameters":{"Bucket":"b","Key":"k/two.txt"},"ResultSelector":{"len.$":"$.ContentLength","etag.$":"$.ETag"},
           "ResultPath":"$.head","Next":"Get"},
    "Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject",
           "Parameters":{"Bucket":"b","Key":"k/two.txt"},"ResultSelector":{"body.$":"$.Body"},"ResultPath":"$.get",
           "Next":"Delete"},
    "Delete":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:deleteObject",
           "Parameters":{"Bucket":"b","Key":"k/one.txt"},"ResultPath":null,"Next":"List"},
    "List":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:listObjectsV2",
           "Parameters":{"Bucket":"b","Prefix":"k/"},"ResultSelector":{"keys.$":"$.Contents[*].Key","n.$":"$.KeyCount"},
           "ResultPath":"$.list","End":true}}})",
                     json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output["put"]["ETag"], "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(r.output["head"]["len"], 5);
  EXPECT_EQ(r.output["head"]["etag"], "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(r.output["get"]["body"], "hello");
  EXPECT_EQ(r.output["list"], json::parse(R"({"keys":["k/two.txt"],"n":1})"));
  EXPECT_EQ(get("b", "k/two.txt"), "hello");
}

TEST_F(MapIoTest, AwsSdkS3ErrorsAreNamedAsStepFunctionsNamesThem) {
  put("b", "exists", "x");
  const auto r = run(R"({"StartAt":"Get","States":{
    "Get":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"missing/key"},
           "Catch":[{"ErrorEquals":["S3.NoSuchKeyException"],"Next":"Caught"}],"End":true},
    "Caught":{"Type":"Pass","End":true}}})",
                     json::object());
  ASSERT_EQ(r.status, "SUCCEEDED") << r.to_json();
  EXPECT_EQ(r.output["Error"], "S3.NoSuchKeyException");
  const std::string cause = r.output["Cause"];
  EXPECT_EQ(cause.rfind("The specified key does not exist. (Service: S3, Status Code: 404, Request ID: ", 0), 0u) << cause;
  EXPECT_NE(cause.find("Bucket: b, Key: missing/key"), std::string::npos) << cause;
}

TEST_F(MapIoTest, OtherAwsSdkResourcesValidateAndFailAtRunTime) {
  const std::string def = R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::aws-sdk:ec2:describeInstances","Parameters":{},"End":true}}})";
  auto m = parse_machine(def);
  ASSERT_TRUE(m);
  EXPECT_TRUE(asl::check_supported(*m).empty());
  const auto r = run(def, json::object());
  EXPECT_EQ(r.status, "FAILED");
  EXPECT_EQ(r.error, "States.Runtime");
  EXPECT_NE(r.cause->find("aws-sdk:ec2:describeInstances"), std::string::npos) << *r.cause;
  const auto s3_other = run(R"({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:states:::aws-sdk:s3:putBucketPolicy","Parameters":{},"End":true}}})",
                            json::object());
  EXPECT_EQ(s3_other.error, "States.Runtime");
}

// === Validation ===

TEST(MapIoValidation, ReaderAndWriterProblemsCarryPointers) {
  const auto msgs = testing::messages(map_machine(
      R"("ItemReader":{"Resource":"arn:aws:states:::s3:scan","Parameters":{"Key":"k"},
                       "ReaderConfig":{"InputType":"XML","CSVDelimiter":"COMMA"}},
         "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject"})"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/Resource: must be arn:aws:states:::s3:getObject"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/ReaderConfig/InputType: must be one of CSV, JSON"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/Parameters: missing required field 'Bucket'"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ResultWriter: Resource and Parameters must be given together"));
  const auto csv = testing::messages(map_machine(get_object_reader(R"({"InputType":"CSV"})")));
  EXPECT_TRUE(testing::contains(csv, "/States/M/ItemReader/ReaderConfig: InputType CSV needs 'CSVHeaderLocation'"));
  const auto given = testing::messages(
      map_machine(get_object_reader(R"({"InputType":"CSV","CSVHeaderLocation":"GIVEN"})")));
  EXPECT_TRUE(testing::contains(given, "CSVHeaderLocation GIVEN needs 'CSVHeaders'"));
  EXPECT_TRUE(testing::messages(map_machine(get_object_reader(R"({"InputType":"JSON"})"))).empty());
}

TEST(MapIoValidation, ReaderAndWriterFieldsFollowTheQueryLanguage) {
  // JSONata: Arguments, not Parameters or MaxItemsPath; literal Arguments still need their Bucket/Key.
  auto msgs = testing::messages(jsonata_map_machine(
      R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},
                       "ReaderConfig":{"InputType":"JSON","MaxItemsPath":"$.n"}},
         "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Arguments":{"Prefix":"p"}})"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/Parameters: the field 'Parameters' belongs to the JSONPath"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/ReaderConfig/MaxItemsPath: the field 'MaxItemsPath' belongs"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ResultWriter/Arguments: missing required field 'Bucket'"));
  msgs = testing::messages(jsonata_map_machine(
      R"("ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},
                       "Arguments":{"Bucket":"b","Key":"{% $states.input. %}"}})"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/Arguments"));
  // JSONPath: Arguments belong to JSONata.
  msgs = testing::messages(map_machine(
      R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Arguments":{"Bucket":"b"}})"));
  EXPECT_TRUE(testing::contains(msgs, "/States/M/ItemReader/Arguments: the field 'Arguments' belongs to the JSONata"));
  EXPECT_TRUE(testing::messages(jsonata_map_machine(
                  R"("ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Arguments":{"Bucket":"b"}})"))
                  .empty());
}

}  // namespace
}  // namespace cosmicai::engine
