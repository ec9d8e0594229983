#pragma once
// Plays audio (hold and queue music) as 20 ms G.711 frames, looping, so a
// caller on hold hears it continuously. The samples are shared: one copy of
// each file however many calls play it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "media/wav.h"

namespace contactd::media {

inline constexpr std::size_t kFrameSamples = 160;  // 20 ms at 8 kHz, and 160 bytes of G.711

// Encodes one frame of samples for `payload_type` (0 PCMU, 8 PCMA).
void encode_frame(int payload_type, std::span<const std::int16_t, kFrameSamples> in,
                  std::span<std::uint8_t, kFrameSamples> out);
void decode_frame(int payload_type, std::span<const std::uint8_t, kFrameSamples> in,
                  std::span<std::int16_t, kFrameSamples> out);

class Player {
 public:
  // REQUIRES: `audio` holds at least one sample.
  explicit Player(std::shared_ptr<const Samples> audio) : audio_(std::move(audio)) {}
  // The next 20 ms, wrapping around the end of the audio.
  void next(std::span<std::int16_t, kFrameSamples> out);
  void next_encoded(int payload_type, std::span<std::uint8_t, kFrameSamples> out);

 private:
  std::shared_ptr<const Samples> audio_;
  std::size_t position_{0};
};

}  // namespace contactd::media
