// The scheduler: every kind of work item hands an escaping exception to its error handler (no
// completion is lost), deadlines follow the logical clock, and parked threads let time jump.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <string>

#include "engine/scheduler.hpp"

namespace cosmicai::engine {
namespace {

using namespace std::chrono_literals;

/// Collects what error handlers receive; wait() blocks until `n` arrived.
struct Errors {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> seen;

  Scheduler::ErrorHandler handler(std::string kind) {
    return [this, kind](std::exception_ptr ep) {
      std::string what;
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        what = e.what();
      } catch (const int& v) {
        what = "int " + std::to_string(v);
      }
      std::lock_guard lock(mu);
      seen.push_back(kind + ": " + what);
      cv.notify_all();
    };
  }
  std::vector<std::string> wait(std::size_t n) {
    std::unique_lock lock(mu);
    cv.wait_for(lock, 30s, [&] { return seen.size() >= n; });
    auto out = seen;
    std::sort(out.begin(), out.end());
    return out;
  }
};

class SchedulerErrors : public ::testing::TestWithParam<std::pair<double, std::size_t>> {};

TEST_P(SchedulerErrors, EveryKindOfWorkItemHandsItsExceptionToItsHandler) {
  const auto [scale, workers] = GetParam();
  Clock clock(scale);
  Errors errors;
  {
    Scheduler s(workers, clock);
    s.post([] { throw std::runtime_error("posted"); }, errors.handler("post"));
    s.post([] { throw 7; }, errors.handler("post-int"));
    s.post_after(1ms, [] { throw std::logic_error("slept"); }, errors.handler("post_after"));
    s.post_deadline(1ms, [] { throw std::out_of_range("deadline"); }, errors.handler("post_deadline"));
    s.post_deadline(1ms, [] { throw 9; }, errors.handler("post_deadline-int"));
    // A handler that throws itself, and an item without a handler: reported, the pool lives on.
    s.post([] { throw std::runtime_error("x"); }, [](std::exception_ptr) { throw std::runtime_error("handler"); });
    s.post([] { throw std::runtime_error("no handler"); });
    EXPECT_EQ(errors.wait(5), (std::vector<std::string>{"post-int: int 7", "post: posted", "post_after: slept",
                                                         "post_deadline-int: int 9", "post_deadline: deadline"}));
    // Still working after all that.
    std::atomic<bool> ran{false};
    s.post([&] { ran = true; });
    for (int i = 0; i < 3000 && !ran; ++i) std::this_thread::sleep_for(1ms);
    EXPECT_TRUE(ran);
  }
}

INSTANTIATE_TEST_SUITE_P(ScalesAndWorkers, SchedulerErrors,
                         ::testing::Values(std::make_pair(0.0, std::size_t{1}), std::make_pair(0.0, std::size_t{2}),
                                           std::make_pair(0.0, std::size_t{4}), std::make_pair(0.0, std::size_t{8}),
                                           std::make_pair(1.0, std::size_t{1}), std::make_pair(1.0, std::size_t{4})));

TEST(SchedulerDeadlines, AParkedWorkerLetsTheClockJumpToTheNextDeadline) {
  Clock clock(0.0);
  Scheduler s(2, clock);
  std::atomic<bool> stop{false};
  std::atomic<bool> woke{false};
  const auto t0 = clock.now();
  s.post_deadline(3600s, [&] {
    stop = true;
    s.wake_parked();
  });
  s.post([&] {
    s.park(std::nullopt, [&] { return stop.load(); });  // waits for the deadline only
    woke = true;
  });
  for (int i = 0; i < 10000 && !woke; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(woke);
  EXPECT_GE(clock.now() - t0, std::chrono::nanoseconds(3600s));
  EXPECT_LT(clock.now() - t0, std::chrono::nanoseconds(3601s));
}

TEST(SchedulerDeadlines, ParkedDelaysAndSleepersWakeInLogicalOrder) {
  Clock clock(0.0);
  Scheduler s(1, clock);
  std::mutex mu;
  std::vector<std::string> order;
  std::atomic<int> finished{0};
  auto note = [&](std::string what) {
    std::lock_guard lock(mu);
    order.push_back(std::move(what));
  };
  // Everything is set up from a busy worker, so the clock cannot jump before the park.
  s.post([&] {
    s.post_after(50s, [&] {
      note("sleeper 50");
      ++finished;
    });
    s.post_deadline(20s, [&] { note("deadline 20"); });
    s.park(30s, [] { return false; });
    note("parked 30");
    ++finished;
  });
  for (int i = 0; i < 10000 && finished < 2; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_EQ(finished, 2);
  std::lock_guard lock(mu);
  EXPECT_EQ(order, (std::vector<std::string>{"deadline 20", "parked 30", "sleeper 50"}));
}

TEST(SchedulerDeadlines, ACancelledDeadlineNeverFiresAndDoesNotMoveTheClock) {
  Clock clock(0.0);
  Scheduler s(1, clock);
  std::atomic<bool> fired{false};
  const auto id = s.post_deadline(10s, [&] { fired = true; });
  EXPECT_TRUE(s.cancel_deadline(id));
  EXPECT_FALSE(s.cancel_deadline(id));
  std::atomic<bool> slept{false};
  const auto t0 = clock.now();
  s.post_after(30s, [&] { slept = true; });
  for (int i = 0; i < 10000 && !slept; ++i) std::this_thread::sleep_for(1ms);
  ASSERT_TRUE(slept);
  EXPECT_FALSE(fired);
  EXPECT_GE(clock.now() - t0, std::chrono::nanoseconds(30s));
}

TEST(SchedulerDeadlines, ADeadlineDoesNotJumpWhileAWorkerIsBusy) {
  // A busy worker is real work: the deadline waits for real time to reach it.
  Clock clock(0.0);
  Scheduler s(1, clock);
  std::atomic<bool> fired{false};
  std::atomic<bool> done{false};
  s.post_deadline(3600s, [&] { fired = true; });
  s.post([&] {
    std::this_thread::sleep_for(20ms);
    done = true;
  });
  for (int i = 0; i < 10000 && !done; ++i) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(fired);
  EXPECT_EQ(clock.skipped(), Clock::duration::zero());
}

}  // namespace
}  // namespace cosmicai::engine
