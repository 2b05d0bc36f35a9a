// JSONPath as Step Functions evaluates it: syntax checks, queries, context paths,
// AWS's error wording, and ResultPath application.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "asl/errors.hpp"
#include "asl/path/json_path.hpp"

namespace cosmicai::asl {
namespace {

const json kStore = json::parse(R"({
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord", "isbn": "0-395", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10,
  "with space": 1,
  "input-value": 0
})");
const json kContext = json::parse(R"({"Execution": {"Id": "arn:exec", "Input": {"x": 1}}, "State": {"Name": "S"}})");

// Return the StatesError a call throws (fails the test when it throws nothing).
template <class F>
StatesError error_of(F&& f) {
  try {
    f();
  } catch (const StatesError& e) {
    return e;
  }
  ADD_FAILURE() << "expected a StatesError";
  return StatesError(std::string("none"), std::string("none"));
}

TEST(CheckPath, AcceptsWhatAwsAccepts) {
  for (const char* p : {"$", "$.a", "$.a.b", "$['a']", "$[\"a\"]", "$.a[0]", "$.a[-1]", "$.a[*]", "$.*", "$.a[1:3]",
                        "$.a[:2]", "$.a[1:]", "$..a", "$..[0]", "$.a[?(@.x == 1)]", "$.a[0,2]", "$['a','b']",
                        "$$", "$$.Execution.Input", "$.input-value", "$.a.length()", "$['with space']"}) {
    EXPECT_EQ(check_path(p), std::nullopt) << p << ": " << check_path(p).value_or("");
  }
}

TEST(CheckPath, RejectsMalformedPathsWithAReason) {
  for (const char* p : {"", "a.b", ".a", "$.", "$..", "$.a.", "$[", "$['a'", "$[abc]", "$.a[1:2:3]", "$.a b",
                        "$.a[?(@.x ==)]", "$.a.nosuch()", "$.length().a", "$$$"}) {
    auto problem = check_path(p);
    ASSERT_TRUE(problem.has_value()) << p;
    EXPECT_FALSE(problem->empty()) << p;
  }
  EXPECT_NE(check_path("$.a b")->find("bracket"), std::string::npos);
}

TEST(CheckReferencePath, AllowsOnlySingleNodePaths) {
  for (const char* p : {"$", "$.a", "$.a.b[0]", "$['a b'].c", "$$.Execution.Input"})
    EXPECT_EQ(check_reference_path(p), std::nullopt) << p;
  EXPECT_NE(check_reference_path("$.a[*]")->find("wildcard"), std::string::npos);
  EXPECT_NE(check_reference_path("$..a")->find("descent"), std::string::npos);
  EXPECT_NE(check_reference_path("$.a[1:2]")->find("slice"), std::string::npos);
  EXPECT_NE(check_reference_path("$.a[?(@.x)]")->find("filter"), std::string::npos);
  EXPECT_NE(check_reference_path("$.a.length()")->find("function"), std::string::npos);
  EXPECT_TRUE(check_reference_path("$['a','b']").has_value());
  EXPECT_TRUE(check_reference_path("nope").has_value());
}

TEST(IsDefinitePath, DistinguishesSingleFromMultipleSelections) {
  EXPECT_TRUE(is_definite_path("$"));
  EXPECT_TRUE(is_definite_path("$.a.b[3]"));
  EXPECT_TRUE(is_definite_path("$.a.length()"));
  EXPECT_FALSE(is_definite_path("$.a[*]"));
  EXPECT_FALSE(is_definite_path("$..a"));
  EXPECT_FALSE(is_definite_path("$.a[0:1]"));
  EXPECT_FALSE(is_definite_path("$.a[0,1]"));
  EXPECT_TRUE(is_definite_path("$.a['b','c']"));  // Jayway merges a multi-name leaf into one object
  EXPECT_FALSE(is_definite_path("$['b','c'].d"));
  EXPECT_FALSE(is_definite_path("$.a[?(@.b)]"));
  EXPECT_FALSE(is_definite_path("$.a b"));
}

TEST(QueryPath, SelectsDefiniteNodes) {
  EXPECT_EQ(query_path("$", kStore, kContext), kStore);
  EXPECT_EQ(query_path("$.store.bicycle.color", kStore, kContext), "red");
  EXPECT_EQ(query_path("$['store']['bicycle']['price']", kStore, kContext), 19.95);
  EXPECT_EQ(query_path("$[\"store\"].book[1].author", kStore, kContext), "Evelyn Waugh");
  EXPECT_EQ(query_path("$.store.book[-1].title", kStore, kContext), "The Lord");
  EXPECT_EQ(query_path("$['with space']", kStore, kContext), 1);
  EXPECT_EQ(query_path("$.input-value", kStore, kContext), 0);
  EXPECT_EQ(query_path("$.store.book.length()", kStore, kContext), 4);
  EXPECT_EQ(query_path("$.store.bicycle['color','price','nope']", kStore, kContext),
            json::parse(R"({"color": "red", "price": 19.95})"));
}

TEST(QueryPath, IndefinitePathsReturnArraysOfMatches) {
  EXPECT_EQ(query_path("$.store.book[*].author", kStore, kContext),
            json({"Nigel Rees", "Evelyn Waugh", "Herman Melville", "J. R. R. Tolkien"}));
  EXPECT_EQ(query_path("$.store.bicycle.*", kStore, kContext), json({"red", 19.95}));
  EXPECT_EQ(query_path("$.store.book[1:3].title", kStore, kContext), json({"Sword", "Moby Dick"}));
  EXPECT_EQ(query_path("$.store.book[:1].title", kStore, kContext), json({"Sayings"}));
  EXPECT_EQ(query_path("$.store.book[-2:].title", kStore, kContext), json({"Moby Dick", "The Lord"}));
  EXPECT_EQ(query_path("$.store.book[0,2].title", kStore, kContext), json({"Sayings", "Moby Dick"}));
  EXPECT_EQ(query_path("$.store.book[5:9]", kStore, kContext), json::array());
  // Recursive descent visits the document in order, a node before its children.
  EXPECT_EQ(query_path("$..price", kStore, kContext), json({8.95, 12.99, 8.99, 22.99, 19.95}));
  EXPECT_EQ(query_path("$..book[2].isbn", kStore, kContext), json({"0-553"}));
  // Missing properties below an indefinite step are skipped, not errors.
  EXPECT_EQ(query_path("$.store.book[*].isbn", kStore, kContext), json({"0-553", "0-395"}));
  EXPECT_EQ(query_path("$.store.book.length()", kStore, kContext), 4);
  EXPECT_EQ(query_path("$.store.book[*].price.length()", kStore, kContext), 4);
  EXPECT_EQ(query_path("$.store.book[*].price.max()", kStore, kContext), 22.99);
}

TEST(QueryPath, IndefinitePathsOverMissingInputGiveEmptyArrays) {
  // Recorded on AWS: Parameters {"item.$": "$.item.items[1:5].itemValue"} over {} gives [].
  for (const char* p : {"$.items[*]", "$.item.items[1:]", "$.item.items[1:5].itemValue", "$[*]", "$.items[:1]"})
    EXPECT_EQ(query_path(p, json::object(), kContext), json::array()) << p;
}

TEST(QueryPath, Filters) {
  auto titles = [](const char* filter) {
    return query_path(std::string("$.store.book[?(") + filter + ")].title", kStore, kContext);
  };
  EXPECT_EQ(titles("@.isbn"), json({"Moby Dick", "The Lord"}));
  EXPECT_EQ(titles("!@.isbn"), json({"Sayings", "Sword"}));
  EXPECT_EQ(titles("@.price < 10"), json({"Sayings", "Moby Dick"}));
  EXPECT_EQ(titles("@.price >= 12.99"), json({"Sword", "The Lord"}));
  EXPECT_EQ(titles("@.price < $.expensive"), json({"Sayings", "Moby Dick"}));
  EXPECT_EQ(titles("@.category == 'reference'"), json({"Sayings"}));
  EXPECT_EQ(titles("@.category != \"fiction\""), json({"Sayings"}));
  EXPECT_EQ(titles("@.category == 'fiction' && @.price < 10"), json({"Moby Dick"}));
  EXPECT_EQ(titles("@.price > 20 || @.price < 9"), json({"Sayings", "Moby Dick", "The Lord"}));
  EXPECT_EQ(titles("(@.price > 20 || @.price < 9) && !(@.isbn)"), json({"Sayings"}));
  EXPECT_EQ(titles("@.author =~ /.*rees/i"), json({"Sayings"}));
  EXPECT_EQ(titles("@.category in ['reference', 'poetry']"), json({"Sayings"}));
  EXPECT_EQ(titles("@.category nin ['fiction']"), json({"Sayings"}));
  EXPECT_EQ(titles("@.title size 5"), json({"Sword"}));
  EXPECT_EQ(titles("@.price == '8.95'"), json::array());  // no type coercion
  // On an object a filter tests the object itself (Jayway).
  EXPECT_EQ(query_path("$.store.bicycle[?(@.color == 'red')].price", kStore, kContext), json({19.95}));
  EXPECT_EQ(query_path("$.store[?(@.color == 'red')]", kStore, kContext), json::array());
}

TEST(QueryPath, ContextPathsAddressTheContextObject) {
  EXPECT_EQ(query_path("$$", kStore, kContext), kContext);
  EXPECT_EQ(query_path("$$.Execution.Input.x", kStore, kContext), 1);
  EXPECT_EQ(query_path("$$.State.Name", json::object(), kContext), "S");
}

TEST(QueryPath, BracketNamesKeepBackslashes) {
  // Recorded on AWS: $['Test\""Name"'] selects the key Test\""Name" (backslash kept).
  const json input = json::parse(R"({"Test\\\"\"Name\"": "Value\"\\"})");
  EXPECT_EQ(query_path(R"($['Test\""Name"'])", input, kContext), "Value\"\\");
}

