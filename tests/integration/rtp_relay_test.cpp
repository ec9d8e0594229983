// The media path (issue 5): real UDP on loopback between test phones and the
// relay, checked by what the phones actually hear (Goertzel).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <mutex>
#include <numbers>
#include <thread>

#include "media/g711.h"
#include "media/player.h"
#include "media/rtp_packet.h"
#include "media/rtp_relay.h"
#include "media/telephone_event.h"
#include "media/tone.h"

using namespace contactd::media;
using namespace std::chrono_literals;

namespace {

// A phone's media: sends a tone every 20 ms from its own port, records
// what it receives.
class TestPhone {
 public:
  TestPhone(double frequency, int payload_type) : frequency_(frequency), payload_type_(payload_type) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    timeval tv{0, 5000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    reader_ = std::thread([this] { read(); });
  }
  ~TestPhone() {
    stop_ = true;
    if (sender_.joinable()) sender_.join();
    reader_.join();
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

  // Starts sending to the relay's port for this phone's leg.
  void talk_to(std::uint16_t relay_port) {
    sender_ = std::thread([this, relay_port] {
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      to.sin_port = htons(relay_port);
      std::uint16_t seq = 1;
      std::uint32_t ts = 0;
      auto next = std::chrono::steady_clock::now();
      while (!stop_) {
        std::uint8_t packet[kRtpHeaderBytes + kFrameSamples];
        write_rtp_header(RtpHeader{seq == 1, static_cast<std::uint8_t>(payload_type_), seq, ts, 0x1234}, packet);
        for (std::size_t i = 0; i < kFrameSamples; ++i) {
          const auto v = static_cast<std::int16_t>(8000 * std::sin(2 * std::numbers::pi * frequency_ *
                                                                   static_cast<double>(ts + i) / 8000));
          packet[kRtpHeaderBytes + i] = payload_type_ == 8 ? linear_to_alaw(v) : linear_to_ulaw(v);
        }
        ::sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
        ++seq;
        ts += kFrameSamples;
        next += 20ms;
        std::this_thread::sleep_until(next);
      }
    });
  }

  // Clears what was heard so far.
  void reset() {
    std::lock_guard lock(mu_);
    frames_.clear();
    digits_.clear();
    sequences_.clear();
  }
  // The share of received audio frames whose energy is at `frequency`.
  double hears(double frequency) {
    std::lock_guard lock(mu_);
    if (frames_.empty()) return 0;
    int hits = 0;
    for (const auto& f : frames_) hits += tone_ratio(f, frequency) > 0.8 ? 1 : 0;
    return static_cast<double>(hits) / static_cast<double>(frames_.size());
  }
  std::size_t frames() {
    std::lock_guard lock(mu_);
    return frames_.size();
  }
  std::string digits() {
    std::lock_guard lock(mu_);
    return digits_;
  }
  bool gapless() {  // sequence numbers of everything received, consecutive
    std::lock_guard lock(mu_);
    for (std::size_t i = 1; i < sequences_.size(); ++i)
      if (static_cast<std::uint16_t>(sequences_[i - 1] + 1) != sequences_[i]) return false;
    return true;
  }
  // Presses a key: RFC 4733 events from this phone's port.
  void press(char key, std::uint16_t relay_port, std::uint32_t timestamp) {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(relay_port);
    DigitSender sender(*event_of_digit(key), timestamp);
    std::uint16_t seq = 40000;
    while (!sender.done()) {
      const auto p = sender.next();
      std::uint8_t packet[kRtpHeaderBytes + kTelephoneEventBytes];
      write_rtp_header(RtpHeader{p.marker, 101, seq++, p.timestamp, 0x1234}, packet);
      write_telephone_event(p.event, std::span<std::uint8_t>(packet + kRtpHeaderBytes, kTelephoneEventBytes));
      ::sendto(fd_, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
      std::this_thread::sleep_for(20ms);
    }
  }
  // Sends one datagram from another socket (not this phone's port).
  void send_foreign(std::uint16_t relay_port) {
    int other = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    to.sin_port = htons(relay_port);
    std::uint8_t packet[kRtpHeaderBytes + kFrameSamples] = {};
    write_rtp_header(RtpHeader{false, 0, 1, 0, 0x9999}, packet);
    ::sendto(other, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    ::close(other);
  }

 private:
  void read() {
    DigitReceiver digits;
    while (!stop_) {
      std::uint8_t buf[2048];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) continue;
      auto p = parse_rtp(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
      if (!p) continue;
      std::lock_guard lock(mu_);
      sequences_.push_back(p->header.sequence);
      if (p->header.payload_type == 101) {
        if (auto e = parse_telephone_event(p->payload))
          if (auto d = digits.on_packet(p->header.timestamp, *e)) digits_ += *d;
        continue;
      }
      if (p->payload.size() != kFrameSamples) continue;
      Samples frame(kFrameSamples);
      decode_frame(p->header.payload_type, std::span<const std::uint8_t, kFrameSamples>(p->payload.data(), kFrameSamples),
                   std::span<std::int16_t, kFrameSamples>(frame.data(), kFrameSamples));
      frames_.push_back(std::move(frame));
    }
  }

  double frequency_;
  int payload_type_;
  int fd_{-1};
  std::uint16_t port_{0};
  std::atomic<bool> stop_{false};
  std::thread reader_, sender_;
  std::mutex mu_;
  std::vector<Samples> frames_;
  std::vector<std::uint16_t> sequences_;
  std::string digits_;
};

std::shared_ptr<const Samples> tone_audio(double frequency) {
  auto s = std::make_shared<Samples>(8000);
  for (std::size_t i = 0; i < s->size(); ++i)
    (*s)[i] = static_cast<std::int16_t>(6000 * std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / 8000));
  return s;
}

}  // namespace

TEST_CASE("R-PH-1 R-PH-2 R-PH-3 media relay: two-way audio across codecs, music instead of the other side on hold, "
          "mute, digits both ways, foreign packets dropped") {
  RtpRelay relay({"127.0.0.1", 30000, 30999});
  std::mutex mu;
  std::string pressed;
  relay.on_digit = [&](LegId, char d) {
    std::lock_guard lock(mu);
    pressed += d;
  };
  TestPhone customer(1000, 0);  // PCMU, 1 kHz
  TestPhone agent(2000, 8);     // PCMA, 2 kHz
  auto c = relay.open_leg();
  auto a = relay.open_leg();
  REQUIRE(c.leg != 0);
  REQUIRE(a.leg != 0);
  CHECK(c.port % 2 == 0);
  relay.connect(c.leg, "127.0.0.1", customer.port(), 0, 101);
  relay.connect(a.leg, "127.0.0.1", agent.port(), 8, 101);
  relay.bridge(c.leg, a.leg);
  customer.talk_to(c.port);
  agent.talk_to(a.port);

  // Two-way audio after answer (transcoded between µ-law and A-law).
  std::this_thread::sleep_for(600ms);
  CHECK(customer.frames() > 15);
  CHECK(customer.hears(2000) > 0.9);
  CHECK(agent.hears(1000) > 0.9);

  // Hold: the customer hears the music and not the agent.
  relay.play(c.leg, tone_audio(400));
  std::this_thread::sleep_for(100ms);
  customer.reset();
  std::this_thread::sleep_for(500ms);
  CHECK(customer.hears(400) > 0.9);
  CHECK(customer.hears(2000) < 0.1);
  relay.play(c.leg, nullptr);

  // Mute: the customer no longer hears the agent; the agent still hears the customer.
  relay.mute(a.leg, true);
  std::this_thread::sleep_for(100ms);
  customer.reset();
  agent.reset();
  std::this_thread::sleep_for(400ms);
  CHECK(customer.frames() == 0);
  CHECK(agent.hears(1000) > 0.9);
  relay.mute(a.leg, false);

  // Keypad digits from the agent's API to the customer, as RFC 4733 events.
  customer.reset();
  relay.send_digits(c.leg, "5#");
  std::this_thread::sleep_for(800ms);
  CHECK(customer.digits() == "5#");
  CHECK(customer.gapless());  // music, relay and digits in one stream

  // The customer's keys reach contactd once each, however many packets carry them.
  customer.press('7', c.port, 900000);
  customer.press('7', c.port, 902000);
  {
    std::lock_guard lock(mu);
    CHECK(pressed == "77");
  }

  // Packets from anywhere but the customer's own port are dropped.
  const auto before = relay.stats(c.leg);
  customer.send_foreign(c.port);
  std::this_thread::sleep_for(100ms);
  const auto after = relay.stats(c.leg);
  CHECK(after.dropped_foreign == before.dropped_foreign + 1);
  CHECK(after.received > before.received);  // the real phone keeps being heard

  relay.close(c.leg);
  relay.close(a.leg);
}
