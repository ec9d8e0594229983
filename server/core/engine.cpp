#include "core/engine.h"

#include <algorithm>
#include <set>

#include "core/engine_internal.h"
#include "core/text.h"

namespace contactd::core {

std::string_view to_string(SessionEndReason r) {
  switch (r) {
    case SessionEndReason::logout: return "logout";
    case SessionEndReason::expired: return "expired";
    case SessionEndReason::deactivated: return "deactivated";
  }
  return "logout";
}

MaybeError check_name(std::string_view what, std::string_view value) {
  if (value.size() > 200) return error(ErrorCode::invalid_argument, std::string(what) + " is longer than 200 bytes");
  bool blank = true;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return error(ErrorCode::invalid_argument, std::string(what) + " contains control characters");
    if (c != ' ') blank = false;
  }
  if (blank) return error(ErrorCode::invalid_argument, std::string(what) + " must not be empty");
  return std::nullopt;
}

Engine::Engine(EngineState state, EngineOptions options)
    : last_seq_(state.last_seq),
      last_user_id_(state.last_user_id),
      last_campaign_id_(state.last_campaign_id),
      last_status_id_(state.last_status_id),
      last_session_id_(state.last_session_id),
      options_(options),
      rng_(options.random_seed ^ state.last_seq) {
  for (auto& c : state.campaigns) {
    c.any_outbound.reset();
    for (const auto& [member, m] : c.members) c.any_outbound |= m.outbound;
    campaigns_.emplace(c.id, std::move(c));
  }
  for (auto& s : state.statuses) statuses_.emplace(s.id, std::move(s));
  for (auto& u : state.users) {
    u.connections.clear();
    user_by_login_.emplace(u.login, u.id);
    const UserId id = u.id;
    // Deadlines already past fire on the first tick.
    if (u.wrap_up_until) deadlines_.arm(DeadlineKind::wrap_up, id, *u.wrap_up_until);
    if (u.phone) deadlines_.arm(DeadlineKind::phone, id, u.phone->expires_at);
    users_.emplace(id, std::move(u));
  }
  for (auto& s : state.sessions) {
    s.connection.reset();
    session_by_token_.emplace(s.token_hash, s.id);
    deadlines_.arm(DeadlineKind::session, s.id, s.expires_at);
    sessions_.emplace(s.id, std::move(s));
  }
  last_contact_id_ = state.last_contact_id;
  last_attempt_id_ = state.last_attempt_id;
  for (auto& c : state.contacts) {
    index_contact(c);
    contacts_.emplace(c.id, std::move(c));
  }
  closed_work_ = std::move(state.contact_work);
  // Attempts that fell due while the daemon was down run on the first tick.
  for (auto& a : state.attempts) {
    deadlines_.arm(DeadlineKind::attempt, a.id, a.due_at);
    attempts_.emplace(a.id, std::move(a));
  }
  last_interaction_id_ = state.last_interaction_id;
  last_message_id_ = state.last_message_id;
  last_account_id_ = state.last_account_id;
  for (auto& a : state.accounts) accounts_.emplace(a.id, std::move(a));
  for (auto& t : state.templates) {
    auto key = std::pair{t.definition.name, t.definition.language};
    templates_[t.account][std::move(key)] = std::move(t.definition);
  }
  for (auto& loaded : state.interactions) {
    Interaction& i = interactions_.emplace(loaded.interaction.id, std::move(loaded.interaction)).first->second;
    if (is_text(i.channel) && i.state != InteractionState::finished) {  // finished ones keep no message records (R-MSG-6)
      records_[i.id] = std::move(loaded.messages);
      index_conversation(i);
    }
    if (i.state == InteractionState::pending) {
      i.queue_seq = ++queue_seq_;
      queues_[queue_key(i)].push(i.id, i.priority, i.queue_seq);
    }
    if (i.state == InteractionState::active && i.owner != kNoUser) users_.at(i.owner).active[index(i.channel)]++;
    if (i.owner != kNoUser) owned_[i.owner].insert(i.id);
    if (i.transfer) deadlines_.arm(DeadlineKind::transfer, i.id, i.transfer->deadline);
    if (loaded.bot_deadline) deadlines_.arm(DeadlineKind::bot, i.id, *loaded.bot_deadline);
  }
  // Nobody is connected after a restart: owners of active work get the grace
  // period from the moment of loading before it returns to the queue.
  for (User& u : users_) {
    if (u.active_total() == 0) continue;
    u.grace_until = state.loaded_at + options_.disconnect_grace;
    deadlines_.arm(DeadlineKind::grace, u.id, *u.grace_until);
  }
}

