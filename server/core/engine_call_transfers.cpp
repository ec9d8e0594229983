// Call transfers (R-TR-2, R-TR-3, R-TR-4). To an agent: the caller hears
// hold music while the target's phone rings; blind, the target owns the call
// when they answer; attended, the owner first talks to the target
// (consultation: every other transfer action waits) and then completes or
// cancels. To a campaign: the caller waits in its queue, the owner is free.
// Either returns to the owner at the origin campaign's transfer timeout
// (an attended one only while the target has not answered). To a number:
// the call leaves the center through the trunk and the interaction finishes.
#include "core/address.h"
#include "core/engine_internal.h"

namespace contactd::core {

MaybeError Engine::transfer_call(Interaction& i, const TransferInteraction& cmd, Pending& p) {
  const int targets = (cmd.to_agent != kNoUser) + (cmd.to_campaign != 0) + !cmd.to_number.empty();
  if (targets != 1) return error(ErrorCode::invalid_argument, "name one target: an agent, a campaign or a number");
  if (cmd.attended && cmd.to_agent == kNoUser)
    return error(ErrorCode::invalid_argument, "attended transfers go to an agent");
  const Campaign& origin = campaigns_.at(i.campaign);
  PendingTransfer t;
  t.from = i.owner;
  t.from_campaign = i.campaign;
  t.deadline = p.now + origin.settings.transfer_timeout;
  t.attended = cmd.attended;
  TransferCall effect{i.id, TransferStep::ring_agent, i.owner, kNoUser, "", "", origin.settings.hold_music, cmd.attended};

  if (cmd.to_agent != kNoUser) {
    User* target = user(cmd.to_agent);
    if (!target || target->profile != Profile::agent) return error(ErrorCode::not_found, "no such agent");
    if (target->id == i.owner) return error(ErrorCode::invalid_argument, "cannot transfer to yourself");
    // R-TR-3: connected, no status or break; and a phone free to ring.
    if (!target->connected() || target->status || target->deactivated)
      return error(ErrorCode::failed_precondition, "the target agent is not available (disconnected or on a break)");
    if (!target->phone) return error(ErrorCode::failed_precondition, "the target agent has no registered phone");
    if (target->ringing || target->wrap_up_until || target->active[index(Channel::phone)] > 0)
      return error(ErrorCode::failed_precondition, "the target agent's phone is busy");
    t.to_agent = target->id;
    i.transfer = t;
    deadlines_.arm(DeadlineKind::transfer, i.id, t.deadline);
    i.call.ringing = {target->id};
    target->ringing = i.id;
    i.call.held = i.call.muted = false;  // the transfer plays music to the caller itself
    p.emit(inbox_audience(i), TransferRequested{i.id, t.from, t.to_agent, 0, t.deadline, "", t.attended});
    effect.target = target->id;
    effect.contact = target->phone->contact;
    p.effect(std::move(effect));
    refresh_agent(*target, p, /*assign_now=*/false);  // busy while it rings
    return std::nullopt;
  }

  if (cmd.to_campaign != 0) {
    auto cit = campaigns_.find(cmd.to_campaign);
    if (cit == campaigns_.end() || cit->second.archived) return error(ErrorCode::not_found, "no such campaign");
    if (!cit->second.settings.has(Channel::phone))
      return error(ErrorCode::failed_precondition, "the target campaign does not take calls");
    t.to_campaign = cit->first;
    i.transfer = t;
    i.call.missed.clear();  // a new queue, new agents
    deadlines_.arm(DeadlineKind::transfer, i.id, t.deadline);
    i.call.held = i.call.muted = false;
    p.emit(inbox_audience(i), TransferRequested{i.id, t.from, kNoUser, t.to_campaign, t.deadline, "", false});
    effect.step = TransferStep::to_queue;
    p.effect(std::move(effect));  // before the queue rings anyone: the owner's phone is released first
    User& from = users_.at(t.from);
    release(i, p);
    i.campaign = t.to_campaign;
    p.emit(inbox_audience(i), InteractionQueued{i.id, i.campaign, QueueReason::transfer});
    enqueue(i, p);
    refresh_agent(from, p);
    return std::nullopt;
  }

  auto number = normalize_address(Channel::phone, cmd.to_number);
  if (auto* e = std::get_if<Error>(&number)) return *e;
  // The call leaves the center: for contactd it is over.
  p.emit(inbox_audience(i), TransferRequested{i.id, i.owner, kNoUser, 0, p.now, std::get<std::string>(number), false});
  effect.step = TransferStep::to_number;
  effect.number = std::get<std::string>(number);
  p.effect(std::move(effect));
  User& owner = users_.at(i.owner);
  i.call.held = i.call.muted = false;
  release(i, p);
  i.state = InteractionState::finished;
  p.emit(inbox_audience(i), InteractionFinished{i.id, owner.id});
  start_wrap_up(owner, origin, i.id, p);
  refresh_agent(owner, p);
  return std::nullopt;
}

void Engine::complete_transfer(Interaction& i, Pending& p) {
  const PendingTransfer t = *i.transfer;
  deadlines_.disarm(DeadlineKind::transfer, i.id);
  User& from = users_.at(i.owner);
  User& to = users_.at(t.to_agent);
  to.ringing = 0;
  // Keep the campaign unless the target is not a member: then the target's
  // lowest campaign that takes calls.
  CampaignId campaign = i.campaign;
  if (!to.campaigns.count(campaign))
    for (CampaignId c : to.campaigns)
      if (campaigns_.at(c).settings.has(Channel::phone) && !campaigns_.at(c).archived) {
        campaign = c;
        break;
      }
  p.effect(TransferCall{i.id, TransferStep::complete, from.id, to.id, "", "", "", t.attended});
  release(i, p);
  i.campaign = campaign;
  assign(i, to, AssignHow::transfer, 1, {Candidate{to.id, 0}}, p);
  refresh_agent(from, p);
}

void Engine::call_back(Interaction& i, UserId by, Pending& p, bool timed_out) {
  const PendingTransfer t = *i.transfer;
  deadlines_.disarm(DeadlineKind::transfer, i.id);
  i.transfer.reset();
  i.call.ringing.clear();
  User& target = users_.at(t.to_agent);
  if (target.ringing == i.id) target.ringing = 0;
  if (timed_out) p.emit(inbox_audience(i), TransferTimedOut{i.id, t.from});
  else p.emit(inbox_audience(i), TransferCancelled{i.id, by});
  p.effect(TransferCall{i.id, TransferStep::back, i.owner, t.to_agent, "", "", "", t.attended});
  refresh_agent(target, p);
}

MaybeError Engine::on(const Actor& actor, const CompleteTransfer& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (!i->transfer || !i->transfer->consulting)
    return error(ErrorCode::failed_precondition, "no attended transfer is consulting its target");
  complete_transfer(*i, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CancelTransfer& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->channel != Channel::phone || !i->transfer || i->transfer->to_agent == kNoUser || i->state != InteractionState::active)
    return error(ErrorCode::failed_precondition, "no call transfer to an agent is in progress");
  call_back(*i, actor.system ? kNoUser : actor.user, p);
  return std::nullopt;
}

void Engine::expire_call_transfer(Interaction& i, Pending& p) {
  const PendingTransfer t = *i.transfer;
  if (t.to_agent != kNoUser) {  // still with its owner, whose phone is still on the call
    call_back(i, kNoUser, p, /*timed_out=*/true);
    return;
  }
  // Waiting in another campaign's queue (or ringing there): back to the owner's phone (R-TR-4).
  p.emit(inbox_audience(i), TransferTimedOut{i.id, t.from});
  const std::vector<UserId> ringing = end_offer(i, kNoUser, p);
  queues_[queue_key(i)].erase(i.id);
  i.transfer.reset();
  i.campaign = t.from_campaign;
  for (UserId id : ringing) refresh_agent(users_.at(id), p);
  User& from = users_.at(t.from);
  if (from.phone && !from.ringing) {
    offer_call(i, {from.id}, AssignHow::returned, p);
  } else {  // the owner cannot take it back now: the origin campaign's queue serves it
    p.emit(inbox_audience(i), InteractionQueued{i.id, i.campaign, QueueReason::returned});
    enqueue(i, p);
  }
}

}  // namespace contactd::core
