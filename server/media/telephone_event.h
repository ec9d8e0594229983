#pragma once
// RFC 4733 telephone events (keypad digits in RTP): the 4-byte payload, a
// sender that turns one digit into its packets, and a receiver that reports
// each digit once however many packets carry it.
#include <cstdint>
#include <optional>
#include <span>

namespace contactd::media {

struct TelephoneEvent {
  std::uint8_t event{0};      // 0-9, 10 '*', 11 '#', 12-15 'A'-'D'
  bool end{false};
  std::uint8_t volume{10};    // -dBm0, 0-63
  std::uint16_t duration{0};  // in timestamp units (8 kHz: samples)
};

inline constexpr std::size_t kTelephoneEventBytes = 4;

void write_telephone_event(const TelephoneEvent& e, std::span<std::uint8_t> out);  // REQUIRES: 4 bytes
std::optional<TelephoneEvent> parse_telephone_event(std::span<const std::uint8_t> payload);

// '0'-'9', '*', '#', 'A'-'D' (also lower case) <-> event codes.
std::optional<std::uint8_t> event_of_digit(char digit);
std::optional<char> digit_of_event(std::uint8_t event);

// One digit as packets, one per packet interval: all carry the digit's start
// timestamp, the first has the marker bit, the duration grows by the
// interval until `total`, and the final packet (E bit) goes three times.
class DigitSender {
 public:
  DigitSender(std::uint8_t event, std::uint32_t start_timestamp, std::uint16_t total = 1280 /* 160 ms */,
              std::uint16_t interval = 160 /* 20 ms */);
  bool done() const { return ends_sent_ >= 3; }
  struct Packet {
    bool marker;
    std::uint32_t timestamp;
    TelephoneEvent event;
  };
  Packet next();  // REQUIRES: !done()
  // The first timestamp audio may use after the digit.
  std::uint32_t resume_timestamp() const { return start_ + total_; }

 private:
  std::uint8_t event_;
  std::uint32_t start_;
  std::uint16_t total_, interval_, duration_{0};
  bool first_{true};
  int ends_sent_{0};
};

// Reports a digit on the first packet of each event (a new timestamp);
// retransmitted and end packets of the same event report nothing.
class DigitReceiver {
 public:
  std::optional<char> on_packet(std::uint32_t timestamp, const TelephoneEvent& e);

 private:
  std::optional<std::uint32_t> last_timestamp_;
};

}  // namespace contactd::media
