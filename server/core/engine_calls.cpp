// Calls (issue 5). A queued call rings the phone of the agent the campaign's
// strategy picks (ring-all: every eligible agent's) until the ring timeout;
// the first phone to answer owns it. A miss (rang out, declined, phone
// unreachable) moves the call on to the next agent, skipping those who
// missed it this round; an agent who misses `missed_calls_limit` offers in a
// row gets the "No answer" status. The caller hanging up before an agent
// answers abandons the call; after, it finishes (R-FIN-1) and the agent's
// wrap-up starts (R-WRAP-1). While connected, the owner holds, mutes, sends
// digits and hangs up (R-PH-1/2/3/6); the phone module carries it out.
#include "core/engine_internal.h"

namespace contactd::core {
namespace {

constexpr std::string_view kNoAnswerStatus = "No answer";

bool contains(const std::vector<UserId>& v, UserId u) { return std::find(v.begin(), v.end(), u) != v.end(); }

// 0-9 * # A-D, as RFC 4733 and a keypad have them.
bool valid_digits(const std::string& d) {
  if (d.empty() || d.size() > 32) return false;
  return std::all_of(d.begin(), d.end(), [](char c) {
    return (c >= '0' && c <= '9') || c == '*' || c == '#' || (c >= 'A' && c <= 'D');
  });
}

}  // namespace

std::string_view to_string(CallEndReason r) {
  switch (r) {
    case CallEndReason::completed: return "completed";
    case CallEndReason::busy: return "busy";
    case CallEndReason::no_answer: return "no_answer";
    case CallEndReason::rejected: return "rejected";
    case CallEndReason::agent_no_answer: return "agent_no_answer";
    case CallEndReason::media_timeout: return "media_timeout";
  }
  return "completed";
}

const Campaign* Engine::find_campaign_by_number(std::string_view number) const {
  if (number.empty()) return nullptr;
  for (const auto& [id, c] : campaigns_)
    if (!c.archived && c.settings.phone_number == number) return &c;
  return nullptr;
}

std::vector<UserId> Engine::ring_choice(Interaction& i, const AgentPool& pool, bool ring_all) {
  for (int round = 0; round < 2; ++round) {
    std::vector<UserId> out;
    // The best agent who has not missed it is among the first missed+1.
    const std::size_t n = ring_all ? pool.size() : i.call.missed.size() + 1;
    for (auto [agent, score] : pool.top(n)) {
      if (contains(i.call.missed, agent)) continue;
      out.push_back(agent);
      if (!ring_all) break;
    }
    if (!out.empty()) return out;
    i.call.missed.clear();  // every eligible agent has missed it: a new round
  }
  return {};
}

void Engine::offer_call(Interaction& i, std::vector<UserId> agents, AssignHow how, Pending& p) {
  queues_[queue_key(i)].erase(i.id);  // not offered to others while it rings
  i.call.ringing = agents;
  i.call.ring_until = p.now + campaigns_.at(i.campaign).settings.ring_timeout;
  i.call.offer_how = static_cast<std::uint8_t>(how);
  deadlines_.arm(DeadlineKind::ring, i.id, i.call.ring_until);
  RingPhones ring{i.id, i.customer, {}};
  Audience audience = inbox_audience(i);
  for (UserId id : agents) {
    User& u = users_.at(id);
    u.ringing = i.id;
    ring.targets.push_back(RingPhones::Target{id, u.phone->contact});
    audience.users.push_back(id);
  }
  p.emit(std::move(audience), CallOffered{i.id, std::move(agents), i.call.ring_until});
  p.effect(std::move(ring));
  for (UserId id : i.call.ringing) refresh_agent(users_.at(id), p, /*assign_now=*/false);  // busy while ringing
}

std::vector<UserId> Engine::end_offer(Interaction& i, UserId keep, Pending& p) {
  std::vector<UserId> stopped;
  if (i.call.ringing.empty()) return stopped;
  deadlines_.disarm(DeadlineKind::ring, i.id);
  for (UserId id : i.call.ringing) {
    users_.at(id).ringing = 0;
    if (id != keep) stopped.push_back(id);
  }
  i.call.ringing.clear();
  if (!stopped.empty()) p.effect(StopRinging{i.id, stopped});
  return stopped;
}

void Engine::missed(Interaction& i, std::vector<UserId> agents, Pending& p) {
  Audience audience = inbox_audience(i);
  audience.users.insert(audience.users.end(), agents.begin(), agents.end());
  p.emit(std::move(audience), CallMissed{i.id, agents});
  if (i.call.ringing.empty()) queues_[queue_key(i)].push(i.id, i.priority, i.queue_seq);  // keeps its place
  const std::uint16_t limit = campaigns_.at(i.campaign).settings.missed_calls_limit;
  for (UserId id : agents) {
    if (!contains(i.call.missed, id)) i.call.missed.push_back(id);
    User& u = users_.at(id);
    ++u.missed_in_row;
    if (limit > 0 && u.missed_in_row >= limit && !u.status) {
      u.missed_in_row = 0;
      const Status* s = find_status_by_name(kNoAnswerStatus);
      StatusId status = s ? s->id : 0;
      if (!s) {  // defined the first time it is needed
        status = ++last_status_id_;
        statuses_.emplace(status, Status{status, std::string(kNoAnswerStatus)});
        Audience everyone;
        everyone.everyone = true;
        p.emit(std::move(everyone), StatusDefined{status, std::string(kNoAnswerStatus)});
      }
      change_status(Actor::System(), id, status, p);  // refreshes the agent
    } else {
      refresh_agent(u, p);
    }
  }
  drain(i.campaign, i.channel, i.hub(), p);
}

void Engine::expire_ring(Interaction& i, Pending& p) {
  missed(i, end_offer(i, kNoUser, p), p);
}

MaybeError Engine::on(const Actor& actor, const CallAnswered& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "calls are answered on phones");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.state == InteractionState::active && i.transfer && i.transfer->to_agent == cmd.agent &&
      i.call.ringing_for(cmd.agent)) {  // the target of a transfer answered
    users_.at(cmd.agent).ringing = 0;
    i.call.ringing.clear();
    if (!i.transfer->attended) {
      complete_transfer(i, p);
      return std::nullopt;
    }
    deadlines_.disarm(DeadlineKind::transfer, i.id);  // the owner decides now
    i.transfer->consulting = true;
    p.emit(inbox_audience(i), ConsultationStarted{i.id, cmd.agent});
    return std::nullopt;
  }
  if (i.state != InteractionState::pending || !i.call.ringing_for(cmd.agent))
    return error(ErrorCode::failed_precondition, "the call no longer rings for this agent");
  std::vector<Candidate> considered;
  for (UserId id : i.call.ringing) considered.push_back(Candidate{id, 0});
  const auto candidates = static_cast<std::uint32_t>(considered.size());
  const auto how = static_cast<AssignHow>(i.call.offer_how);
  const std::vector<UserId> others = end_offer(i, cmd.agent, p);
  User& agent = users_.at(cmd.agent);
  agent.missed_in_row = 0;
  i.call.missed.clear();
  assign(i, agent, how, candidates, std::move(considered), p);
  for (UserId id : others) refresh_agent(users_.at(id), p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CallNotAnswered& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "calls are answered on phones");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.state == InteractionState::active && i.transfer && i.transfer->to_agent == cmd.agent &&
      i.call.ringing_for(cmd.agent)) {  // the transfer target's phone refused: back to the owner
    call_back(i, kNoUser, p);
    return std::nullopt;
  }
  if (i.state != InteractionState::pending || !i.call.ringing_for(cmd.agent))
    return error(ErrorCode::failed_precondition, "the call no longer rings for this agent");
  std::erase(i.call.ringing, cmd.agent);
  users_.at(cmd.agent).ringing = 0;
  if (i.call.ringing.empty()) deadlines_.disarm(DeadlineKind::ring, i.id);
  missed(i, {cmd.agent}, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CallEnded& cmd, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "calls end through the phone module");
  auto it = interactions_.find(cmd.interaction);
  if (it == interactions_.end()) return error(ErrorCode::not_found, "no such interaction");
  Interaction& i = it->second;
  if (i.channel != Channel::phone) return error(ErrorCode::failed_precondition, "not a phone interaction");
  if (i.state == InteractionState::finished || i.state == InteractionState::closed)
    return error(ErrorCode::failed_precondition, "the call is not in progress");
  // A silent caller (media_timeout) ends any call; the other failures are
  // outbound calls that never connected.
  if (cmd.reason != CallEndReason::completed && cmd.reason != CallEndReason::media_timeout &&
      (i.direction != Direction::outbound || i.state != InteractionState::active))
    return error(ErrorCode::invalid_argument, "only outbound calls fail to connect");
  end_call(i, cmd.by, p, cmd.reason);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const ResetCalls&, Pending& p) {
  if (!actor.system) return error(ErrorCode::permission_denied, "only the phone module resets calls");
  std::vector<InteractionId> calls;
  for (const auto& [id, i] : interactions_)
    if (i.channel == Channel::phone && (i.state == InteractionState::pending || i.state == InteractionState::active))
      calls.push_back(id);
  std::sort(calls.begin(), calls.end());  // deterministic
  for (InteractionId id : calls) end_call(interactions_.at(id), kNoUser, p);
  return std::nullopt;
}

