// Result<T> and Status: values or errors at I/O boundaries.
#include "common/result.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cosmicai {
namespace {

Result<int> half(int x) {
  if (x % 2) return make_error(ErrorCode::kInvalidArgument, "odd: " + std::to_string(x));
  return x / 2;
}

TEST(Result, HoldsAValueOrAnError) {
  auto ok = half(8);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(static_cast<bool>(ok));
  EXPECT_EQ(ok.value(), 4);
  EXPECT_EQ(*ok, 4);

  auto bad = half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "odd: 3");
}

TEST(Result, ValueOfAnErrorThrowsTheError) {
  auto bad = half(5);
  try {
    (void)bad.value();
    FAIL() << "value() of an error must throw";
  } catch (const ErrorException& e) {
    EXPECT_EQ(e.error().code, ErrorCode::kInvalidArgument);
    EXPECT_STREQ(e.what(), "odd: 5");
  }
  EXPECT_THROW((void)*half(7), ErrorException);
  const Result<std::string> missing = make_error(ErrorCode::kNotFound, "no such key");
  EXPECT_THROW((void)missing->size(), ErrorException);
}

TEST(Result, MovesItsValueOut) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(42);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(**r, 42);
  std::unique_ptr<int> taken = std::move(r).value();
  ASSERT_NE(taken, nullptr);
  EXPECT_EQ(*taken, 42);
  Result<std::string> s = std::string("text");
  EXPECT_EQ(s->size(), 4u);
}

TEST(Status, OkByDefaultOrAnError) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_NO_THROW(ok.value());
  Status bad = make_error(ErrorCode::kIo, "disk full");
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kIo);
  EXPECT_EQ(bad.error().message, "disk full");
  try {
    bad.value();
    FAIL() << "value() of an error status must throw";
  } catch (const ErrorException& e) {
    EXPECT_EQ(e.error().message, "disk full");
  }
}

}  // namespace
}  // namespace cosmicai
