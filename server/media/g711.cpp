#include "media/g711.h"

namespace contactd::media {

std::uint8_t linear_to_ulaw(std::int16_t sample) {
  static constexpr int kSegmentEnd[8] = {0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF};
  int magnitude = sample >> 2;  // 14-bit domain
  int mask = 0xFF;
  if (magnitude < 0) {
    magnitude = -magnitude;
    mask = 0x7F;
  }
  if (magnitude > 8159) magnitude = 8159;  // clip
  magnitude += 0x21;                       // bias
  int segment = 0;
  while (segment < 8 && magnitude > kSegmentEnd[segment]) ++segment;
  if (segment >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  return static_cast<std::uint8_t>(((segment << 4) | ((magnitude >> (segment + 1)) & 0x0F)) ^ mask);
}

std::int16_t ulaw_to_linear(std::uint8_t code) {
  code = static_cast<std::uint8_t>(~code);
  int t = ((code & 0x0F) << 3) + 0x84;
  t <<= (code & 0x70) >> 4;
  return static_cast<std::int16_t>((code & 0x80) ? (0x84 - t) : (t - 0x84));
}

std::uint8_t linear_to_alaw(std::int16_t sample) {
  const int sign = ((~sample) >> 8) & 0x80;  // 0x80 for positive samples
  int magnitude = sample;
  if (!sign) magnitude = -magnitude - 1;  // no overflow at -32768
  std::uint8_t code = 0;
  if (magnitude >= 256) {
    int exponent = 7;
    for (int bit = 0x4000; (magnitude & bit) == 0 && exponent > 1; bit >>= 1) --exponent;
    code = static_cast<std::uint8_t>((exponent << 4) | ((magnitude >> (exponent + 3)) & 0x0F));
  } else {
    code = static_cast<std::uint8_t>(magnitude >> 4);
  }
  return static_cast<std::uint8_t>((code | sign) ^ 0x55);
}

std::int16_t alaw_to_linear(std::uint8_t code) {
  code ^= 0x55;
  int t = (code & 0x0F) << 4;
  const int segment = (code & 0x70) >> 4;
  if (segment == 0) t += 8;
  else if (segment == 1) t += 0x108;
  else t = (t + 0x108) << (segment - 1);
  return static_cast<std::int16_t>((code & 0x80) ? t : -t);
}

}  // namespace contactd::media
