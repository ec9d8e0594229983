#pragma once
// A token bucket: `rate` tokens per second, at most `burst` saved up. Pure:
// the caller passes the time.
#include <algorithm>

#include "core/time.h"

namespace contactd::core {

class TokenBucket {
 public:
  TokenBucket(double rate, double burst, TimePoint now) : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  // Takes one token if there is one.
  bool take(TimePoint now) {
    refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }
  // Whether the bucket is full at `now` (an idle key that can be forgotten).
  bool full(TimePoint now) const {
    const double gained = now > last_ ? rate_ * static_cast<double>((now - last_).count()) / 1000.0 : 0.0;
    return tokens_ + gained >= burst_;
  }

 private:
  void refill(TimePoint now) {
    if (now > last_) tokens_ = std::min(burst_, tokens_ + rate_ * static_cast<double>((now - last_).count()) / 1000.0);
    last_ = std::max(last_, now);
  }

  double rate_;
  double burst_;
  double tokens_;
  TimePoint last_;
};

}  // namespace contactd::core
