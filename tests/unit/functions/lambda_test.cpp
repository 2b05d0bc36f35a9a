// Registry lookups and Lambda-style invocation errors.
#include <gtest/gtest.h>

#include <stdexcept>

#include "functions/lambda.hpp"
#include "functions/registry.hpp"

namespace cosmicai::functions {
namespace {

TEST(FunctionRef, ParsesNamesPartialAndFullArns) {
  auto a = parse_function_ref("fn");
  EXPECT_EQ(a.name, "fn");
  EXPECT_EQ(a.qualifier, "$LATEST");
  auto b = parse_function_ref("arn:aws:lambda:us-east-1:123456789012:function:cosmic-executor:$LATEST");
  EXPECT_EQ(b.name, "cosmic-executor");
  EXPECT_EQ(b.qualifier, "$LATEST");
  auto c = parse_function_ref("123456789012:function:fn:prod");
  EXPECT_EQ(c.name, "fn");
  EXPECT_EQ(c.qualifier, "prod");
}

TEST(Invoke, StubsBehaveAsTheConformanceSuiteSays) {
  Registry r;
  add_stub_functions(r);
  const json event = {{"x", 1}};
  EXPECT_EQ(invoke_function(r, "arn:aws:lambda:us-east-1:000000000000:function:sfn_stub_identity", event, {}), event);
  try {
    invoke_function(r, "sfn_stub_raise", event, {});
    FAIL() << "expected a FunctionError";
  } catch (const FunctionError& e) {
    EXPECT_EQ(e.error_type(), "Exception");
    EXPECT_EQ(function_error_cause(e), R"({"errorMessage":"Some exception was raised.","errorType":"Exception"})");
  }
}

TEST(Invoke, UnknownFunctionIsResourceNotFound) {
  Registry r;
  try {
    invoke_function(r, "missing-fn", json::object(), {});
    FAIL() << "expected a ServiceError";
  } catch (const ServiceError& e) {
    EXPECT_EQ(e.name(), "Lambda.ResourceNotFoundException");
    EXPECT_NE(e.cause().find("missing-fn"), std::string::npos);
  }
}

TEST(Invoke, ForeignExceptionsBecomeFunctionErrorsNamedByType) {
  Registry r;
  r.add("bad", [](const json&, const InvokeContext&) -> json { throw std::out_of_range("index 7 out of range"); });
  r.add("json", [](const json& e, const InvokeContext&) -> json { return e.at("missing"); });
  try {
    invoke_function(r, "bad", json::object(), {});
    FAIL();
  } catch (const FunctionError& e) {
    EXPECT_EQ(e.error_type(), "std::out_of_range");
    EXPECT_EQ(e.error_message(), "index 7 out of range");
  }
  EXPECT_THROW(invoke_function(r, "json", json::object(), {}), FunctionError);
}

TEST(Invoke, ExtraFieldsAppearInTheCause) {
  FunctionError e("Exception", "boom", json{{"stackTrace", {"line 1"}}});
  EXPECT_EQ(function_error_cause(e), R"({"errorMessage":"boom","errorType":"Exception","stackTrace":["line 1"]})");
}

}  // namespace
}  // namespace cosmicai::functions
