// Call transfers on the SIP side (R-TR-2): who hears whom at each step the
// engine decides (ring the target, consult, complete, back, to a queue, to a
// number through the trunk).
#include <spdlog/spdlog.h>

#include "core/engine.h"
#include "sip/call_state.h"

namespace contactd::sip {

void Calls::transfer(const core::TransferCall& t) {
  auto call = find(t.interaction);
  if (!call) return;
  Leg* customer = call->customer.get();
  Leg* owner = agent_leg(*call, t.owner);
  auto music = [&] {  // the caller waits with hold music, heard by nobody
    if (!customer) return;
    play_music(*customer, t.hold_music);
    relay_.mute(customer->media, true);
  };
  auto to_caller = [&](Leg* leg) {  // the caller talks to `leg` (again)
    if (!customer || !leg) return;
    relay_.play(customer->media, nullptr);
    relay_.mute(customer->media, false);
    relay_.bridge(customer->media, leg->media);
  };
  const std::string from = "\"" + call->caller + "\" <sip:" + call->caller + "@" + options_.media_address + ">";
  switch (t.step) {
    case core::TransferStep::ring_agent: {
      if (call->ended) return;
      music();
      call->transfer_target = t.target;
      call->attended = t.attended;
      auto leg = invite(*call, t.target, t.contact, from);
      if (!leg) {
        report(core::CallNotAnswered{t.interaction, t.target});
        return;
      }
      call->agents.push_back(std::move(leg));
      return;
    }
    case core::TransferStep::to_queue:  // the queue's agents are rung by RingPhones, as for a new call
      if (call->ended) return;
      music();
      if (customer) relay_.mute(customer->media, false);
      if (owner) hang_up(*owner);
      call->connected = core::kNoUser;
      return;
    case core::TransferStep::to_number: {
      call->ended = true;  // the engine is done with it; the two parties talk through us
      music();
      if (owner) hang_up(*owner);
      call->connected = core::kNoUser;
      if (options_.trunk.empty() || !customer) {
        spdlog::warn("call {}: a transfer to a number needs an outbound trunk ([sip] trunk)", t.interaction);
        if (customer) hang_up(*customer);
        return;
      }
      auto leg = invite(*call, kExternal, "sip:" + t.number + "@" + options_.trunk, from);
      if (!leg) {
        hang_up(*customer);
        return;
      }
      arm_timer(*leg, options_.outbound_answer_timeout);
      call->agents.push_back(std::move(leg));
      return;
    }
    case core::TransferStep::complete: {
      Leg* target = agent_leg(*call, t.target);
      to_caller(target);
      if (owner) hang_up(*owner);
      call->connected = t.target;
      call->transfer_target = core::kNoUser;
      return;
    }
    case core::TransferStep::back:
      for (auto& l : call->agents)
        if (l->agent == t.target) hang_up(*l);
      call->transfer_target = core::kNoUser;
      if (!owner) {  // the owner hung up during the transfer: nobody to go back to
        report_ended(*call, core::kNoUser);
        if (customer) hang_up(*customer);
        return;
      }
      to_caller(owner);
      return;
  }
}

void Calls::on_external_response(Leg& leg, int status, const sip_t* sip) {
  Call& call = *leg.call;
  if (status >= 300) {  // the number did not take the call: the caller is let go
    leg.hung_up = true;
    if (call.customer) hang_up(*call.customer);
    return;
  }
  leg.answered = true;
  const auto chosen = answer_plan(sip);
  Leg* customer = call.customer.get();
  if (!customer || customer->gone || !std::holds_alternative<media::AudioPlan>(chosen)) {
    hang_up(leg);
    if (customer) hang_up(*customer);
    return;
  }
  leg.plan = std::get<media::AudioPlan>(chosen);
  connect_media(leg);
  relay_.play(customer->media, nullptr);
  relay_.mute(customer->media, false);
  relay_.bridge(customer->media, leg.media);
  call.connected = kExternal;
}

}  // namespace contactd::sip
