#pragma once
// When a message the provider could not take yet is tried again: exponential
// backoff with jitter and a cap, the provider's Retry-After honoured, and a
// bound on attempts after which the message is failed. Pure.
#include <chrono>
#include <optional>

namespace contactd::channels {

struct RetryPolicy {
  std::chrono::milliseconds first{std::chrono::seconds(1)};
  std::chrono::milliseconds cap{std::chrono::minutes(5)};
  int max_attempts{10};   // attempts in all, the first included
  double jitter{0.2};     // each delay is scaled by a factor in [1 - jitter, 1 + jitter]
};

// The delay before the next attempt after `attempts` attempts failed
// retryably (attempts >= 1), or nullopt when no attempt is left. `random01`
// in [0, 1) picks the jitter; `retry_after` (the provider's, 0: none) is a
// floor, even above the cap.
std::optional<std::chrono::milliseconds> next_delay(const RetryPolicy& policy, int attempts,
                                                    std::chrono::milliseconds retry_after, double random01);

}  // namespace contactd::channels
