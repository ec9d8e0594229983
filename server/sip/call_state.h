#pragma once
// What Calls keeps per call and per leg, and helpers its files share. SIP
// thread only. Private to server/sip/calls*.cpp.
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su_wait.h>

#include <string>
#include <variant>

#include "media/sdp.h"
#include "sip/calls.h"

namespace contactd::sip {

// One SIP dialog of a call and its RTP leg. The customer's leg is ours as
// UAS (inbound) or UAC (outbound); each agent's phone is rung by a leg of
// ours as UAC.
struct Calls::Leg {
  Call* call{nullptr};
  core::UserId agent{core::kNoUser};  // kNoUser: the customer's leg
  nua_handle_t* handle{nullptr};
  media::LegId media{0};
  std::uint16_t port{0};
  std::uint64_t session{0};
  std::uint64_t version{1};
  media::AudioPlan plan;
  media::SessionDescription offer;  // the customer's, for the m= lines of our answer
  bool answered{false};  // the dialog was established (200 sent or received)
  bool hung_up{false};   // we sent BYE, CANCEL or a final refusal: no reports from it
  bool gone{false};      // the other side hung up
  bool reported{false};  // its miss was reported
  bool outgoing{false};  // we sent the INVITE (UAC): hung up unanswered with CANCEL
  su_timer_t* timer{nullptr};  // rings no longer than this
  Calls* owner{nullptr};       // for the timer's callback
};

struct Calls::Call {
  core::InteractionId interaction{0};  // 0 until the engine opened it
  std::string caller;                  // the customer's number (From user part)
  std::string music;                   // the campaign's hold music
  std::unique_ptr<Leg> customer;
  std::vector<std::unique_ptr<Leg>> agents;  // ringing or connected
  core::UserId connected{core::kNoUser};
  bool outbound{false};  // R-OUT-2: placed by the agent; the customer is called through the trunk
  core::UserId transfer_target{core::kNoUser};  // R-TR-2: whose phone a transfer rings or consults
  bool attended{false};
  std::chrono::milliseconds agent_ring{0};  // outbound: how long the agent's phone rings
  bool opening{true};  // the engine has not answered OpenInteraction yet
  bool ended{false};   // the engine was told the call ended (or never had it)
};

// The far end of a transfer to an external number stands where an agent's leg would.
inline constexpr core::UserId kExternal = ~core::UserId{0};

// The audio plan in a peer's SDP answer (2xx), or why there is none.
std::variant<media::AudioPlan, std::string> answer_plan(const sip_t* sip);
// What may stand in a URI's user part and a quoted display name.
std::string safe_user(const std::string& s);

}  // namespace contactd::sip
