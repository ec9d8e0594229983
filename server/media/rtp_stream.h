#pragma once
// The RTP stream contactd sends on one call leg. Whatever feeds it — the
// other leg's packets (relay), hold music, keypad digits — the receiver sees
// one stream: one SSRC, sequence numbers without gaps, timestamps that keep
// advancing. A change of source sets the marker bit (a talkspurt starts), as
// RFC 3550/3551 expect, so the phone resynchronises its jitter buffer.
#include <cstdint>

#include "media/rtp_packet.h"

namespace contactd::media {

class RtpStream {
 public:
  RtpStream(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp)
      : ssrc_(ssrc), sequence_(first_sequence), timestamp_(first_timestamp) {}

  // A frame contactd produces itself (music, silence), `samples` long.
  RtpHeader own(std::uint8_t payload_type, std::uint32_t samples = 160);
  // A packet relayed from the other leg: its timing is kept (timestamp
  // deltas within its stream), its identity replaced by ours.
  RtpHeader relay(const RtpHeader& incoming);
  // A telephone-event packet (RFC 4733): its own timestamp, from
  // DigitSender, mapped onto this stream; call resume() after the digit.
  RtpHeader event(std::uint8_t payload_type, bool marker, std::uint32_t digit_start);
  // The digit took `samples`: audio continues after it.
  void resume(std::uint32_t samples);
  std::uint32_t next_timestamp() const { return timestamp_; }

 private:
  enum class Source { none, own, relay, event };
  RtpHeader make(std::uint8_t payload_type, bool marker, std::uint32_t timestamp);

  std::uint32_t ssrc_;
  std::uint16_t sequence_;
  std::uint32_t timestamp_;  // the next frame's
  Source source_{Source::none};
  // Relay state: the incoming stream being followed and where it maps.
  std::uint32_t relay_ssrc_{0};
  std::uint32_t relay_in_base_{0}, relay_out_base_{0};
  std::uint32_t relay_last_out_{0};
  std::uint32_t event_base_{0};
};

}  // namespace contactd::media