TEST(QueryPath, MissingDefiniteLeafUsesAwsWording) {
  auto e = error_of([] { query_path("$.NoSuchInputPath", json{{"int-literal", 0}}, kContext); });
  EXPECT_EQ(e.name(), "States.Runtime");
  EXPECT_EQ(e.cause(), "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']");
  e = error_of([] { query_path("$.store.book[9]", kStore, kContext); });
  EXPECT_EQ(e.cause(), "Invalid path '$.store.book[9]' : No results for path: $['store']['book'][9]");
}

TEST(QueryPath, MissingIntermediateAndWrongTypesAreNamed) {
  auto e = error_of([] { query_path("$.a.b.c", json{{"x", 1}}, kContext); });
  EXPECT_EQ(e.cause(), "Invalid path '$.a.b.c' : Missing property in path $['a']");
  e = error_of([] { query_path("$.store.bicycle.color.x", kStore, kContext); });
  EXPECT_NE(e.cause().find("Expected to find an object with property ['x'] in path $['store']['bicycle']['color']"),
            std::string::npos)
      << e.cause();
  e = error_of([] { query_path("$.store.bicycle[0]", kStore, kContext); });
  EXPECT_NE(e.cause().find("can only be applied to arrays"), std::string::npos) << e.cause();
  e = error_of([] { query_path("$.bad path", kStore, kContext); });
  EXPECT_EQ(e.name(), "States.Runtime");
  EXPECT_NE(e.cause().find("$.bad path"), std::string::npos);
}

