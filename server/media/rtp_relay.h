#pragma once
// contactd's media path (issue 5): every call leg gets a UDP port of
// contactd's, so both legs' RTP passes through here (anchored media). A leg
// relays to the leg it is bridged with (transcoding PCMU <-> PCMA when they
// differ), or hears music, or nothing (muted source); digits go out as RFC
// 4733 events and come in as callbacks.
//
// Where a leg sends (issue 11: contactd must not be a reflector). The peer's
// SDP names an address and port; that is a claim, not a proof:
//   - An untrusted leg sends nothing until RTP has come from the SDP's
//     address. A trusted leg (the SDP address is a configured trunk) sends to
//     the SDP's address and port at once.
//   - Latching (symmetric RTP), the rule: packets from any host other than
//     the SDP's address are dropped. A packet from the SDP's exact address and
//     port latches the leg there for good: that endpoint has proven it is
//     reachable and its own, and nothing moves the leg away from it again. A
//     packet from the SDP's address on another port (a NAT that rewrote the
//     port) latches the leg only if nothing ever came from the exact port,
//     `nat_port_grace` has passed since connect(), and the port currently
//     latched (if any) has been silent for `nat_port_grace`; otherwise it is
//     dropped. So a packet racing the caller from a co-located port never
//     takes the media from a caller who sends from the port it announced.
//   - A leg from which no RTP has been accepted for `inactivity_timeout`
//     (since connect() or its last packet) is reported once to on_inactive.
////
// One thread of its own; every public call is thread-safe. open_leg() and
// stats() wait for that thread, so they must not be called from on_digit.
// The interface is the seam where a dedicated media server could take over
// later.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "media/wav.h"

namespace contactd::media {

using LegId = std::uint64_t;

struct RelayOptions {
  std::string address{"127.0.0.1"};  // where legs bind (and what SDP advertises)
  std::uint16_t port_min{20000};     // even ports from this range (RTCP would take the odd ones)
  std::uint16_t port_max{29999};
  std::chrono::milliseconds inactivity_timeout{std::chrono::seconds(60)};  // 0: never reported
  std::chrono::milliseconds nat_port_grace{std::chrono::seconds(2)};      // see the latching rule above
};

// Whether a leg may send to its SDP's address before RTP came from there.
enum class RemoteTrust : std::uint8_t { after_rtp, trusted };

struct LegStats {
  std::uint64_t received{0};         // packets accepted from the peer
  std::uint64_t sent{0};             // packets sent to the peer (relayed, music, digits)
  std::uint64_t dropped_foreign{0};  // from elsewhere than the latching rule allows
  std::uint64_t dropped_malformed{0};
  std::uint64_t withheld{0};         // packets not sent: no RTP has come from the peer yet (untrusted)
  std::uint16_t latched_port{0};     // the peer port the leg sends to once latched; 0: not latched
};

class RtpRelay {
 public:
  explicit RtpRelay(RelayOptions options);
  ~RtpRelay();
  RtpRelay(const RtpRelay&) = delete;
  RtpRelay& operator=(const RtpRelay&) = delete;

  struct Opened {
    LegId leg{0};  // 0: no free port in the range
    std::string address;
    std::uint16_t port{0};
  };
  Opened open_leg();
  // Where the peer said it receives (its SDP) and the negotiated payload
  // types. Latching may move the port (NAT, by the rule above), never the
  // address. Called again with another address or port (a re-INVITE), the
  // leg starts over: unlatched, its grace and inactivity counted anew.
  // REQUIRES: remote_address is an IP literal the caller checked (a unicast
  // address; see refuse_media_target).
  void connect(LegId leg, std::string remote_address, std::uint16_t remote_port, int payload_type, int telephone_event,
               RemoteTrust trust = RemoteTrust::after_rtp);
  // Audio from each flows to the other (replacing earlier bridges of either).
  void bridge(LegId a, LegId b);
  void unbridge(LegId leg);
  // `leg` hears `audio` in a loop instead of its bridge; nullptr: back to the bridge.
  void play(LegId leg, std::shared_ptr<const Samples> audio);
  // Audio arriving from `leg` is (not) passed on.
  void mute(LegId leg, bool muted);
  // Sends digits (0-9 * # A-D) to `leg` as RFC 4733 events, one after another.
  void send_digits(LegId leg, std::string digits);
  void close(LegId leg);
  LegStats stats(LegId leg);  // blocking; for tests and diagnostics

  // A digit received from a leg (RFC 4733), once per key press. Called on
  // the relay's thread.
  std::function<void(LegId, char)> on_digit;
  // No RTP accepted from a leg for inactivity_timeout; once per leg (again
  // only after a new connect()). Called on the relay's thread.
  std::function<void(LegId)> on_inactive;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace contactd::media
