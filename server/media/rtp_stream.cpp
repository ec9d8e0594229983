#include "media/rtp_stream.h"

namespace contactd::media {

RtpHeader RtpStream::make(std::uint8_t payload_type, bool marker, std::uint32_t timestamp) {
  return RtpHeader{marker, payload_type, sequence_++, timestamp, ssrc_};
}

RtpHeader RtpStream::own(std::uint8_t payload_type, std::uint32_t samples) {
  const bool marker = source_ != Source::own;
  source_ = Source::own;
  const auto h = make(payload_type, marker, timestamp_);
  timestamp_ += samples;
  return h;
}

RtpHeader RtpStream::relay(const RtpHeader& in) {
  const bool switched = source_ != Source::relay || in.ssrc != relay_ssrc_;
  if (switched) {  // a new talkspurt: map its timeline onto ours from here
    source_ = Source::relay;
    relay_ssrc_ = in.ssrc;
    relay_in_base_ = in.timestamp;
    relay_out_base_ = timestamp_;
  }
  const std::uint32_t out = relay_out_base_ + (in.timestamp - relay_in_base_);  // modulo 2^32
  const auto h = make(in.payload_type, switched || in.marker, out);
  // The next own frame follows the latest relayed one (packets may arrive
  // out of order: only move forward).
  if (switched || static_cast<std::int32_t>(out - relay_last_out_) > 0) relay_last_out_ = out;
  timestamp_ = relay_last_out_ + 160;
  return h;
}

RtpHeader RtpStream::event(std::uint8_t payload_type, bool marker, std::uint32_t digit_start) {
  if (source_ != Source::event) {
    source_ = Source::event;
    event_base_ = timestamp_ - digit_start;  // the digit starts at our next timestamp
  }
  return make(payload_type, marker, event_base_ + digit_start);
}

void RtpStream::resume(std::uint32_t samples) {
  timestamp_ += samples;
  source_ = Source::none;  // the next frame, whatever it is, starts a talkspurt
}

}  // namespace contactd::media
