// CancelToken: what handlers check, wait on and register for.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/clock.hpp"
#include "functions/cancel.hpp"
#include "functions/registry.hpp"

namespace cosmicai::functions {
namespace {

using namespace std::chrono_literals;

TEST(CancelToken, FirstCancelWinsAndRunsEachCallbackOnce) {
  CancelToken t;
  std::atomic<int> a{0}, b{0};
  t.on_cancel([&] { ++a; });
  const auto id = t.on_cancel([&] { ++b; });
  t.remove_callback(id);
  EXPECT_FALSE(t.cancelled());
  EXPECT_NO_THROW(t.throw_if_cancelled());
  EXPECT_TRUE(t.cancel("States.Timeout", "first"));
  EXPECT_FALSE(t.cancel("Other", "second"));
  EXPECT_TRUE(t.cancelled());
  EXPECT_EQ(t.error(), "States.Timeout");
  EXPECT_EQ(t.cause(), "first");
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 0);
  // Registered after the fact: runs at once.
  std::atomic<int> c{0};
  t.on_cancel([&] { ++c; });
  EXPECT_EQ(c, 1);
  try {
    t.throw_if_cancelled();
    ADD_FAILURE() << "no throw";
  } catch (const FunctionError& e) {
    EXPECT_EQ(e.error_type(), "States.Timeout");
    EXPECT_EQ(e.error_message(), "first");
  }
}

TEST(CancelToken, WaitForReturnsOnCancelOrAfterTheDelay) {
  CancelToken t;
  Clock clock(1.0);
  auto t0 = clock.now();
  EXPECT_FALSE(t.wait_for(20ms));
  EXPECT_GE(clock.now() - t0, std::chrono::nanoseconds(20ms));
  std::thread canceller([&] {
    std::this_thread::sleep_for(30ms);
    t.cancel("E", "C");
  });
  t0 = clock.now();
  EXPECT_TRUE(t.wait());
  canceller.join();
  EXPECT_LT(clock.now() - t0, std::chrono::nanoseconds(10s));
  EXPECT_TRUE(t.wait_for(1h));  // already cancelled: no wait
}

TEST(CancelToken, RemovingACallbackWaitsUntilItHasRun) {
  CancelToken t;
  std::atomic<bool> started{false}, finished{false};
  const auto id = t.on_cancel([&] {
    started = true;
    std::this_thread::sleep_for(50ms);
    finished = true;
  });
  std::thread canceller([&] { t.cancel("E", "C"); });
  while (!started) std::this_thread::yield();
  t.remove_callback(id);
  EXPECT_TRUE(finished);  // the callback's captures stay valid until remove_callback returns
  canceller.join();
}

TEST(CancelToken, HooksServeWaitsAndHeartbeats) {
  int waits = 0, beats = 0;
  CancelToken::Hooks hooks;
  hooks.wait = [&](std::optional<CancelToken::duration> d, const std::function<bool()>&) {
    ++waits;
    EXPECT_EQ(d, std::optional<CancelToken::duration>(5s));
  };
  hooks.heartbeat = [&] { ++beats; };
  CancelToken t(std::move(hooks));
  EXPECT_FALSE(t.wait_for(5s));
  t.heartbeat();
  t.cancel("E", "C");
  t.heartbeat();  // no heartbeats after cancellation
  EXPECT_EQ(waits, 1);
  EXPECT_EQ(beats, 1);
}

}  // namespace
}  // namespace cosmicai::functions
