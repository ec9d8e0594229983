#include "harness/rtp_endpoint.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <numbers>
#include <random>
#include <span>
#include <stdexcept>

#include "media/player.h"
#include "media/rtp_packet.h"
#include "media/tone.h"

namespace contactd::test {
namespace {

using namespace std::chrono_literals;
using media::kFrameSamples;

constexpr auto kFrame = 20ms;
constexpr auto kKeep = 30s;             // frames older than this are forgotten
constexpr double kToneAmplitude = 8000;  // of 32767
constexpr double kHeardRms = 200;        // a frame below this carries no tone
constexpr double kSilentRms = 100;       // a frame below this is silence
constexpr int kGapFrames = 3;            // audio between two digits

// Sleeps in small steps until `done` or the timeout.
template <class Done>
bool poll_until(std::chrono::milliseconds timeout, Done done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
}

}  // namespace

RtpEndpoint::RtpEndpoint(double tone_hz) : tone_hz_(tone_hz) {
  fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("RtpEndpoint: socket() failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(fd_);
    throw std::runtime_error("RtpEndpoint: cannot bind a UDP port on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  timeval tv{0, 20000};  // the reader checks for stop() this often
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::random_device rd;
  ssrc_ = rd();
  sequence_ = static_cast<std::uint16_t>(rd());
  timestamp_ = rd();
  observed_since_ = Clock::now();
  sender_ = std::thread([this] { send_loop(); });
  reader_ = std::thread([this] { read_loop(); });
}

RtpEndpoint::~RtpEndpoint() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    sending_ = false;
    digit_queue_.clear();
    digit_.reset();
  }
  digits_cv_.notify_all();
  sender_.join();
  reader_.join();
  ::close(fd_);
}

bool RtpEndpoint::start(const std::string& remote_address, std::uint16_t remote_port, int payload_type,
                        int telephone_event) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(remote_port);
  if (::inet_pton(AF_INET, remote_address.c_str(), &to.sin_addr) != 1) return false;
  std::lock_guard lock(mu_);
  if (!sending_) marker_ = true;
  to_ = to;
  payload_type_ = payload_type;
  telephone_event_ = telephone_event;
  sending_ = true;
  return true;
}

void RtpEndpoint::stop() {
  {
    std::lock_guard lock(mu_);
    sending_ = false;
    digit_queue_.clear();
    digit_.reset();
  }
  digits_cv_.notify_all();
}

bool RtpEndpoint::sending() const {
  std::lock_guard lock(mu_);
  return sending_;
}

void RtpEndpoint::set_tone(double hz) {
  std::lock_guard lock(mu_);
  tone_hz_ = hz;
  audio_.reset();
}

void RtpEndpoint::play(std::shared_ptr<const media::Samples> audio) {
  std::lock_guard lock(mu_);
  if (audio && audio->empty()) audio = nullptr;
  audio_ = std::move(audio);
  audio_position_ = 0;
}

int RtpEndpoint::payload_type() const {
  std::lock_guard lock(mu_);
  return payload_type_;
}

int RtpEndpoint::telephone_event() const {
  std::lock_guard lock(mu_);
  return telephone_event_;
}

bool RtpEndpoint::send_digits(const std::string& digits) {
  for (char d : digits)
    if (!media::event_of_digit(d)) return false;
  std::unique_lock lock(mu_);
  if (!sending_ || telephone_event_ < 0) return false;
  digit_queue_ += digits;
  // 200 ms per digit (10 packets) plus the gaps, with room to spare.
  const auto timeout = std::chrono::milliseconds(400 * digit_queue_.size() + 1000);
  digits_cv_.wait_for(lock, timeout, [&] { return digit_queue_.empty() && !digit_ && gap_frames_ == 0; });
  return sending_ && digit_queue_.empty() && !digit_;
}

