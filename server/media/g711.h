#pragma once
// G.711 (ITU-T): µ-law (PCMU, payload type 0) and A-law (PCMA, 8) companding
// of 16-bit linear samples, bit-exact with the reference implementation
// (Sun's g711.c, as used by most SIP stacks).
#include <cstdint>

namespace contactd::media {

std::uint8_t linear_to_ulaw(std::int16_t sample);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::uint8_t linear_to_alaw(std::int16_t sample);
std::int16_t alaw_to_linear(std::uint8_t code);

}  // namespace contactd::media
