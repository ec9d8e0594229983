#include "channels/delivery/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace contactd::channels {

std::optional<std::chrono::milliseconds> next_delay(const RetryPolicy& policy, int attempts,
                                                    std::chrono::milliseconds retry_after, double random01) {
  if (attempts >= policy.max_attempts) return std::nullopt;
  const int doublings = std::clamp(attempts - 1, 0, 30);
  const double base = std::min(static_cast<double>(policy.first.count()) * std::ldexp(1.0, doublings),
                               static_cast<double>(policy.cap.count()));
  const double factor = 1.0 + policy.jitter * (2.0 * std::clamp(random01, 0.0, 1.0) - 1.0);
  auto delay = std::chrono::milliseconds(static_cast<long long>(base * factor));
  return std::max(delay, retry_after);
}

}  // namespace contactd::channels