std::size_t RtpEndpoint::next_packet(std::uint8_t* packet) {
  using media::kRtpHeaderBytes;
  if (!sending_) return 0;
  auto header = [&](bool marker, int pt, std::uint32_t ts) {
    media::write_rtp_header(media::RtpHeader{marker, static_cast<std::uint8_t>(pt), sequence_++, ts, ssrc_},
                            std::span<std::uint8_t>(packet, kRtpHeaderBytes));
  };
  if (!digit_ && !digit_queue_.empty() && gap_frames_ == 0 && telephone_event_ >= 0) {
    digit_.emplace(*media::event_of_digit(digit_queue_.front()), timestamp_);
    digit_queue_.erase(0, 1);
    digit_start_ = timestamp_;
    digit_packets_ = 0;
  }
  if (digit_) {
    const auto p = digit_->next();
    header(p.marker, telephone_event_, p.timestamp);
    media::write_telephone_event(p.event, std::span<std::uint8_t>(packet + kRtpHeaderBytes, media::kTelephoneEventBytes));
    ++digit_packets_;
    if (digit_->done()) {
      // Audio resumes after the event, on the timeline the packets took.
      const std::uint32_t elapsed = digit_start_ + static_cast<std::uint32_t>(digit_packets_ * kFrameSamples);
      timestamp_ = static_cast<std::int32_t>(elapsed - digit_->resume_timestamp()) > 0 ? elapsed
                                                                                       : digit_->resume_timestamp();
      digit_.reset();
      marker_ = true;
      gap_frames_ = digit_queue_.empty() ? 0 : kGapFrames;
    }
    return kRtpHeaderBytes + media::kTelephoneEventBytes;
  }
  std::int16_t frame[kFrameSamples];
  if (audio_) {
    const auto& audio = *audio_;
    for (auto& s : frame) {
      if (audio_position_ >= audio.size()) audio_position_ = 0;
      s = audio[audio_position_++];
    }
  } else {
    for (auto& s : frame) {
      s = static_cast<std::int16_t>(tone_hz_ > 0 ? kToneAmplitude * std::sin(phase_) : 0);
      phase_ += 2 * std::numbers::pi * tone_hz_ / 8000;
      if (phase_ > 2 * std::numbers::pi) phase_ -= 2 * std::numbers::pi;
    }
  }
  header(marker_, payload_type_, timestamp_);
  marker_ = false;
  timestamp_ += kFrameSamples;
  media::encode_frame(payload_type_, frame, std::span<std::uint8_t, kFrameSamples>(packet + kRtpHeaderBytes, kFrameSamples));
  if (gap_frames_ > 0) --gap_frames_;
  return kRtpHeaderBytes + kFrameSamples;
}

void RtpEndpoint::send_loop() {
  auto next = Clock::now();
  while (!stopping_) {
    std::uint8_t packet[media::kRtpHeaderBytes + kFrameSamples];
    std::size_t size = 0;
    sockaddr_in to{};
    bool digits_done = false;
    {
      std::lock_guard lock(mu_);
      size = next_packet(packet);
      to = to_;
      if (size) ++sent_;
      digits_done = digit_queue_.empty() && !digit_ && gap_frames_ == 0;
    }
    if (digits_done) digits_cv_.notify_all();
    if (size) ::sendto(fd_, packet, size, MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    next += kFrame;
    const auto now = Clock::now();
    if (now - next > 100ms) next = now;  // fell behind (a loaded machine): no burst to catch up
    std::this_thread::sleep_until(next);
  }
}

void RtpEndpoint::read_loop() {
  while (!stopping_) {
    std::uint8_t buf[2048];
    const auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) continue;
    const auto p = media::parse_rtp(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(n)));
    if (!p) continue;
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    ++received_;
    const int pt = p->header.payload_type;
    if (pt == 0 || pt == 8) {
      last_payload_type_ = pt;
      for (std::size_t off = 0; off + kFrameSamples <= p->payload.size(); off += kFrameSamples) {
        Frame f{now, 0, {}};
        media::decode_frame(pt, std::span<const std::uint8_t, kFrameSamples>(p->payload.data() + off, kFrameSamples),
                            std::span<std::int16_t, kFrameSamples>(f.samples, kFrameSamples));
        double energy = 0;
        for (std::int16_t s : f.samples) energy += static_cast<double>(s) * s;
        f.rms = std::sqrt(energy / kFrameSamples);
        frames_.push_back(f);
      }
      while (!frames_.empty() && now - frames_.front().at > kKeep) frames_.pop_front();
    } else if (pt == telephone_event_ || (telephone_event_ < 0 && pt >= 96)) {
      if (auto e = media::parse_telephone_event(p->payload))
        if (auto d = digit_receiver_.on_packet(p->header.timestamp, *e)) digits_ += *d;
    }
  }
}

