// Fuzz target: RFC 4733 telephone-event payloads (media::parse_telephone_event)
// and the receiver that turns a stream of them into digits.
//
// Input: records of 8 bytes, a big-endian RTP timestamp then the 4-byte
// payload. Checks that an event written back parses to the same values and
// that a reported digit is one of 0-9 * # A-D.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "media/telephone_event.h"

using namespace contactd::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  DigitReceiver receiver;
  for (std::size_t at = 0; at + 4 <= size; at += 8) {
    std::uint32_t timestamp = 0;
    std::span<const std::uint8_t> payload(data + at, size - at);
    if (size - at >= 8) {
      timestamp = (std::uint32_t{data[at]} << 24) | (std::uint32_t{data[at + 1]} << 16) |
                  (std::uint32_t{data[at + 2]} << 8) | data[at + 3];
      payload = std::span<const std::uint8_t>(data + at + 4, 4);
    }
    auto event = parse_telephone_event(payload);
    if (!event) continue;
    std::array<std::uint8_t, kTelephoneEventBytes> out{};
    write_telephone_event(*event, out);
    auto again = parse_telephone_event(out);
    if (!again || again->event != event->event || again->end != event->end || again->volume != event->volume ||
        again->duration != event->duration)
      std::abort();
    if (auto digit = receiver.on_packet(timestamp, *event)) {
      if (std::string_view("0123456789*#ABCD").find(*digit) == std::string_view::npos) std::abort();
      if (event_of_digit(*digit) != event->event) std::abort();
    }
  }
  return 0;
}
