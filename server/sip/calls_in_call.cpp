// In-call work on the SIP side: the agent's actions on a connected call
// (R-PH-1/2/3/6) and what the relay reports about a call's media (keys
// pressed, legs gone silent).
#include <spdlog/spdlog.h>

#include "core/engine.h"
#include "sip/call_state.h"

namespace contactd::sip {

void Calls::send_digits(Leg& to, const std::string& digits) {
  if (to.plan.telephone_event >= 0) {
    relay_.send_digits(to.media, digits);
    return;
  }
  for (char d : digits) {  // that side did not offer RFC 4733: SIP INFO
    const std::string body = std::string("Signal=") + d + "\r\nDuration=160\r\n";
    nua_info(to.handle, SIPTAG_CONTENT_TYPE_STR("application/dtmf-relay"), SIPTAG_PAYLOAD_STR(body.c_str()),
             TAG_END());
  }
}

void Calls::control(const core::ControlCall& c) {
  auto call = find(c.interaction);
  if (!call || call->ended) return;
  Leg* customer = call->customer.get();
  Leg* agent = agent_leg(*call, call->connected);
  switch (c.action) {
    case core::CallAction::hold:  // R-PH-2: the customer hears music; the agent hears nothing of them
      if (customer) {
        play_music(*customer, c.hold_music);
        relay_.mute(customer->media, true);
      }
      break;
    case core::CallAction::resume:
      if (customer) {
        relay_.play(customer->media, nullptr);
        relay_.mute(customer->media, false);
      }
      break;
    case core::CallAction::mute:  // R-PH-1
    case core::CallAction::unmute:
      if (agent) relay_.mute(agent->media, c.action == core::CallAction::mute);
      break;
    case core::CallAction::digits:  // R-PH-3
      if (customer) send_digits(*customer, c.digits);
      break;
    case core::CallAction::hang_up:  // R-PH-6
      report_ended(*call, c.by);
      if (customer) hang_up(*customer);
      for (auto& l : call->agents) hang_up(*l);
      break;
  }
}

void Calls::on_digit(media::LegId from, char digit) {
  // A key pressed on one side reaches the other (the relay does not pass events on).
  stack_.post([this, from, digit] {
    auto it = by_media_.find(from);
    if (it == by_media_.end()) return;
    Call& call = *it->second->call;
    if (call.connected == core::kNoUser || call.ended) return;
    Leg* to = nullptr;
    if (it->second->agent == core::kNoUser) {
      to = agent_leg(call, call.connected);
    } else {
      to = call.customer.get();
    }
    if (!to || to->hung_up || to->gone) return;
    send_digits(*to, std::string(1, digit));
  });
}

void Calls::on_inactive(media::LegId from) {
  stack_.post([this, from] {
    auto it = by_media_.find(from);
    if (it == by_media_.end()) return;
    Leg& leg = *it->second;
    Call& call = *leg.call;
    if (leg.hung_up || leg.gone) return;
    static constexpr const char* kReason = "SIP;cause=408;text=\"no RTP received (media inactivity timeout)\"";
    const bool customer = leg.agent == core::kNoUser;
    spdlog::warn("call {}: no RTP from the {} for {} s: hanging up (media inactivity timeout)", call.interaction,
                 customer ? std::string("caller") : "phone of agent " + std::to_string(leg.agent),
                 options_.rtp_inactivity_timeout.count());
    if (customer) {
      if (!call.opening && !call.ended) report_ended(call, core::kNoUser, core::CallEndReason::media_timeout);
      hang_up(leg, kReason);
      for (auto& l : call.agents) hang_up(*l);
      return;
    }
    hang_up(leg, kReason);
    agent_gone(leg);  // as if that phone had hung up
  });
}

}  // namespace contactd::sip