TEST(TryQueryPath, ReturnsNulloptInsteadOfThrowing) {
  EXPECT_EQ(try_query_path("$.nope", kStore, kContext), std::nullopt);
  EXPECT_EQ(try_query_path("$.a.b", json::object(), kContext), std::nullopt);
  EXPECT_EQ(try_query_path("$.expensive", kStore, kContext), json(10));
  EXPECT_EQ(try_query_path("$.nope[*]", kStore, kContext), json::array());
  // A present null is present.
  EXPECT_EQ(try_query_path("$.n", json{{"n", nullptr}}, kContext), json(nullptr));
}

TEST(QueryFieldPath, NamesTheFieldAndTheInput) {
  auto e = error_of([] {
    query_field_path("$$.Execution.Input.no_such_jsonpath", "value.$", json{{"int-literal", 0}}, kContext);
  });
  EXPECT_EQ(e.name(), "States.Runtime");
  EXPECT_EQ(e.cause(),
            "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' could not be found "
            "in the input '{\"int-literal\":0}'");
  EXPECT_EQ(query_field_path("$.expensive", "CausePath", kStore, kContext), 10);
}

TEST(ApplyResultPath, DollarReplacesTheInput) {
  EXPECT_EQ(apply_result_path(json{{"a", 1}}, "$", "result"), "result");
}

