// Outbound calls (R-OUT-2): the agent's phone rings first, then the
// customer through the trunk; a leg we INVITE rings no longer than its timer.
#include <spdlog/spdlog.h>

#include "core/engine.h"
#include "sip/call_state.h"

namespace contactd::sip {

void Calls::place(const core::PlaceCall& place) {
  if (shutting_down_) return;
  auto call = std::make_shared<Call>();
  call->interaction = place.interaction;
  call->caller = safe_user(place.customer);
  call->outbound = true;
  call->opening = false;
  calls_[call.get()] = call;
  by_interaction_[place.interaction] = call;
  ++live_;
  // The agent's phone shows whom it is about to call.
  const std::string from = "\"" + call->caller + "\" <sip:" + call->caller + "@" + options_.media_address + ">";
  auto leg = invite(*call, place.agent, place.contact, from);
  if (!leg) {
    report(core::CallEnded{place.interaction, core::kNoUser, core::CallEndReason::agent_no_answer});
    call->ended = true;
    maybe_erase(*call);
    return;
  }
  arm_timer(*leg, place.ring_timeout);
  call->agents.push_back(std::move(leg));
}

void Calls::dial_customer(Call& call) {
  if (options_.trunk.empty()) {
    spdlog::warn("call {}: no outbound trunk configured ([sip] trunk)", call.interaction);
    report_ended(call, core::kNoUser, core::CallEndReason::rejected);
    for (auto& l : call.agents) hang_up(*l);
    return;
  }
  const std::string uri = "sip:" + call.caller + "@" + options_.trunk;
  const std::string from = "<sip:contactd@" + options_.media_address + ">";
  auto leg = invite(call, core::kNoUser, uri, from);
  if (!leg) {
    report_ended(call, core::kNoUser, core::CallEndReason::rejected);
    for (auto& l : call.agents) hang_up(*l);
    return;
  }
  arm_timer(*leg, options_.outbound_answer_timeout);
  call.customer = std::move(leg);
}

void Calls::on_customer_response(Leg& leg, int status, const sip_t* sip) {
  if (status < 200) return;  // ringing (early media from the trunk is not relayed)
  Call& call = *leg.call;
  if (leg.timer) {
    su_timer_destroy(leg.timer);
    leg.timer = nullptr;
  }
  if (status >= 300) {
    if (!leg.hung_up && !call.ended) {
      const auto reason = status == 486 || status == 600 ? core::CallEndReason::busy
                          : status == 408 || status == 480 || status == 487 ? core::CallEndReason::no_answer
                                                                            : core::CallEndReason::rejected;
      report_ended(call, core::kNoUser, reason);
      for (auto& l : call.agents) hang_up(*l);
    }
    leg.hung_up = true;
    return;
  }
  leg.answered = true;
  const auto chosen = answer_plan(sip);
  if (leg.hung_up || call.ended || !std::holds_alternative<media::AudioPlan>(chosen)) {
    leg.hung_up = false;
    hang_up(leg);
    if (!call.ended) {
      report_ended(call, core::kNoUser, core::CallEndReason::rejected);
      for (auto& l : call.agents) hang_up(*l);
    }
    return;
  }
  leg.plan = std::get<media::AudioPlan>(chosen);
  connect_media(leg);
  for (auto& l : call.agents)
    if (l->agent == call.connected && l->answered && !l->hung_up) relay_.bridge(leg.media, l->media);
}

void Calls::arm_timer(Leg& leg, std::chrono::milliseconds after) {
  leg.timer = su_timer_create(su_root_task(stack_.root()), static_cast<su_duration_t>(after.count()));
  if (!leg.timer) return;
  su_timer_set(
      leg.timer,
      [](su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) {
        auto* leg = reinterpret_cast<Calls::Leg*>(arg);
        leg->owner->on_timer(*leg);
      },
      reinterpret_cast<su_timer_arg_t*>(&leg));
}

void Calls::on_timer(Leg& leg) {
  su_timer_destroy(leg.timer);
  leg.timer = nullptr;
  if (leg.answered || leg.hung_up || leg.gone) return;
  Call& call = *leg.call;
  hang_up(leg);  // CANCEL
  if (call.ended) return;
  report_ended(call, core::kNoUser,
               leg.agent == core::kNoUser ? core::CallEndReason::no_answer : core::CallEndReason::agent_no_answer);
  for (auto& l : call.agents) hang_up(*l);
  if (call.customer) hang_up(*call.customer);
}

}  // namespace contactd::sip
