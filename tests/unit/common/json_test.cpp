// JSON helpers: AWS-style compact output, errors that name what, line and column.
#include "common/json.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

namespace cosmicai {
namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Json, DumpCompactKeepsInsertionOrderAndUtf8WithoutSpaces) {
  json j = json::object();
  j["zeta"] = 1;
  j["alpha"] = json::array({1.5, "é→", nullptr, true});
  j["mid"] = json::object({{"k", "v"}});
  EXPECT_EQ(dump_compact(j), R"({"zeta":1,"alpha":[1.5,"é→",null,true],"mid":{"k":"v"}})");
  EXPECT_EQ(dump_compact(json::parse(R"({"b":1,"a":2})")), R"({"b":1,"a":2})");
  // Invalid UTF-8 in a string is replaced, not thrown.
  EXPECT_EQ(dump_compact(json(std::string("a\xff") + "b")), std::string("\"a\xEF\xBF\xBD") + "b\"");
}

TEST(Json, ParseErrorsNameWhatLineAndColumn) {
  EXPECT_EQ(parse_json_text(R"({"a": [1, 2]})", "x"), json::parse(R"({"a":[1,2]})"));
  const std::string e = error_of([] { parse_json_text("{\n  \"a\": 1,\n  \"b\": ]\n}", "input.json"); });
  EXPECT_EQ(e.rfind("input.json:3:8: malformed JSON: syntax error", 0), 0u) << e;
  EXPECT_EQ(e.find("nlohmann"), std::string::npos) << e;
  const std::string first = error_of([] { parse_json_text("x", "--input-json"); });
  EXPECT_EQ(first.rfind("--input-json:1:1: malformed JSON", 0), 0u) << first;
  const std::string empty = error_of([] { parse_json_text("", "<stdin>"); });
  EXPECT_EQ(empty.rfind("<stdin>:1:1: malformed JSON", 0), 0u) << empty;
}

TEST(Json, ReadJsonFileNamesTheFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("cosmicai-json-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto good = dir / "good.json", bad = dir / "bad.json";
  std::ofstream(good) << R"({"k":[1,2,3]})";
  std::ofstream(bad) << "[1,\n2,,3]";
  EXPECT_EQ(read_json_file(good.string())["k"].size(), 3u);
  const std::string e = error_of([&] { read_json_file(bad.string()); });
  EXPECT_EQ(e.rfind(bad.string() + ":2:3: malformed JSON", 0), 0u) << e;
  const std::string missing = error_of([&] { read_json_file((dir / "absent.json").string()); });
  EXPECT_EQ(missing, (dir / "absent.json").string() + ": cannot open file");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cosmicai