template <class Pred>
std::size_t RtpEndpoint::count(std::chrono::milliseconds window, Pred pred) const {
  const auto since = Clock::now() - window;
  std::size_t n = 0;
  for (auto it = frames_.rbegin(); it != frames_.rend() && it->at >= since; ++it)
    if (pred(*it)) ++n;
  return n;
}

double RtpEndpoint::share(std::size_t hits, std::chrono::milliseconds window) {
  const double expected = std::max<double>(1, static_cast<double>(window / kFrame));
  return std::min(1.0, static_cast<double>(hits) / expected);
}

void RtpEndpoint::clear() {
  std::lock_guard lock(mu_);
  frames_.clear();
  digits_.clear();
  digit_receiver_ = media::DigitReceiver();
  observed_since_ = Clock::now();
}

double RtpEndpoint::hears(double hz, std::chrono::milliseconds window) const {
  std::lock_guard lock(mu_);
  return share(count(window,
                     [&](const Frame& f) {
                       return f.rms > kHeardRms && media::tone_ratio(std::span<const std::int16_t>(f.samples), hz) > 0.5;
                     }),
               window);
}

bool RtpEndpoint::wait_hears(double hz, std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] { return hears(hz) >= 0.8; });
}

bool RtpEndpoint::heard_anything_of(double hz, std::chrono::milliseconds window) const {
  return hears(hz, window) > 0;
}

double RtpEndpoint::hears_band(double low_hz, double high_hz, std::chrono::milliseconds window) const {
  std::lock_guard lock(mu_);
  return share(count(window,
                     [&](const Frame& f) {
                       if (f.rms <= kHeardRms) return false;
                       double in_band = 0;  // the ratios of all bins add up to ~1
                       for (double hz = std::ceil(low_hz / 50) * 50; hz <= high_hz; hz += 50)
                         in_band += media::tone_ratio(std::span<const std::int16_t>(f.samples), hz);
                       return in_band >= 0.6;
                     }),
               window);
}

double RtpEndpoint::hears_music(std::chrono::milliseconds window) const {
  return hears_band(kMusicLowHz, kMusicHighHz, window);
}

bool RtpEndpoint::wait_hears_music(std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] { return hears_music() >= 0.8; });
}

bool RtpEndpoint::silent(std::chrono::milliseconds window) const {
  std::lock_guard lock(mu_);
  if (Clock::now() - observed_since_ < window) return false;
  return share(count(window, [](const Frame& f) { return f.rms >= kSilentRms; }), window) <= 0.2;
}

bool RtpEndpoint::wait_silence(std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] { return silent(); });
}

std::size_t RtpEndpoint::frames_received(std::chrono::milliseconds window) const {
  std::lock_guard lock(mu_);
  return count(window, [](const Frame&) { return true; });
}

std::string RtpEndpoint::digits() const {
  std::lock_guard lock(mu_);
  return digits_;
}

bool RtpEndpoint::wait_digits(const std::string& expected, std::chrono::milliseconds timeout) const {
  return poll_until(timeout, [&] { return digits() == expected; });
}

std::uint64_t RtpEndpoint::packets_received() const {
  std::lock_guard lock(mu_);
  return received_;
}

std::uint64_t RtpEndpoint::packets_sent() const {
  std::lock_guard lock(mu_);
  return sent_;
}

int RtpEndpoint::last_payload_type() const {
  std::lock_guard lock(mu_);
  return last_payload_type_;
}

}  // namespace contactd::test
