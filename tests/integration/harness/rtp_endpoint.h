#pragma once
// A test phone's media (issue 5): one UDP socket on 127.0.0.1 (any free
// port) that sends a tone (or any audio) as 20 ms G.711 frames and analyses
// what it receives with Goertzel: which tone it hears, silence, RFC 4733
// digits. Thread-safe: a sender thread, a reader thread, and any number of
// test threads asking questions.
//
// What "hears" means: over a window of wall time (1 s unless told), the share
// of the 20 ms frames the window holds (50 per second) that arrived and carry
// the tone (Goertzel ratio > 0.5 on the 50 Hz bin, RMS > 200). Frames that
// never arrived count as not hearing it, so a stream that stops fades out of
// every measure within one window. Use tones on multiples of 50 Hz.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <netinet/in.h>
#include <optional>
#include <string>
#include <thread>

#include "media/telephone_event.h"
#include "media/wav.h"

namespace contactd::test {

class RtpEndpoint {
 public:
  using Clock = std::chrono::steady_clock;

  // The shipped hold music (assets/hold-music.wav) has no steady tone: it is
  // an arpeggio of sine notes between F3 (175 Hz) and C5 (523 Hz), a new
  // note every 0.5 s. It is recognised by where its energy lies: see
  // hears_music().
  static constexpr double kMusicLowHz = 100;
  static constexpr double kMusicHighHz = 550;

  explicit RtpEndpoint(double tone_hz = 600);
  ~RtpEndpoint();
  RtpEndpoint(const RtpEndpoint&) = delete;
  RtpEndpoint& operator=(const RtpEndpoint&) = delete;

  std::uint16_t port() const { return port_; }

  // --- Sending ---
  // Sends a frame every 20 ms to remote:port with `payload_type` (0 PCMU,
  // 8 PCMA); `telephone_event` is the payload type for RFC 4733 digits (-1:
  // none). Called again, it changes destination/codec without a break
  // (same SSRC, sequence and timestamps go on). Returns false if the address
  // is not an IPv4 address.
  bool start(const std::string& remote_address, std::uint16_t remote_port, int payload_type = 0,
             int telephone_event = 101);
  void stop();  // stops sending (and drops digits not sent yet); receiving goes on
  bool sending() const;
  void set_tone(double hz);  // 0: silence frames (packets keep flowing)
  // Sends `audio` (8 kHz samples, looping) instead of a tone; nullptr: back to the tone.
  void play(std::shared_ptr<const media::Samples> audio);
  int payload_type() const;    // what it sends
  int telephone_event() const;  // -1: none
  // Presses keys as RFC 4733 events (160 ms each, 60 ms of audio between
  // two), audio suppressed meanwhile. Blocks until all were sent; false if
  // no telephone-event was negotiated or sending stopped before the end.
  bool send_digits(const std::string& digits);

  // --- Receiving ---
  // Forgets what was heard (frames, digits); silence is then judged only on
  // wall time observed after the clear.
  void clear();
  double hears(double hz, std::chrono::milliseconds window = std::chrono::seconds(1)) const;
  bool wait_hears(double hz, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;  // hears >= 0.8
  bool heard_anything_of(double hz, std::chrono::milliseconds window = std::chrono::seconds(1)) const;  // >= 1 frame
  // Like hears(), for frames with >= 60 % of their energy in the 50 Hz bins
  // from low_hz to high_hz (a tone-independent way to recognise music).
  double hears_band(double low_hz, double high_hz, std::chrono::milliseconds window = std::chrono::seconds(1)) const;
  // The shipped hold music: hears_band(kMusicLowHz, kMusicHighHz). >= 0.8
  // for the WAV through PCMU and PCMA (every 20 ms frame of it has >= 72 % of
  // its energy in that band), 0 for test tones >= 600 Hz. A test tone inside
  // 100-550 Hz would pass too: keep phone tones >= 600 Hz.
  double hears_music(std::chrono::milliseconds window = std::chrono::seconds(1)) const;
  bool wait_hears_music(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;  // >= 0.8
  // Silence: at most 20 % of the window's frames arrived with RMS >= 100 —
  // so silence frames AND no packets at all both count as silence (use
  // frames_received() to tell them apart). False until a whole window has
  // passed since construction or clear().
  bool silent(std::chrono::milliseconds window = std::chrono::seconds(1)) const;
  bool wait_silence(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  // Audio frames (PCMU/PCMA) received within the window.
  std::size_t frames_received(std::chrono::milliseconds window = std::chrono::seconds(1)) const;
  // Digits received as RFC 4733 events, once per key press, since clear().
  std::string digits() const;
  bool wait_digits(const std::string& expected, std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;
  std::uint64_t packets_received() const;  // every RTP packet since construction
  std::uint64_t packets_sent() const;
  int last_payload_type() const;  // of the last audio packet received; -1: none yet

 private:
  struct Frame {
    Clock::time_point at;
    double rms;
    std::int16_t samples[160];
  };
  template <class Pred>
  std::size_t count(std::chrono::milliseconds window, Pred pred) const;  // REQUIRES: mu_ held
  static double share(std::size_t hits, std::chrono::milliseconds window);
  void send_loop();
  void read_loop();
  // REQUIRES: mu_ held. Fills `packet`; returns its size, 0 for nothing to send.
  std::size_t next_packet(std::uint8_t* packet);

  int fd_{-1};
  std::uint16_t port_{0};
  std::atomic<bool> stopping_{false};
  mutable std::mutex mu_;
  std::condition_variable digits_cv_;
  // Sending (guarded by mu_).
  bool sending_{false};
  sockaddr_in to_{};
  int payload_type_{0};
  int telephone_event_{-1};
  double tone_hz_;
  double phase_{0};
  std::shared_ptr<const media::Samples> audio_;
  std::size_t audio_position_{0};
  std::uint32_t ssrc_;
  std::uint16_t sequence_;
  std::uint32_t timestamp_;
  bool marker_{true};
  std::string digit_queue_;
  std::optional<media::DigitSender> digit_;
  std::uint32_t digit_start_{0};
  int digit_packets_{0};
  int gap_frames_{0};  // audio frames still due between two digits
  std::uint64_t sent_{0};
  // Receiving (guarded by mu_).
  std::deque<Frame> frames_;
  Clock::time_point observed_since_;
  media::DigitReceiver digit_receiver_;
  std::string digits_;
  std::uint64_t received_{0};
  int last_payload_type_{-1};

  std::thread sender_, reader_;
};

}  // namespace contactd::test
