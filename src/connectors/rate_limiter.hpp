// The request rates an API allows (Fides' rate_limit_config: "120 a minute and 500 a day"), kept
// exactly: a request is sent only when, in every limit's period before it, fewer than `rate`
// requests were sent under that limit's key. Limits with the same key share their count (Fides'
// custom_key: several endpoints drawing on one quota). The clock is passed in, so that the rule
// is checked without waiting.
//
//   RateLimiter limiter;
//   auto wait = limiter.wait_before(limits, now);   // 0 when a request may go now
//   limiter.record(limits, now + wait);
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "datamap/datamap.hpp"

namespace maestro {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // How long to wait before a request under `limits` may be sent at `now`.
  Clock::duration wait_before(const std::vector<HttpRateLimit>& limits, Clock::time_point now);
  // A request under `limits` was sent at `at`.
  void record(const std::vector<HttpRateLimit>& limits, Clock::time_point at);

 private:
  std::deque<Clock::time_point>& sent(const HttpRateLimit& limit);
  std::map<std::string, std::deque<Clock::time_point>> m_sent;  // per key and period
};

}  // namespace maestro
