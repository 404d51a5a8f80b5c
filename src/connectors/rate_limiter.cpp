#include "connectors/rate_limiter.hpp"

#include <algorithm>

namespace maestro {

std::deque<RateLimiter::Clock::time_point>& RateLimiter::sent(const HttpRateLimit& limit) {
  // A key names a quota; the same key with another period is another window of it.
  return m_sent[limit.key + "/" + std::to_string(limit.period_seconds)];
}

RateLimiter::Clock::duration RateLimiter::wait_before(const std::vector<HttpRateLimit>& limits, Clock::time_point now) {
  Clock::duration wait{0};
  for (const auto& limit : limits) {
    if (limit.rate <= 0) continue;
    auto& times = sent(limit);
    const auto period = std::chrono::seconds(limit.period_seconds);
    while (!times.empty() && times.front() + period <= now) times.pop_front();
    if (times.size() < static_cast<std::size_t>(limit.rate)) continue;
    // The oldest request that still counts leaves the window at front + period; with `rate`
    // or more in it, the one that makes room is the (size - rate + 1)-th oldest.
    auto leaves = times[times.size() - static_cast<std::size_t>(limit.rate)] + period;
    wait = std::max(wait, leaves - now);
  }
  return wait;
}

void RateLimiter::record(const std::vector<HttpRateLimit>& limits, Clock::time_point at) {
  for (const auto& limit : limits) {
    if (limit.rate > 0) sent(limit).push_back(at);
  }
}

}  // namespace maestro
