#pragma once
// The phone module (issue 5) as the daemon sees it: the SIP stack, the RTP
// relay and hold music, and what answers on them. Agents' phones register
// here (digest authentication against each user's SIP secret); callers'
// INVITEs become phone interactions, and the engine's RingPhones, StopRinging
// and ControlCall effects are carried out on the calls. No sofia types here.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "host/event_sink.h"
#include "sip/sip_limits.h"

namespace contactd::host {
class EngineHost;
}

namespace contactd::sip {

struct SipOptions {
  bool enabled{true};
  std::string address{"127.0.0.1"};
  std::uint16_t port{5060};            // UDP and TCP; 0: any free port
  std::string transports{"udp,tcp"};
  std::string realm{"contactd"};       // digest realm; user secrets are bound to it
  std::chrono::seconds min_expires{60};    // shorter registrations: 423 Interval Too Brief
  std::chrono::seconds max_expires{3600};  // longer ones are cut to this
  int auth_failures_per_minute{5};         // wrong digests per source address; then 403 until the minute passes
  AuthLimits auth;                         // wrong digests per SIP user name, from all sources
  TcpLimits tcp;                           // what SIP TCP connections may take
  // Media: RTP legs bind to media_address (empty: `address`) on even ports
  // of the range; hold music comes from music_dir.
  std::string media_address;
  std::uint16_t rtp_port_min{20000};
  std::uint16_t rtp_port_max{29999};
  std::string music_dir{"/usr/share/contactd/music"};
  std::string hold_music{"hold-music.wav"};  // the default, for campaigns without their own
  std::size_t max_calls{1000};               // callers at once; more get 503
  // Issue 11. Trunks: comma-separated IP addresses and prefixes of SIP trunks
  // and their media servers (the outbound trunk's host is added if it is an
  // IP address). Media to them flows before their RTP arrives; their INVITEs
  // are not rate limited. Every other source gets this many INVITEs a minute
  // (0: no limit), then 503 with Retry-After.
  std::string trunk_addresses;
  std::size_t unknown_source_invites_per_minute{30};
  // A call leg whose phone or trunk sends no RTP this long is hung up (0: never).
  std::chrono::seconds rtp_inactivity_timeout{60};
  // The NAT rule of symmetric RTP (media/rtp_relay.h): a port other than the
  // SDP's may take a leg's media only after this long without RTP from the
  // SDP's own port.
  std::chrono::milliseconds rtp_nat_port_grace{2000};
  // R-OUT-2: outbound calls go to sip:<number>@<trunk> (host[:port]); empty:
  // no outbound calls (they fail as rejected). Unanswered after the timeout:
  // "no answer".
  std::string trunk;
  std::chrono::seconds outbound_answer_timeout{45};
};

class PhoneModule final : public host::EventSink {
 public:
  // Loads the default music and starts the relay and the SIP stack. Throws
  // std::runtime_error (with the reason) if it cannot.
  PhoneModule(host::EngineHost& host, SipOptions options);
  ~PhoneModule() override;
  std::uint16_t port() const;
  // Hangs up every call, stops answering and joins the SIP thread. Idempotent.
  void stop();

  // Engine strand: the call effects.
  void publish(const std::vector<core::Event>&) override {}
  void apply(const core::Effect& effect) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace contactd::sip
