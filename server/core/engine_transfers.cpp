// Transfers of text interactions (R-TR-1, R-TR-3, R-TR-4). An agent transfer
// stays with its origin until the target accepts; a campaign transfer waits
// in the target campaign's queue. Either returns to the origin agent when the
// origin campaign's transfer timeout passes.
#include "core/engine_internal.h"

namespace contactd::core {
namespace {

// R-TR-1: text goes to agents. Supervisors and administrators are members
// of campaigns to oversee them, not to receive their work.
bool receives_transfers(const User& u) { return u.profile == Profile::agent && !u.deactivated; }

}  // namespace

MaybeError Engine::on(const Actor& actor, const TransferInteraction& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->state != InteractionState::active) return error(ErrorCode::failed_precondition, "interaction is not active");
  if (i->transfer) return error(ErrorCode::failed_precondition, "a transfer is already in progress");
  if (i->channel == Channel::phone) return transfer_call(*i, cmd, p);
  if (!cmd.to_number.empty() || cmd.attended)
    return error(ErrorCode::invalid_argument, "text goes to an agent or a campaign, never to a number (R-TR-1)");
  if ((cmd.to_agent == kNoUser) == (cmd.to_campaign == 0))
    return error(ErrorCode::invalid_argument, "name either a target agent or a target campaign");
  const Campaign& origin = campaigns_.at(i->campaign);
  PendingTransfer t;
  t.from = i->owner;
  t.from_campaign = i->campaign;
  t.deadline = p.now + origin.settings.transfer_timeout;
  if (cmd.to_agent != kNoUser) {
    const User* target = find_user(cmd.to_agent);
    if (!target) return error(ErrorCode::not_found, "no such agent");
    if (target->id == i->owner) return error(ErrorCode::invalid_argument, "cannot transfer to yourself");
    if (!receives_transfers(*target))
      return error(ErrorCode::failed_precondition, "only agents receive transfers (R-TR-1); choose an agent");
    // R-TR-1: the target works in a campaign that has this channel.
    const bool has_channel = std::any_of(target->campaigns.begin(), target->campaigns.end(), [&](CampaignId c) {
      const Campaign& tc = campaigns_.at(c);
      return !tc.archived && tc.settings.has(i->channel);
    });
    if (!has_channel)
      return error(ErrorCode::failed_precondition, "the target agent has no campaign with this channel");
    // R-TR-3: a valid agent target is connected and has no status or break.
    if (!target->connected() || target->status)
      return error(ErrorCode::failed_precondition, "the target agent is not available (disconnected or on a break)");
    t.to_agent = target->id;
  } else {
    auto cit = campaigns_.find(cmd.to_campaign);
    if (cit == campaigns_.end() || cit->second.archived) return error(ErrorCode::not_found, "no such campaign");
    if (!cit->second.settings.has(i->channel))
      return error(ErrorCode::failed_precondition, "the target campaign does not have this channel enabled");
    t.to_campaign = cit->first;
  }
  i->transfer = t;
  deadlines_.arm(DeadlineKind::transfer, i->id, t.deadline);
  p.emit(inbox_audience(*i), TransferRequested{i->id, t.from, t.to_agent, t.to_campaign, t.deadline});
  if (t.to_campaign != 0) {
    // The interaction leaves the agent for the target campaign's queue.
    User& from = users_.at(t.from);
    release(*i, p);
    i->campaign = t.to_campaign;
    p.emit(inbox_audience(*i), InteractionQueued{i->id, i->campaign, QueueReason::transfer});
    enqueue(*i, p);
    refresh_agent(from, p);
  }
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const AcceptTransfer& cmd, Pending& p) {
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (!i.transfer || i.transfer->to_agent == kNoUser)
    return error(ErrorCode::failed_precondition, "no transfer to an agent is waiting on this interaction");
  if (i.channel == Channel::phone)
    return error(ErrorCode::failed_precondition, "a transferred call is accepted by answering the phone");
  if (actor.system || actor.user != i.transfer->to_agent)
    return error(ErrorCode::permission_denied, "the transfer is addressed to another agent");
  User& from = users_.at(i.owner);
  User& to = users_.at(actor.user);
  // Keep the campaign unless the target is not a member of it: then one of
  // the target's campaigns with this channel (the lowest id, deterministic).
  CampaignId campaign = i.campaign;
  if (!to.campaigns.count(campaign)) {
    for (CampaignId c : to.campaigns)
      if (campaigns_.at(c).settings.has(i.channel) && !campaigns_.at(c).archived) {
        campaign = c;
        break;
      }
  }
  release(i, p);
  i.campaign = campaign;
  assign(i, to, AssignHow::transfer, 1, {Candidate{to.id, 0}}, p);
  refresh_agent(from, p);
  return std::nullopt;
}

std::variant<TransferTargets, Error> Engine::transfer_targets(UserId viewer, InteractionId id, TimePoint now) const {
  const Interaction* i = find_interaction(id);
  if (!i) return error(ErrorCode::not_found, "no such interaction");
  const User* me = find_user(viewer);
  if (!me || (i->owner != viewer && !is_admin(me->profile)))
    return error(ErrorCode::permission_denied, "the interaction is not yours");
  TransferTargets out;
  for (const auto& [cid, c] : campaigns_) {
    if (c.archived || !c.settings.has(i->channel)) continue;
    TransferTargets::Campaign& target =
        out.campaigns.emplace_back(TransferTargets::Campaign{cid, c.name, is_open(c.settings.hours, now, zones()), {}});
    for (const auto& [uid, membership] : c.members) {
      const User& u = users_.at(uid);
      if (uid == viewer || !receives_transfers(u)) continue;
      target.agents.push_back(TransferTargets::Agent{uid, u.display_name, u.connected() && !u.status});
    }
  }
  return out;
}

void Engine::expire_transfer(Interaction& i, Pending& p) {
  if (i.channel == Channel::phone) return expire_call_transfer(i, p);
  const PendingTransfer t = *i.transfer;
  p.emit(inbox_audience(i), TransferTimedOut{i.id, t.from});
  if (t.to_agent != kNoUser) {  // still with its origin: only the offer ends
    i.transfer.reset();
    return;
  }
  // Waiting in the target campaign's queue: back to the origin agent (R-TR-4).
  queues_[queue_key(i)].erase(i.id);
  i.transfer.reset();
  i.campaign = t.from_campaign;
  User& from = users_.at(t.from);
  assign(i, from, AssignHow::returned, 1, {Candidate{from.id, 0}}, p);
}

}  // namespace contactd::core
