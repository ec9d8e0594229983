// Administration of campaigns, users, memberships and statuses.
#include <algorithm>
#include <cctype>

#include "core/engine_internal.h"

namespace contactd::core {
namespace {

MaybeError require_admin(const Actor& actor, const User* me) {
  if (actor.system) return std::nullopt;
  if (me && is_admin(me->profile)) return std::nullopt;
  return error(ErrorCode::permission_denied, "only administrators may change the directory");
}

Audience admins_only() {
  Audience a;
  a.administrators = true;
  return a;
}

// Settings and archiving concern the campaign's members and administrators.
Audience campaign_audience(const Campaign& c) {
  Audience a = admins_only();
  a.members_of = {c.id};
  return a;
}

MaybeError check_login(std::string_view login) {
  if (login.empty() || login.size() > 64)
    return error(ErrorCode::invalid_argument, "login must be 1 to 64 characters");
  for (unsigned char c : login) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '@'))
      return error(ErrorCode::invalid_argument, "login may contain only letters, digits and . _ - @");
  }
  return std::nullopt;
}

}  // namespace

MaybeError Engine::on(const Actor& actor, const CreateCampaign& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  if (auto e = check_name("campaign name", cmd.name)) return e;
  if (find_campaign_by_name(cmd.name)) return error(ErrorCode::already_exists, "a campaign with that name exists");
  if (auto e = validate(cmd.settings, zones())) return e;
  if (find_campaign_by_number(cmd.settings.phone_number))
    return error(ErrorCode::already_exists, "another campaign has that phone number");
  if (auto e = check_accounts(cmd.settings, 0, nullptr)) return e;
  Campaign c{++last_campaign_id_, cmd.name, {}, cmd.settings, false};
  p.out->reply = CreatedReply{c.id};
  p.emit(admins_only(), CampaignCreated{c.id, c.name, c.settings});
  campaigns_.emplace(c.id, std::move(c));
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const UpdateCampaign& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  auto it = campaigns_.find(cmd.campaign);
  if (it == campaigns_.end()) return error(ErrorCode::not_found, "no such campaign");
  // A partial update changes the named settings; the result is checked whole.
  CampaignSettings merged = merge(it->second.settings, cmd.settings, cmd.only);
  if (auto e = validate(merged, zones())) return e;
  if (const Campaign* other = find_campaign_by_number(merged.phone_number); other && other->id != cmd.campaign)
    return error(ErrorCode::already_exists, "another campaign has that phone number");
  if (auto e = check_accounts(cmd.settings, cmd.campaign, &it->second.settings)) return e;
  Campaign& c = it->second;
  c.settings = std::move(merged);
  p.emit(campaign_audience(c), CampaignUpdated{c.id, c.settings});
  // Effective immediately for new work: rebuild the pools, serve the queues.
  refresh_campaign(c, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const ArchiveCampaign& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  auto it = campaigns_.find(cmd.campaign);
  if (it == campaigns_.end()) return error(ErrorCode::not_found, "no such campaign");
  Campaign& c = it->second;
  if (c.archived == cmd.archived) return std::nullopt;  // already so
  if (!cmd.archived && find_campaign_by_number(c.settings.phone_number))
    return error(ErrorCode::already_exists, "another campaign has taken its phone number meanwhile");
  if (cmd.archived) {
    const auto open = std::count_if(interactions_.begin(), interactions_.end(),
                                    [&](const auto& entry) { return entry.second.campaign == c.id; });
    if (open > 0)
      return error(ErrorCode::failed_precondition,
                   "the campaign still has " + std::to_string(open) + " open interaction(s); close them first");
  }
  c.archived = cmd.archived;
  p.emit(campaign_audience(c), CampaignArchived{c.id, c.archived});
  refresh_campaign(c, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CreateUser& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  if (auto e = check_login(cmd.login)) return e;
  if (auto e = check_name("display name", cmd.display_name)) return e;
  if (cmd.password_hash.empty()) return error(ErrorCode::invalid_argument, "a password is required");
  if (user_by_login_.count(cmd.login)) return error(ErrorCode::already_exists, "a user with that login exists");
  if (cmd.profile == Profile::super_user && !actor.system && find_user(actor.user)->profile != Profile::super_user)
    return error(ErrorCode::permission_denied, "only a super user may create a super user");
  User u;
  u.id = ++last_user_id_;
  u.login = cmd.login;
  u.display_name = cmd.display_name;
  u.profile = cmd.profile;
  u.password_hash = cmd.password_hash;
  u.presence_since = p.now;
  u.status_since = p.now;
  u.idle_since = p.now;
  u.random_ticket = next_random();
  p.out->reply = CreatedReply{u.id};
  p.emit(admins_only(), UserCreated{u.id, u.login, u.display_name, u.profile, u.password_hash});
  user_by_login_.emplace(u.login, u.id);
  const UserId id = u.id;
  users_.emplace(id, std::move(u));
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const SetMembership& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  User* u = user(cmd.user);
  if (!u) return error(ErrorCode::not_found, "no such user");
  auto cit = campaigns_.find(cmd.campaign);
  if (cit == campaigns_.end()) return error(ErrorCode::not_found, "no such campaign");
  Campaign& campaign = cit->second;
  const Membership wanted{cmd.order, cmd.outbound};
  auto existing = campaign.members.find(u->id);
  if (!cmd.member && existing == campaign.members.end()) return std::nullopt;  // already so
  if (cmd.member && existing != campaign.members.end() && existing->second.order == wanted.order &&
      existing->second.outbound == wanted.outbound)
    return std::nullopt;
  if (cmd.member) {
    u->campaigns.insert(cmd.campaign);
    campaign.members[u->id] = wanted;
  } else {
    u->campaigns.erase(cmd.campaign);
    campaign.members.erase(u->id);
  }
  // Out of every pool of the campaign; refresh_agent puts them back where they belong.
  for (std::size_t k = 0; k < kChannelCount; ++k)
    for (bool hub : {false, true})
      if (auto pool = pools_.find(pool_key(campaign.id, static_cast<Channel>(k), hub)); pool != pools_.end())
        pool->second.erase(u->id);
  campaign.any_outbound.reset();
  for (const auto& [member, m] : campaign.members) campaign.any_outbound |= m.outbound;
  // Observers are computed after the change so a new supervisor sees it; the
  // campaign's supervisors also see an agent leave their sight.
  Audience audience = observers_of(*u);
  audience.supervisors_of.push_back(campaign.id);
  p.emit(std::move(audience), MembershipChanged{u->id, cmd.campaign, cmd.member, cmd.order, cmd.outbound});
  refresh_agent(*u, p);
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const DefineStatus& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  if (auto e = check_name("status name", cmd.name)) return e;
  if (find_status_by_name(cmd.name)) return error(ErrorCode::already_exists, "a status with that name exists");
  Status s{++last_status_id_, cmd.name};
  p.out->reply = CreatedReply{s.id};
  Audience everyone;
  everyone.everyone = true;
  p.emit(std::move(everyone), StatusDefined{s.id, s.name});
  statuses_.emplace(s.id, std::move(s));
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const UpdateStatus& cmd, Pending& p) {
  if (auto e = require_admin(actor, find_user(actor.user))) return e;
  auto it = statuses_.find(cmd.status);
  if (it == statuses_.end()) return error(ErrorCode::not_found, "no such status");
  if (!cmd.removed) {
    if (auto e = check_name("status name", cmd.name)) return e;
    if (it->second.name == cmd.name) return std::nullopt;  // already so
    if (find_status_by_name(cmd.name)) return error(ErrorCode::already_exists, "a status with that name exists");
    it->second.name = cmd.name;
  }
  Audience everyone;
  everyone.everyone = true;
  p.emit(std::move(everyone), StatusUpdated{cmd.status, it->second.name, cmd.removed});
  if (!cmd.removed) return std::nullopt;
  statuses_.erase(it);
  // Agents on the removed status are back at work (and may be served at once).
  for (User& u : users_) {
    if (u.status != cmd.status) continue;
    u.status.reset();
    u.status_since = p.now;
    p.emit(observers_of(u), AgentStatusChanged{u.id, std::nullopt, actor.system ? kNoUser : actor.user});
    refresh_agent(u, p);
  }
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const UpdateUser& cmd, Pending& p) {
  const User* me = find_user(actor.user);
  if (auto e = require_admin(actor, me)) return e;
  User* u = user(cmd.user);
  if (!u) return error(ErrorCode::not_found, "no such user");
  const bool super = actor.system || me->profile == Profile::super_user;
  if (!super && (u->profile == Profile::super_user || cmd.profile == Profile::super_user))
    return error(ErrorCode::permission_denied, "only a super user may change a super user");
  if (!actor.system && u->id == actor.user && ((cmd.active && !*cmd.active) || (cmd.profile && *cmd.profile != u->profile)))
    return error(ErrorCode::permission_denied, "you may not deactivate yourself or change your own profile");
  if (cmd.display_name)
    if (auto e = check_name("display name", *cmd.display_name)) return e;
  if (cmd.password_hash && cmd.password_hash->empty()) return error(ErrorCode::invalid_argument, "a password is required");
  if (cmd.capacity)
    for (auto c : *cmd.capacity)
      if (c > 100) return error(ErrorCode::invalid_argument, "capacity must be 0 (campaign default) to 100");

  const bool deactivating = cmd.active && !*cmd.active && !u->deactivated;
  if (cmd.display_name) u->display_name = *cmd.display_name;
  if (cmd.profile) u->profile = *cmd.profile;
  if (cmd.password_hash) u->password_hash = *cmd.password_hash;
  if (cmd.active) u->deactivated = !*cmd.active;
  if (cmd.capacity) u->capacity = *cmd.capacity;
  const bool new_secret = cmd.sip_secret && *cmd.sip_secret != u->sip_secret;
  if (cmd.sip_secret) u->sip_secret = *cmd.sip_secret;
  p.emit(observers_of(*u), UserUpdated{u->id, u->display_name, u->profile, u->password_hash, !u->deactivated, u->capacity,
                                       u->sip_secret});
  if (u->phone && (new_secret || deactivating)) drop_phone(*u, PhoneGone::revoked, p);  // it must authenticate again
  if (deactivating) {
    std::vector<SessionId> ended;
    for (const auto& [id, s] : sessions_)
      if (s.user == u->id) ended.push_back(id);
    for (SessionId id : ended) end_session(sessions_.at(id), SessionEndReason::deactivated, p);
    deadlines_.disarm(DeadlineKind::grace, u->id);
    if (u->active_total() > 0) return_to_queue(*u, p);  // their customers are not left waiting
  }
  refresh_agent(*u, p);  // capacity, profile or activity changed eligibility
  return std::nullopt;
}

}  // namespace contactd::core
