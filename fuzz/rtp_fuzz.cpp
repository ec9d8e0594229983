// Fuzz target: RTP datagrams from the network (media::parse_rtp). Checks that
// the payload lies inside the datagram, that the fixed header written back
// parses to the same values, and runs a payload through the RFC 4733 parser
// as the relay does for telephone events.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "media/rtp_packet.h"
#include "media/telephone_event.h"

using namespace contactd::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> datagram(data, size);
  auto packet = parse_rtp(datagram);
  if (!packet) return 0;
  const auto& payload = packet->payload;
  if (!payload.empty() && (payload.data() < data || payload.data() + payload.size() > data + size)) std::abort();
  if (payload.size() > size - kRtpHeaderBytes) std::abort();

  std::array<std::uint8_t, kRtpHeaderBytes> header{};
  if (write_rtp_header(packet->header, header) != kRtpHeaderBytes) std::abort();
  auto again = parse_rtp(header);
  if (!again || again->header.marker != packet->header.marker ||
      again->header.payload_type != packet->header.payload_type ||
      again->header.sequence != packet->header.sequence || again->header.timestamp != packet->header.timestamp ||
      again->header.ssrc != packet->header.ssrc || !again->payload.empty())
    std::abort();

  if (auto event = parse_telephone_event(payload)) {
    DigitReceiver receiver;
    (void)receiver.on_packet(packet->header.timestamp, *event);
  }
  return 0;
}
