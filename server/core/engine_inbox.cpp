// The inbox: customer contacts, the bot in front of the queue, take, finish,
// dispositions and close (R-IN-1, R-IN-2, R-FIN-1, R-FIN-2, R-DISP-1..3).
#include "core/engine_internal.h"

namespace contactd::core {

std::string_view to_string(QueueReason r) {
  switch (r) {
    case QueueReason::bot_handoff: return "bot_handoff";
    case QueueReason::bot_timeout: return "bot_timeout";
    case QueueReason::returned: return "returned";
    case QueueReason::transfer: return "transfer";
  }
  return "returned";
}

std::string_view to_string(InteractionState s) {
  switch (s) {
    case InteractionState::bot: return "bot";
    case InteractionState::pending: return "pending";
    case InteractionState::active: return "active";
    case InteractionState::finished: return "finished";
    case InteractionState::closed: return "closed";
  }
  return "pending";
}

std::string_view to_string(Direction d) { return d == Direction::inbound ? "inbound" : "outbound"; }

// Members see the campaign's queue (Pending tab) and its changes; the owner
// and administrators follow it everywhere.
Audience Engine::inbox_audience(const Interaction& i) const {
  Audience a;
  a.members_of = {i.campaign};
  if (i.transfer && i.transfer->from_campaign != i.campaign) a.members_of.push_back(i.transfer->from_campaign);
  a.administrators = true;
  if (i.owner != kNoUser) a.users.push_back(i.owner);
  if (i.transfer && i.transfer->to_agent != kNoUser) a.users.push_back(i.transfer->to_agent);
  return a;
}

Interaction* Engine::owned_by(const Actor& actor, InteractionId id, MaybeError& err) {
  auto it = interactions_.find(id);
  if (it == interactions_.end()) {
    err = error(ErrorCode::not_found, "no such interaction");
    return nullptr;
  }
  if (!actor.system && it->second.owner != actor.user) {
    err = error(ErrorCode::permission_denied, "the interaction is not yours");
    return nullptr;
  }
  return &it->second;
}

const Interaction* Engine::find_interaction(InteractionId id) const {
  auto it = interactions_.find(id);
  return it == interactions_.end() ? nullptr : &it->second;
}

std::size_t Engine::pending_count(CampaignId campaign, Channel channel) const {
  std::size_t n = 0;
  for (bool hub : {false, true})
    if (auto it = queues_.find(pool_key(campaign, channel, hub)); it != queues_.end()) n += it->second.size();
  return n;
}

void Engine::set_owner(Interaction& i, UserId owner) {
  if (i.owner != kNoUser) {
    auto it = owned_.find(i.owner);
    if (it != owned_.end() && (it->second.erase(i.id), it->second.empty())) owned_.erase(it);
  }
  i.owner = owner;
  if (owner != kNoUser) owned_[owner].insert(i.id);
}

void Engine::enqueue(Interaction& i, Pending& p) {
  i.state = InteractionState::pending;
  set_owner(i, kNoUser);
  i.queue_seq = ++queue_seq_;
  queues_[queue_key(i)].push(i.id, i.priority, i.queue_seq);
  drain(i.campaign, i.channel, i.hub(), p);
}

MaybeError Engine::on(const Actor& actor, const OpenInteraction& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "customer contacts come from channels");
  auto cit = campaigns_.find(cmd.campaign);
  if (cit == campaigns_.end() || cit->second.archived) return error(ErrorCode::not_found, "no such campaign");
  const Campaign& c = cit->second;
  if (!c.settings.has(cmd.channel))
    return error(ErrorCode::failed_precondition, "campaign does not have the " + std::string(to_string(cmd.channel)) +
                                                     " channel enabled");
  if (cmd.customer.empty() || cmd.customer.size() > 320)
    return error(ErrorCode::invalid_argument, "customer address must be 1 to 320 bytes");
  if (cmd.priority < -1000 || cmd.priority > 1000) return error(ErrorCode::invalid_argument, "priority must be -1000..1000");
  Interaction i;
  i.id = ++last_interaction_id_;
  i.campaign = c.id;
  i.channel = cmd.channel;
  i.customer = cmd.customer;
  i.priority = cmd.priority;
  i.created_at = p.now;
  if (const Contact* known = find_contact_by_address(cmd.channel, cmd.customer)) i.contact = known->id;
  const bool to_bot = c.settings.bot && is_text(cmd.channel);
  i.state = to_bot ? InteractionState::bot : InteractionState::pending;
  p.out->reply = CreatedReply{i.id};
  auto& stored = interactions_.emplace(i.id, std::move(i)).first->second;
  p.emit(inbox_audience(stored), InteractionOpened{stored.id, stored.campaign, stored.channel, stored.direction,
                                                   stored.customer, stored.priority, stored.state, 0, stored.contact});
  if (to_bot) {
    const BotSettings& bot = *c.settings.bot;
    p.effect(AskBot{stored.id, bot.url, stored.customer, "", bot.timeout});
    await_bot(stored, p);
  } else {
    enqueue(stored, p);
  }
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const AwaitBot& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "only the bot adapter waits for the bot");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.state != InteractionState::bot) return error(ErrorCode::failed_precondition, "interaction is not with the bot");
  await_bot(i, p);
  return std::nullopt;
}

void Engine::await_bot(Interaction& i, Pending& p) {
  const TimePoint deadline = p.now + campaigns_.at(i.campaign).settings.bot->timeout;
  deadlines_.arm(DeadlineKind::bot, i.id, deadline);
  p.emit({}, BotDeadlineSet{i.id, deadline});
}