TEST(ApplyResultPath, PlacesTheResultAndKeepsTheRest) {
  const json input = json::parse(R"({"comment": "x", "details": {"a": 1}})");
  const json out = apply_result_path(input, "$.taskresult", "Hello");
  EXPECT_EQ(out.dump(), R"({"comment":"x","details":{"a":1},"taskresult":"Hello"})");
  EXPECT_EQ(apply_result_path(input, "$.details.a", json::array()).dump(), R"({"comment":"x","details":{"a":[]}})");
  EXPECT_EQ(apply_result_path(input, "$['details']['b']", 2)["details"], json({{"a", 1}, {"b", 2}}));
}

TEST(ApplyResultPath, CreatesMissingIntermediateObjects) {
  EXPECT_EQ(apply_result_path(json::object(), "$.a.b.c", 1), json::parse(R"({"a":{"b":{"c":1}}})"));
}

TEST(ApplyResultPath, WritesIntoExistingArrayElements) {
  EXPECT_EQ(apply_result_path(json{{"l", {1, 2, 3}}}, "$.l[1]", "x"), json::parse(R"({"l":[1,"x",3]})"));
  EXPECT_EQ(apply_result_path(json{{"l", {json::object()}}}, "$.l[0].k", true), json::parse(R"({"l":[{"k":true}]})"));
}

TEST(ApplyResultPath, FailsWhereThePathCannotBeApplied) {
  auto e = error_of([] { apply_result_path("a string", "$.x", 1); });
  EXPECT_EQ(e.name(), "States.ResultPathMatchFailure");
  EXPECT_NE(e.cause().find("$.x"), std::string::npos);
  EXPECT_NE(e.cause().find("\"a string\""), std::string::npos) << e.cause();
  EXPECT_EQ(error_of([] { apply_result_path(json{{"a", 5}}, "$.a.b", 1); }).name(), "States.ResultPathMatchFailure");
  EXPECT_EQ(error_of([] { apply_result_path(json{{"l", {1}}}, "$.l[3]", 1); }).name(), "States.ResultPathMatchFailure");
  EXPECT_EQ(error_of([] { apply_result_path(json::object(), "$.l[0]", 1); }).name(), "States.ResultPathMatchFailure");
  EXPECT_EQ(error_of([] { apply_result_path(json::object(), "$.a[*]", 1); }).name(), "States.Runtime");
  EXPECT_EQ(error_of([] { apply_result_path(json::object(), "$$.Execution", 1); }).name(), "States.Runtime");
}

class QueryPathThreads : public ::testing::TestWithParam<int> {};

TEST_P(QueryPathThreads, ConcurrentQueriesAgree) {
  const int workers = GetParam();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int w = 0; w < workers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < 200; ++i) {
        const std::string path = "$.store.book[" + std::to_string((i + w) % 4) + "].price";
        const json expected = kStore["store"]["book"][static_cast<std::size_t>((i + w) % 4)]["price"];
        if (query_path(path, kStore, kContext) != expected) ++mismatches;
        if (query_path("$..author", kStore, kContext).size() != 4) ++mismatches;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(Workers, QueryPathThreads, ::testing::Values(1, 2, 4, 8));

}  // namespace
}  // namespace cosmicai::asl