void Engine::end_call(Interaction& i, UserId by, Pending& p, CallEndReason reason) {
  if (i.state != InteractionState::active) {  // queued or ringing: the caller gave up
    const std::vector<UserId> ringing = end_offer(i, kNoUser, p);
    queues_[queue_key(i)].erase(i.id);
    Audience audience = inbox_audience(i);
    audience.users.insert(audience.users.end(), ringing.begin(), ringing.end());
    p.emit(std::move(audience), CallAbandoned{i.id, i.campaign});
    remember_closed_work(i);
    set_owner(i, kNoUser);
    interactions_.erase(i.id);
    for (UserId id : ringing) refresh_agent(users_.at(id), p);
    return;
  }
  if (i.transfer) {  // the transfer cannot complete without the caller
    deadlines_.disarm(DeadlineKind::transfer, i.id);
    i.transfer.reset();
  }
  for (UserId id : end_offer(i, kNoUser, p)) refresh_agent(users_.at(id), p);  // a transfer target's phone
  i.call.held = i.call.muted = false;
  User& owner = users_.at(i.owner);
  release(i, p);
  i.state = InteractionState::finished;
  p.emit(inbox_audience(i), InteractionFinished{i.id, by, reason});  // one event, with the reason
  start_wrap_up(owner, campaigns_.at(i.campaign), i.id, p);
  refresh_agent(owner, p);
}