MaybeError Engine::on(const Actor& actor, const BotAnswered& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "only the bot adapter reports bot answers");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.state != InteractionState::bot) return error(ErrorCode::failed_precondition, "interaction is not with the bot");
  if (deadlines_.disarm(DeadlineKind::bot, i.id)) p.emit({}, BotDeadlineSet{i.id, std::nullopt});
  if (cmd.handoff) {
    p.emit(inbox_audience(i), InteractionQueued{i.id, i.campaign, QueueReason::bot_handoff});
    enqueue(i, p);
  }
  return std::nullopt;
}

void Engine::expire_bot(Interaction& i, Pending& p) {
  p.emit(inbox_audience(i), InteractionQueued{i.id, i.campaign, QueueReason::bot_timeout});
  enqueue(i, p);
}

MaybeError Engine::on(const Actor& actor, const Take& cmd, Pending& p) {
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  User* agent = user(actor.user);
  Campaign& c = campaigns_.at(i.campaign);
  if (!agent || !c.members.count(agent->id))
    return error(ErrorCode::permission_denied, "only members of the campaign may take its interactions");
  if (i.hub() && !c.members.at(agent->id).outbound.test(index(i.channel)))
    return error(ErrorCode::permission_denied, "Outbound Hub work needs outbound permission in its channel (R-OUT-1)");
  if (i.state != InteractionState::pending)
    return error(ErrorCode::failed_precondition, i.state == InteractionState::active
                                                     ? "already taken by another agent"
                                                     : "interaction is not pending");
  const AssignHow how = i.transfer ? AssignHow::transfer : AssignHow::take;
  if (i.channel == Channel::phone) {  // taking a call rings the taker's phone; answering it assigns
    if (!i.call.ringing.empty()) return error(ErrorCode::failed_precondition, "the call is ringing for another agent");
    if (!agent->phone) return error(ErrorCode::failed_precondition, "register your phone to take calls");
    if (agent->ringing) return error(ErrorCode::failed_precondition, "your phone is already ringing");
    if (agent->wrap_up_until) return error(ErrorCode::failed_precondition, "in wrap-up: end it to take calls");
    if (agent->active[index(Channel::phone)] >= capacity(*agent, c, Channel::phone))
      return error(ErrorCode::failed_precondition, "already on a call");
    offer_call(i, {agent->id}, how, p);
    return std::nullopt;
  }
  const auto candidates = static_cast<std::uint32_t>(c.members.size());
  assign(i, *agent, how, candidates, {}, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const Finish& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->state != InteractionState::active) return error(ErrorCode::failed_precondition, "interaction is not active");
  if (!is_text(i->channel)) return error(ErrorCode::failed_precondition, "phone interactions finish when the call ends");
  if (i->transfer) return error(ErrorCode::failed_precondition, "a transfer is in progress");
  User& owner = users_.at(i->owner);
  release(*i, p);
  i->state = InteractionState::finished;
  forget_messages(*i);  // no more replies; the customer's next message opens a new one (R-IN-1)
  p.emit(inbox_audience(*i), InteractionFinished{i->id, owner.id});
  refresh_agent(owner, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SaveDisposition& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->state != InteractionState::active && i->state != InteractionState::finished)
    return error(ErrorCode::failed_precondition, "dispositions are saved on active or finished interactions");
  const CampaignSettings& s = campaigns_.at(i->campaign).settings;
  if (s.dispositions.empty()) return error(ErrorCode::failed_precondition, "the campaign has no dispositions");
  const DispositionNode* node = resolve_disposition(s.dispositions, cmd.path);
  if (!node)
    return error(ErrorCode::invalid_argument, "not a complete path through the disposition tree (choose down to a leaf)");
  if (s.comment_policy == CommentPolicy::required && cmd.comment.find_first_not_of(" \t\r\n") == std::string::npos)
    return error(ErrorCode::invalid_argument, "this campaign requires a comment with the disposition");
  if (cmd.comment.size() > 4000) return error(ErrorCode::invalid_argument, "comment is longer than 4000 bytes");
  if (node->type == DispositionType::reschedule) {
    // R-DISP-3: only Outbound Hub interactions, with the next attempt's time.
    if (auto e = check_reschedule(*i, cmd.reschedule_at, p.now)) return e;
  } else if (cmd.reschedule_at) {
    return error(ErrorCode::invalid_argument, "a reschedule time needs a reschedule disposition");
  }
  if (cmd.close && i->state != InteractionState::finished)
    return error(ErrorCode::failed_precondition, "finish the interaction before closing it");
  i->disposition = SavedDisposition{cmd.path, cmd.comment, cmd.reschedule_at};
  const UserId by = actor.system ? kNoUser : actor.user;
  p.emit(inbox_audience(*i), DispositionSaved{i->id, cmd.path, cmd.comment, cmd.reschedule_at, by});
  if (i->next_attempt || cmd.reschedule_at) replan(*i, cmd.reschedule_at, by, p);
  if (cmd.close) {
    p.emit(inbox_audience(*i), InteractionClosed{i->id, by});
    remember_closed_work(*i);
    set_owner(*i, kNoUser);
    interactions_.erase(i->id);
  }
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CloseInteraction& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_by(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->state != InteractionState::finished) return error(ErrorCode::failed_precondition, "only finished interactions close");
  if (!campaigns_.at(i->campaign).settings.dispositions.empty() && !i->disposition)
    return error(ErrorCode::failed_precondition, "save a disposition before closing");
  p.emit(inbox_audience(*i), InteractionClosed{i->id, actor.system ? kNoUser : actor.user});
  remember_closed_work(*i);
  set_owner(*i, kNoUser);
  interactions_.erase(i->id);
  return std::nullopt;
}

}  // namespace contactd::core
