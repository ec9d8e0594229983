#pragma once
// Calls on the SIP thread (issue 5): contactd as a back-to-back user agent
// that anchors the media. A caller's INVITE to a campaign's number becomes a
// phone interaction (answered at once, the caller hears the campaign's music
// while queued); the engine's RingPhones rings agents' registered phones with
// INVITEs of contactd's own; the first to answer is bridged to the caller.
//   no campaign with that number         -> 404
//   no SDP offer, no G.711 in it          -> 488 (with a Warning saying why)
//   media at a non-unicast address/port   -> 488 (Warning 301 or 330)
//   malformed SDP                         -> 400 (with a Warning saying why)
//   too many calls, no RTP port, DB down  -> 503 with Retry-After
//   too many INVITEs from one source that is not a trunk -> 503 with
//     Retry-After and a Warning (a rate limit: the caller may come back)
// Media of a leg goes to its peer only once RTP came from the peer's SDP
// address, unless that address is a trunk's (RtpRelay's latching rule). A
// leg that sends no RTP for the inactivity timeout is hung up (BYE with a
// Reason header) and the call ends as if that side had hung up.
// The engine decides; this class reports what phones did (CallAnswered,
// CallNotAnswered, CallEnded) and carries out the engine's effects.
//
// Everything here runs on the stack's thread except apply(), which posts.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/commands.h"
#include "core/effects.h"
#include "core/error.h"
#include "media/media_address.h"
#include "media/music_library.h"
#include "media/rtp_relay.h"
#include "sip/calls_source_limit.h"
#include "sip/sip_stack.h"

namespace contactd::host {
class EngineHost;
}

namespace contactd::sip {

struct CallOptions {
  std::string media_address{"127.0.0.1"};  // advertised in SDP (the relay's address)
  std::size_t max_calls{1000};             // customer calls at once; more get 503
  std::string trunk;                       // host[:port] outbound calls go to; empty: none
  std::chrono::milliseconds outbound_answer_timeout{std::chrono::seconds(45)};  // then "no answer"
  // Trunks (signalling sources and media addresses): media to them may flow
  // before their RTP arrives, and their INVITEs are not rate limited.
  media::AddressList trunk_addresses;
  std::size_t unknown_source_invites_per_minute{30};  // per source address; 0: no limit
  std::chrono::seconds rtp_inactivity_timeout{60};   // for the log line; the relay enforces it
};

class Calls {
 public:
  Calls(host::EngineHost& host, SipStack& stack, media::RtpRelay& relay, media::MusicLibrary& music, CallOptions options);
  ~Calls();
  Calls(const Calls&) = delete;
  Calls& operator=(const Calls&) = delete;

  // SIP thread: every INVITE-related event (nua_i_invite, nua_r_invite,
  // nua_i_cancel, nua_i_bye, nua_i_info, nua_i_terminated...).
  void on_event(nua_event_t event, int status, nua_handle_t* handle, nua_hmagic_t* magic, const sip_t* sip);
  // Engine strand: RingPhones, StopRinging and ControlCall (others ignored).
  void apply(const core::Effect& effect);
  // A digit from a leg's RTP (relay thread).
  void on_digit(media::LegId leg, char digit);
  // A leg that sent no RTP for the inactivity timeout (relay thread).
  void on_inactive(media::LegId leg);
  // SIP thread, before the stack shuts down: hangs up and frees every call.
  // The engine is not told (ResetCalls at the next start).
  void shut_down();

  std::size_t live_calls() const { return live_.load(); }

  struct Call;
  struct Leg;

 private:
  void on_invite(nua_handle_t* handle, const sip_t* sip);
  void on_reinvite(Leg& leg, const sip_t* sip);
  void on_agent_response(Leg& leg, int status, const sip_t* sip);
  void on_opened(const std::shared_ptr<Call>& call, std::optional<core::Error> error);
  void ring(const core::RingPhones& ring);
  void place(const core::PlaceCall& place);
  void transfer(const core::TransferCall& transfer);
  void on_external_response(Leg& leg, int status, const sip_t* sip);
  Leg* agent_leg(Call& call, core::UserId agent);  // answered and still up
  // RFC 4733 when that side offered it, else SIP INFO (application/dtmf-relay).
  void send_digits(Leg& to, const std::string& digits);
  // `leg` hears the named music (the default, with a warning, if it cannot be had).
  void play_music(Leg& leg, const std::string& name);
  void dial_customer(Call& call);  // outbound: the agent answered, now the customer
  void on_customer_response(Leg& leg, int status, const sip_t* sip);
  // A leg of ours that rings too long is cancelled; `on_timeout` runs then.
  void arm_timer(Leg& leg, std::chrono::milliseconds after);
  void on_timer(Leg& leg);
  // INVITEs `uri` with our offer on a new relay leg; null if it cannot.
  std::unique_ptr<Leg> invite(Call& call, core::UserId agent, const std::string& uri, const std::string& from);
  void stop_ringing(const core::StopRinging& stop);
  void control(const core::ControlCall& control);
  void customer_gone(Call& call);
  void agent_gone(Leg& leg);
  void hang_up(Leg& leg, const char* reason = nullptr);  // BYE (with `reason` as Reason:) or CANCEL, once; no report
  // Tells the relay where `leg`'s peer receives (leg.plan), trusted if a trunk's.
  void connect_media(Leg& leg);
  void terminated(Leg& leg);
  void maybe_erase(Call& call);  // once nothing refers to it any more
  void report_ended(Call& call, core::UserId by, core::CallEndReason reason = core::CallEndReason::completed);
  void report(core::CommandBody body);
  std::shared_ptr<Call> find(core::InteractionId interaction);

  host::EngineHost& host_;
  SipStack& stack_;
  media::RtpRelay& relay_;
  media::MusicLibrary& music_;
  CallOptions options_;
  std::unordered_map<Call*, std::shared_ptr<Call>> calls_;  // SIP thread
  std::unordered_map<core::InteractionId, std::weak_ptr<Call>> by_interaction_;
  std::unordered_map<media::LegId, Leg*> by_media_;
  std::atomic<std::size_t> live_{0};
  SourceLimit invites_by_source_;  // initial INVITEs from sources that are not trunks
  std::uint64_t next_session_{1};
  bool shutting_down_{false};
};

}  // namespace contactd::sip
