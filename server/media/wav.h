#pragma once
// WAV files for hold and queue music: RIFF/WAVE, PCM 16-bit, mono, 8 kHz
// (what G.711 carries; anything else is refused with the reason, so an
// operator converts it once instead of contactd resampling on every call).
#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

namespace contactd::media {

using Samples = std::vector<std::int16_t>;

// The samples, or why the bytes are not an 8 kHz mono PCM16 WAV.
std::variant<Samples, std::string> read_wav(std::span<const std::uint8_t> bytes);
std::variant<Samples, std::string> load_wav(const std::string& path);
// A canonical 44-byte-header WAV of `samples` (8 kHz mono PCM16).
std::vector<std::uint8_t> write_wav(const Samples& samples);

}  // namespace contactd::media