Interaction* Engine::owned_call(const Actor& actor, InteractionId id, MaybeError& err) {
  Interaction* i = owned_by(actor, id, err);
  if (!i) return nullptr;
  if (i->channel != Channel::phone) {
    err = error(ErrorCode::failed_precondition, "not a phone call");
    return nullptr;
  }
  if (i->state != InteractionState::active) {
    err = error(ErrorCode::failed_precondition, "the call is not connected");
    return nullptr;
  }
  if (i->transfer) {  // R-TR-2: the transfer first completes or is called off
    err = error(ErrorCode::failed_precondition, "a transfer is in progress: complete or cancel it first");
    return nullptr;
  }
  return i;
}

MaybeError Engine::on(const Actor& actor, const HoldCall& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_call(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->call.held == cmd.held)
    return error(ErrorCode::failed_precondition, cmd.held ? "the call is already on hold" : "the call is not on hold");
  i->call.held = cmd.held;
  p.emit(inbox_audience(*i), CallHeld{i->id, cmd.held, i->owner});
  p.effect(ControlCall{i->id, cmd.held ? CallAction::hold : CallAction::resume, "",
                       campaigns_.at(i->campaign).settings.hold_music, i->owner});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const MuteCall& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_call(actor, cmd.interaction, err);
  if (!i) return err;
  if (i->call.muted == cmd.muted)
    return error(ErrorCode::failed_precondition, cmd.muted ? "the call is already muted" : "the call is not muted");
  i->call.muted = cmd.muted;
  p.emit(inbox_audience(*i), CallMuted{i->id, cmd.muted, i->owner});
  p.effect(ControlCall{i->id, cmd.muted ? CallAction::mute : CallAction::unmute, "", "", i->owner});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SendDigits& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_call(actor, cmd.interaction, err);
  if (!i) return err;
  if (!valid_digits(cmd.digits)) return error(ErrorCode::invalid_argument, "digits must be 1 to 32 of 0-9 * # A-D");
  // The digits themselves stay out of the journal (card numbers, PINs).
  p.emit(inbox_audience(*i), DigitsSent{i->id, static_cast<std::uint32_t>(cmd.digits.size()), i->owner});
  p.effect(ControlCall{i->id, CallAction::digits, cmd.digits, "", i->owner});
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const HangUp& cmd, Pending& p) {
  MaybeError err;
  Interaction* i = owned_call(actor, cmd.interaction, err);
  if (!i) return err;
  // The phone module hangs up both legs and reports CallEnded{by}: the
  // interaction finishes then (R-PH-6).
  p.effect(ControlCall{i->id, CallAction::hang_up, "", "", i->owner});
  return std::nullopt;
}

}  // namespace contactd::core
