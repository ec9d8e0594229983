#pragma once
// contactd's media path (issue 5): every call leg gets a UDP port of
// contactd's, so both legs' RTP passes through here (anchored media). A leg
// relays to the leg it is bridged with (transcoding PCMU <-> PCMA when they
// differ), or hears music, or nothing (muted source); digits go out as RFC
// 4733 events and come in as callbacks. Symmetric RTP: a leg sends to where
// its peer's packets come from, latching onto the first packet from the
// address the peer's SDP gave; packets from anywhere else are dropped.
//
// One thread of its own; every public call is thread-safe. open_leg() and
// stats() wait for that thread, so they must not be called from on_digit.
// The interface is the seam where a dedicated media server could take over
// later.
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
};

struct LegStats {
  std::uint64_t received{0};         // packets accepted from the peer
  std::uint64_t sent{0};             // packets sent to the peer (relayed, music, digits)
  std::uint64_t dropped_foreign{0};  // from an address other than the latched one
  std::uint64_t dropped_malformed{0};
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
  // types. Latching may move the port (NAT), never the address.
  void connect(LegId leg, std::string remote_address, std::uint16_t remote_port, int payload_type, int telephone_event);
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

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace contactd::media
