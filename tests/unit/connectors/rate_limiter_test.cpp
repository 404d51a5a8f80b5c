// The API quotas of Fides' rate_limit_config, checked on a clock the test moves: exact counts,
// no waiting.
#include "connectors/rate_limiter.hpp"

#include <gtest/gtest.h>

namespace maestro {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = RateLimiter::Clock;

// Sends `n` requests as fast as the limiter lets them; returns when each was sent.
std::vector<Clock::time_point> send(RateLimiter& limiter, const std::vector<HttpRateLimit>& limits, int n,
                                    Clock::time_point start) {
  std::vector<Clock::time_point> sent;
  Clock::time_point now = start;
  for (int i = 0; i < n; ++i) {
    now += limiter.wait_before(limits, now);
    limiter.record(limits, now);
    sent.push_back(now);
  }
  return sent;
}

// The most requests in any window of `period` (a window starting at each request).
int busiest_window(const std::vector<Clock::time_point>& sent, Clock::duration period) {
  int most = 0;
  for (std::size_t i = 0; i < sent.size(); ++i) {
    int in = 0;
    for (std::size_t j = i; j < sent.size() && sent[j] < sent[i] + period; ++j) ++in;
    most = std::max(most, in);
  }
  return most;
}

TEST(RateLimiter, NeverMoreThanTheRateInAnyPeriodAndNoSlowerThanThat) {
  RateLimiter limiter;
  std::vector<HttpRateLimit> limits{{3, 1, ""}};
  Clock::time_point start{};
  auto sent = send(limiter, limits, 10, start);
  EXPECT_EQ(busiest_window(sent, seconds(1)), 3);
  // The first three at once, then three a second exactly: request 4 at 1 s, 7 at 2 s, 10 at 3 s.
  EXPECT_EQ(sent[2] - start, seconds(0));
  EXPECT_EQ(sent[3] - start, seconds(1));
  EXPECT_EQ(sent[6] - start, seconds(2));
  EXPECT_EQ(sent[9] - start, seconds(3));
}

TEST(RateLimiter, EveryLimitHoldsAtOnceLikeSurveyMonkeys120AMinuteAnd500ADay) {
  RateLimiter limiter;
  std::vector<HttpRateLimit> limits{{120, 60, ""}, {500, 86400, ""}};
  Clock::time_point start{};
  auto sent = send(limiter, limits, 501, start);
  EXPECT_EQ(busiest_window(sent, seconds(60)), 120);
  // 500 fit in the day (the 481st to 500th in the fifth minute); the 501st waits for the next day.
  EXPECT_EQ(sent[499] - start, seconds(240));
  EXPECT_EQ(sent[500] - start, seconds(86400));
}

TEST(RateLimiter, LimitsWithOneKeyShareTheirQuotaAndOthersDoNot) {
  RateLimiter limiter;
  std::vector<HttpRateLimit> contacts{{2, 1, "account"}};
  std::vector<HttpRateLimit> orders{{2, 1, "account"}};
  std::vector<HttpRateLimit> other{{2, 1, "elsewhere"}};
  Clock::time_point now{};
  limiter.record(contacts, now);
  limiter.record(orders, now);
  EXPECT_EQ(limiter.wait_before(contacts, now), seconds(1));  // the shared quota is used up
  EXPECT_EQ(limiter.wait_before(other, now), seconds(0));
  EXPECT_EQ(limiter.wait_before(contacts, now + milliseconds(999)), milliseconds(1));
  EXPECT_EQ(limiter.wait_before(contacts, now + seconds(1)), seconds(0));
}

}  // namespace
}  // namespace maestro
