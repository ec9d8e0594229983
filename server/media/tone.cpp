#include "media/tone.h"

#include <cmath>
#include <numbers>

namespace contactd::media {

double tone_ratio(std::span<const std::int16_t> x, double frequency, double rate) {
  const auto n = static_cast<double>(x.size());
  if (x.empty()) return 0;
  const double k = std::round(n * frequency / rate);
  const double coeff = 2.0 * std::cos(2.0 * std::numbers::pi * k / n);
  double s1 = 0, s2 = 0, energy = 0;
  for (std::int16_t v : x) {
    const double s = v + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
    energy += static_cast<double>(v) * v;
  }
  if (energy <= 0) return 0;
  const double power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return 2.0 * power / (n * energy);
}

}  // namespace contactd::media
