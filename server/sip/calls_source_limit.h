#pragma once
// A rate limit per source address (issue 11): INVITEs from sources that are
// not configured trunks. Each source has a token bucket of `per_minute`
// tokens, refilled evenly over the minute; an INVITE takes one or is
// refused. Sources whose bucket is full again are forgotten, and at most
// `max_sources` are remembered at once: when that many are limited at the
// same time, new sources are refused too (a flood from many addresses must
// not grow the table without bound). Pure: the caller passes the time.
#include <cstddef>
#include <string>
#include <unordered_map>

#include "core/token_bucket.h"

namespace contactd::sip {

class SourceLimit {
 public:
  // per_minute 0: no limit.
  explicit SourceLimit(std::size_t per_minute, std::size_t max_sources = 65536)
      : per_minute_(per_minute), max_sources_(max_sources) {}

  // Whether one more request from `source` may pass at `now`.
  bool allow(const std::string& source, core::TimePoint now) {
    if (per_minute_ == 0) return true;
    auto it = buckets_.find(source);
    if (it == buckets_.end()) {
      if (buckets_.size() >= max_sources_) forget_idle(now);
      if (buckets_.size() >= max_sources_) return false;
      const double burst = static_cast<double>(per_minute_);
      it = buckets_.emplace(source, core::TokenBucket(burst / 60.0, burst, now)).first;
    }
    return it->second.take(now);
  }

  std::size_t sources() const { return buckets_.size(); }

 private:
  void forget_idle(core::TimePoint now) {
    std::erase_if(buckets_, [&](const auto& entry) { return entry.second.full(now); });
  }

  std::size_t per_minute_;
  std::size_t max_sources_;
  std::unordered_map<std::string, core::TokenBucket> buckets_;
};

}  // namespace contactd::sip
