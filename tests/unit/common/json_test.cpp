// JSON helpers: AWS-style compact output, errors that name what, line and column.
#include "common/json.hpp"
#include "common/json_limits.hpp"

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

TEST(Json, DumpCompactWritesExactlyWhatNlohmannsDumpWrites) {
  // dump_compact writes containers, integers and plain strings itself; every value must come out
  // byte for byte as json::dump(-1, ' ', false, replace) writes it.
  const json cases = json::array(
      {json::object(), json::array(), nullptr, true, false, 0, -1, 42, -9223372036854775807LL - 1,
       18446744073709551615ULL, 0.1, -0.0, 1e300, 3.0, "", "plain text ~!", "quote \" and \\ backslash",
       "tab\tnew\nline\u0001\u001f\u007f", "é→😀", std::string("bad \xff\xfe utf8"),
       json::binary({1, 2, 3})});
  std::vector<json> values(cases.begin(), cases.end());
  json nested = json::object();
  nested["a"] = cases;
  nested["key \"quoted\"\n"] = json::object({{"é", {1, 2.5, {{"x", nullptr}}}}});
  nested[""] = json::array({json::array({json::object()}), json::object({{"", ""}})});
  values.push_back(nested);
  values.push_back(json::array({nested, nested}));
  for (const auto& v : values) {
    EXPECT_EQ(dump_compact(v), v.dump(-1, ' ', false, json::error_handler_t::replace)) << v.type_name();
  }
}

TEST(Json, CompactSizeIsTheSizeOfTheCompactDump) {
  // compact_size counts what dump_compact writes without writing it (escapes, replaced bytes,
  // floating-point numbers, keys that need escaping and every separator included).
  const json cases = json::array(
      {json::object(), json::array(), nullptr, true, false, 0, -1, 42, -9223372036854775807LL - 1,
       18446744073709551615ULL, 0.1, -0.0, 1e300, 3.0, "", "plain text ~!", "quote \" and \\ backslash",
       "tab\tnew\nline\u0001\u001f\u007f", "é→😀", std::string("bad \xff\xfe utf8"), json::binary({1, 2, 3})});
  std::vector<json> values(cases.begin(), cases.end());
  json nested = json::object();
  nested["a"] = cases;
  nested["key \"quoted\"\n"] = json::object({{"é", {1, 2.5, {{"x", nullptr}}}}});
  nested[std::string("k\xff")] = json::array({json::array({json::object()}), json::object({{"", ""}})});
  values.push_back(nested);
  values.push_back(json::array({nested, nested}));
  values.push_back(json::object({{"one", 1}}));
  values.push_back(json::array({1}));
  for (const auto& v : values) {
    const std::size_t size = dump_compact(v).size();
    EXPECT_EQ(compact_size(v), size) << dump_compact(v);
    // With a stop, the count tells exactly whether the text is longer than it, at every stop.
    for (std::size_t stop = 0; stop <= size + 1; ++stop) {
      const std::size_t got = compact_size(v, stop);
      EXPECT_EQ(got > stop, size > stop) << dump_compact(v) << " stop " << stop;
      if (size <= stop) EXPECT_EQ(got, size);
    }
  }
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

// A 200 KB "[[[[…" used to crash whole processes (the serializer recurses once per level):
// text from outside is limited to kMaxJsonDepth levels and deeper text is malformed JSON.
TEST(Json, TextNestedDeeperThanTheLimitIsMalformedNotAStackOverflow) {
  const auto nested = [](std::size_t depth, const std::string& open = "[", const std::string& close = "]") {
    std::string s;
    for (std::size_t i = 0; i < depth; ++i) s += open;
    for (std::size_t i = 0; i < depth; ++i) s += close;
    return s;
  };
  EXPECT_EQ(json_depth_exceeded_at(nested(kMaxJsonDepth)), std::string_view::npos);
  EXPECT_EQ(json_depth_exceeded_at(nested(kMaxJsonDepth + 1)), kMaxJsonDepth);
  EXPECT_EQ(json_depth_exceeded_at(nested(kMaxJsonDepth + 1, "{\"a\":", "}")), kMaxJsonDepth * 5);
  // Brackets inside strings (escaped quotes included) do not count.
  EXPECT_EQ(json_depth_exceeded_at("[\"" + std::string(5000, '[') + "\\\"[\"]"), std::string_view::npos);
  EXPECT_EQ(parse_json(nested(kMaxJsonDepth)).dump().size(), 2 * kMaxJsonDepth);
  EXPECT_THROW(parse_json(nested(100000)), json::parse_error);
  const std::string msg = error_of([&] { parse_json_text(nested(100000), "input.json"); });
  EXPECT_NE(msg.find("input.json:1:1001: malformed JSON"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nested more than 1000 levels deep"), std::string::npos) << msg;
}

}  // namespace
}  // namespace cosmicai
