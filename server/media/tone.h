#pragma once
// Tone detection (Goertzel): how much of a block's energy is at one
// frequency. ~1.0 for a pure tone on a bin (frequency a multiple of
// rate / block size: 50 Hz for 160 samples at 8 kHz), ~0 for silence or
// other tones. Used to check what a call leg actually carries.
#include <cstdint>
#include <span>

namespace contactd::media {

double tone_ratio(std::span<const std::int16_t> block, double frequency, double rate = 8000.0);

}  // namespace contactd::media