Outcome Engine::handle(const Command& command, TimePoint now) {
  if (MaybeError bad = check_command_text(command.body)) {  // R-SEC-1: before any handler
    Outcome refused;
    refused.error = std::move(bad);
    return refused;
  }
  Outcome out;
  const EventSeq seq_before = last_seq_;
  Pending pending{now, &last_seq_, &out};
  MaybeError err = std::visit([&](const auto& body) { return on(command.actor, body, pending); },
                              command.body);
  if (err) {
    // Handlers validate before they mutate; nothing may have been emitted.
    last_seq_ = seq_before;
    Outcome failed;
    failed.error = std::move(err);
    return failed;
  }
  remember_last_messages(out);
  return out;
}

std::optional<TimePoint> Engine::next_deadline() const {
  if (auto d = deadlines_.next()) return d->at;
  return std::nullopt;
}

Outcome Engine::tick(TimePoint now) {
  Outcome out;
  Pending pending{now, &last_seq_, &out};
  // In time order; ties in DeadlineKind order, then id. Each is disarmed
  // before its rule runs, which may arm it again.
  while (auto due = deadlines_.pop_due(now)) {
    pending.now = due->at;
    const std::uint64_t id = due->id;
    switch (due->kind) {
      case DeadlineKind::session: end_session(sessions_.at(id), SessionEndReason::expired, pending); break;
      case DeadlineKind::transfer: expire_transfer(interactions_.at(id), pending); break;
      case DeadlineKind::bot: expire_bot(interactions_.at(id), pending); break;
      case DeadlineKind::grace: return_to_queue(users_.at(id), pending); break;
      case DeadlineKind::wrap_up: end_wrap_up(users_.at(id), /*early=*/false, pending); break;
      case DeadlineKind::ring: expire_ring(interactions_.at(id), pending); break;
      case DeadlineKind::phone: drop_phone(users_.at(id), PhoneGone::expired, pending); break;
      case DeadlineKind::abandonment: {  // R-IN-6
        auto it = interactions_.find(id);
        if (it != interactions_.end() && unheld(it->second)) abandon(it->second, pending);
        break;
      }
      case DeadlineKind::attempt: carry_out(id, pending); break;
    }
  }
  return out;
}

std::optional<Credential> Engine::credential(std::string_view login) const {
  const User* u = find_user_by_login(login);
  if (!u || u->deactivated) return std::nullopt;  // deactivated: as an unknown login
  return Credential{u->id, u->password_hash};
}

const User* Engine::find_user(UserId id) const {
  return users_.find(id);
}

User* Engine::user(UserId id) {
  return users_.find(id);
}

const User* Engine::find_user_by_login(std::string_view login) const {
  auto it = user_by_login_.find(std::string(login));
  return it == user_by_login_.end() ? nullptr : find_user(it->second);
}

const Campaign* Engine::find_campaign(CampaignId id) const {
  auto it = campaigns_.find(id);
  return it == campaigns_.end() ? nullptr : &it->second;
}

const Campaign* Engine::find_campaign_by_name(std::string_view name) const {
  for (const auto& [id, c] : campaigns_)
    if (c.name == name) return &c;
  return nullptr;
}

const Status* Engine::find_status_by_name(std::string_view name) const {
  for (const auto& [id, s] : statuses_)
    if (s.name == name) return &s;
  return nullptr;
}

const Session* Engine::session_of(ConnectionId connection) const {
  auto it = session_by_connection_.find(connection);
  return it == session_by_connection_.end() ? nullptr : &sessions_.at(it->second);
}

Audience Engine::observers_of(const User& subject) const {
  Audience a;
  a.users = {subject.id};
  a.administrators = true;
  if (subject.profile == Profile::agent) a.supervisors_of.assign(subject.campaigns.begin(), subject.campaigns.end());
  return a;
}

