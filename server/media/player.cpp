#include "media/player.h"

#include "media/g711.h"

namespace contactd::media {

void encode_frame(int payload_type, std::span<const std::int16_t, kFrameSamples> in,
                  std::span<std::uint8_t, kFrameSamples> out) {
  for (std::size_t i = 0; i < kFrameSamples; ++i) out[i] = payload_type == 8 ? linear_to_alaw(in[i]) : linear_to_ulaw(in[i]);
}

void decode_frame(int payload_type, std::span<const std::uint8_t, kFrameSamples> in,
                  std::span<std::int16_t, kFrameSamples> out) {
  for (std::size_t i = 0; i < kFrameSamples; ++i) out[i] = payload_type == 8 ? alaw_to_linear(in[i]) : ulaw_to_linear(in[i]);
}

void Player::next(std::span<std::int16_t, kFrameSamples> out) {
  const Samples& audio = *audio_;
  for (auto& s : out) {
    s = audio[position_];
    if (++position_ == audio.size()) position_ = 0;
  }
}

void Player::next_encoded(int payload_type, std::span<std::uint8_t, kFrameSamples> out) {
  std::int16_t frame[kFrameSamples];
  next(frame);
  encode_frame(payload_type, frame, out);
}

}  // namespace contactd::media
