#include "media/telephone_event.h"

#include <algorithm>

namespace contactd::media {

void write_telephone_event(const TelephoneEvent& e, std::span<std::uint8_t> out) {
  out[0] = e.event;
  out[1] = static_cast<std::uint8_t>((e.end ? 0x80 : 0) | (e.volume & 0x3F));
  out[2] = static_cast<std::uint8_t>(e.duration >> 8);
  out[3] = static_cast<std::uint8_t>(e.duration);
}

std::optional<TelephoneEvent> parse_telephone_event(std::span<const std::uint8_t> p) {
  if (p.size() < kTelephoneEventBytes) return std::nullopt;
  TelephoneEvent e;
  e.event = p[0];
  e.end = (p[1] & 0x80) != 0;
  e.volume = p[1] & 0x3F;
  e.duration = static_cast<std::uint16_t>(p[2] << 8 | p[3]);
  return e;
}

std::optional<std::uint8_t> event_of_digit(char d) {
  if (d >= '0' && d <= '9') return static_cast<std::uint8_t>(d - '0');
  if (d == '*') return 10;
  if (d == '#') return 11;
  if (d >= 'A' && d <= 'D') return static_cast<std::uint8_t>(12 + (d - 'A'));
  if (d >= 'a' && d <= 'd') return static_cast<std::uint8_t>(12 + (d - 'a'));
  return std::nullopt;
}

std::optional<char> digit_of_event(std::uint8_t e) {
  static constexpr char kDigits[] = "0123456789*#ABCD";
  if (e < 16) return kDigits[e];
  return std::nullopt;
}

DigitSender::DigitSender(std::uint8_t event, std::uint32_t start_timestamp, std::uint16_t total, std::uint16_t interval)
    : event_(event), start_(start_timestamp), total_(total), interval_(interval) {}

DigitSender::Packet DigitSender::next() {
  Packet p{first_, start_, TelephoneEvent{event_, false, 10, duration_}};
  first_ = false;
  if (duration_ < total_) duration_ = static_cast<std::uint16_t>(std::min<int>(duration_ + interval_, total_));
  p.event.duration = duration_;
  if (duration_ >= total_) {
    p.event.end = true;
    ++ends_sent_;
  }
  return p;
}

std::optional<char> DigitReceiver::on_packet(std::uint32_t timestamp, const TelephoneEvent& e) {
  if (last_timestamp_ == timestamp) return std::nullopt;
  last_timestamp_ = timestamp;
  return digit_of_event(e.event);
}

}  // namespace contactd::media