bool Engine::oversees(const User& viewer, const User& subject) const {
  if (is_admin(viewer.profile)) return true;
  if (viewer.profile != Profile::supervisor || subject.profile != Profile::agent) return false;
  return std::any_of(subject.campaigns.begin(), subject.campaigns.end(),
                     [&](CampaignId c) { return viewer.campaigns.count(c) > 0; });
}

bool Engine::may_manage(const Actor& actor, const User& target) const {
  if (actor.system || actor.user == target.id) return true;
  const User* me = find_user(actor.user);
  if (!me) return false;
  return oversees(*me, target);
}

UserView Engine::view_of(const User& u) const {
  return UserView{u.id,
                  u.login,
                  u.display_name,
                  u.profile,
                  std::vector<CampaignId>(u.campaigns.begin(), u.campaigns.end()),
                  u.connected(),
                  u.presence_since,
                  u.status,
                  u.status_since,
                  u.wrap_up_until,
                  u.phone.has_value()};
}

Snapshot Engine::snapshot(UserId viewer) const {
  const User& me = users_.at(viewer);
  Snapshot snap;
  snap.me = view_of(me);
  const bool admin = is_admin(me.profile);
  for (const auto& [id, c] : campaigns_)
    if (admin || me.campaigns.count(id)) snap.campaigns.push_back(CampaignView{id, c.name, c.archived, c.settings});
  for (const auto& [id, s] : statuses_) snap.statuses.push_back(StatusView{id, s.name});
  if (admin) {
    for (const User& u : users_)
      if (u.id != viewer) snap.overseen.push_back(view_of(u));
  } else if (me.profile == Profile::supervisor) {
    std::set<UserId> agents;
    for (CampaignId cid : me.campaigns)
      for (const auto& [m, membership] : campaigns_.at(cid).members)
        if (users_.at(m).profile == Profile::agent) agents.insert(m);
    for (UserId id : agents) snap.overseen.push_back(view_of(users_.at(id)));
  }
  for (CampaignId cid : me.campaigns) {
    for (std::size_t k = 0; k < kChannelCount; ++k) {
      for (bool hub : {false, true}) {
        auto q = queues_.find(pool_key(cid, static_cast<Channel>(k), hub));
        if (q == queues_.end()) continue;
        snap.pending_total += q->second.size();
        const std::size_t room = kSnapshotPendingLimit - std::min(kSnapshotPendingLimit, snap.pending.size());
        q->second.for_each(room, [&](InteractionId id) { snap.pending.push_back(interactions_.at(id)); });
      }
    }
  }
  // Ringing calls are pending too, out of the queue meanwhile.
  for (const Deadline& ring : deadlines_.of(DeadlineKind::ring)) {
    const Interaction& i = interactions_.at(ring.id);
    if (me.campaigns.count(i.campaign) && snap.pending.size() < kSnapshotPendingLimit) {
      snap.pending.push_back(i);
      ++snap.pending_total;
    }
  }
  if (auto it = owned_.find(viewer); it != owned_.end()) {
    for (InteractionId id : it->second) {
      const Interaction& i = interactions_.at(id);
      (i.state == InteractionState::finished ? snap.finished : snap.active).push_back(i);
    }
  }
  // R-OUT-1: channels the caller may start in, with the campaigns allowing it.
  for (std::size_t k = 0; k < kChannelCount; ++k) {
    OutboundChannel oc{static_cast<Channel>(k), {}};
    for (CampaignId cid : me.campaigns) {
      const Campaign& c = campaigns_.at(cid);
      if (!c.archived && c.settings.has(oc.channel) && c.members.at(viewer).outbound.test(k)) oc.campaigns.push_back(cid);
    }
    if (!oc.campaigns.empty()) snap.outbound.push_back(std::move(oc));
  }
  snap.drafts = me.drafts;
  snap.form_drafts = me.form_drafts;
  snap.manual_forms = manual_forms(viewer);
  for (const Deadline& transfer : deadlines_.of(DeadlineKind::transfer)) {
    const Interaction& i = interactions_.at(transfer.id);
    if (i.transfer->to_agent == viewer) snap.offered.push_back(i);
  }
  return snap;
}

}  // namespace contactd::core
