// The Outbound Hub (R-DISP-3, R-OUT-1): contact lists become attempts; a due
// attempt becomes an outbound interaction in the campaign's hub lane, served
// by members with outbound permission in the channel; a reschedule
// disposition schedules the next attempt for the same customer.
#include "core/address.h"
#include "core/engine_internal.h"

namespace contactd::core {

std::string_view to_string(AttemptOrigin o) { return o == AttemptOrigin::list ? "list" : "reschedule"; }

std::string_view to_string(AttemptCancelReason r) {
  switch (r) {
    case AttemptCancelReason::cancelled: return "cancelled";
    case AttemptCancelReason::campaign_archived: return "campaign_archived";
    case AttemptCancelReason::channel_disabled: return "channel_disabled";
    case AttemptCancelReason::disposition_changed: return "disposition_changed";
  }
  return "cancelled";
}

namespace {

// Reschedules and lists may look at most this far ahead.
constexpr Millis kMaxAhead{Millis{400LL * 24 * 3600 * 1000}};

}  // namespace

bool Engine::supervises(UserId viewer, CampaignId campaign) const {
  const User* u = find_user(viewer);
  if (!u) return false;
  return is_admin(u->profile) || (u->profile == Profile::supervisor && u->campaigns.count(campaign));
}

Audience Engine::hub_audience(CampaignId campaign) const {
  Audience a;
  a.supervisors_of = {campaign};
  a.administrators = true;
  return a;
}

void Engine::index_contact(const Contact& c) {
  for (const auto& a : c.addresses) contact_by_address_[index(a.channel)][a.value] = c.id;
}

void Engine::unindex_contact(const Contact& c) {
  for (const auto& a : c.addresses) contact_by_address_[index(a.channel)].erase(a.value);
}

const Contact* Engine::find_contact(ContactId id) const {
  auto it = contacts_.find(id);
  return it == contacts_.end() ? nullptr : &it->second;
}

const Contact* Engine::find_contact_by_address(Channel channel, std::string_view address) const {
  const auto& by_address = contact_by_address_[index(channel)];
  if (by_address.empty()) return nullptr;
  auto it = by_address.find(address);
  return it == by_address.end() ? nullptr : find_contact(it->second);
}

const Attempt* Engine::find_attempt(AttemptId id) const {
  auto it = attempts_.find(id);
  return it == attempts_.end() ? nullptr : &it->second;
}

std::vector<Attempt> Engine::scheduled_attempts(CampaignId campaign, std::size_t limit) const {
  std::vector<Attempt> out;
  for (const Deadline& due : deadlines_.of(DeadlineKind::attempt)) {
    if (out.size() >= limit) break;
    const Attempt& a = attempts_.at(due.id);
    if (a.campaign == campaign) out.push_back(a);
  }
  return out;
}

MaybeError Engine::on(const Actor& actor, const UploadContacts& cmd, Pending& p) {
  if (!actor.system && !supervises(actor.user, cmd.campaign))
    return error(ErrorCode::permission_denied, "only administrators and the campaign's supervisors upload contact lists");
  auto cit = campaigns_.find(cmd.campaign);
  if (cit == campaigns_.end()) return error(ErrorCode::not_found, "no such campaign");
  const Campaign& c = cit->second;
  if (c.archived) return error(ErrorCode::failed_precondition, "the campaign is archived");
  if (!can_start(cmd.channel))
    return error(ErrorCode::invalid_argument,
                 "contactd cannot start conversations in " + std::string(to_string(cmd.channel)));
  if (!c.settings.has(cmd.channel))
    return error(ErrorCode::failed_precondition,
                 "the campaign does not have the " + std::string(to_string(cmd.channel)) + " channel enabled");
  if (auto e = check_name("list name", cmd.list)) return e;
  if (cmd.rows.empty() || cmd.rows.size() > kMaxUploadRows)
    return error(ErrorCode::invalid_argument, "an upload holds 1 to 1000 rows; send larger lists in several uploads");
  const TimePoint due = cmd.due_at.value_or(p.now);
  if (due > p.now + kMaxAhead) return error(ErrorCode::invalid_argument, "attempts may be due at most 400 days ahead");

  // Validate every row before changing anything.
  std::vector<std::string> addresses;
  addresses.reserve(cmd.rows.size());
  std::unordered_map<std::string, std::size_t> seen;
  for (std::size_t r = 0; r < cmd.rows.size(); ++r) {
    const ContactRow& row = cmd.rows[r];
    const std::string where = "row " + std::to_string(r + 1) + ": ";
    auto normal = normalize_address(cmd.channel, row.address);
    if (auto* e = std::get_if<Error>(&normal)) return error(e->code, where + e->message);
    if (!row.name.empty())
      if (auto e = check_name("name", row.name)) return error(e->code, where + e->message);
    if (auto e = check_form_limits(row.fields)) return error(e->code, where + e->message);
    std::string& a = addresses.emplace_back(std::move(std::get<std::string>(normal)));
    if (auto [it, fresh] = seen.emplace(a, r); !fresh)
      return error(ErrorCode::invalid_argument, where + "same address as row " + std::to_string(it->second + 1));
  }

  ContactsUploaded out{c.id, cmd.channel, cmd.list, actor.system ? kNoUser : actor.user, {}, {}};
  for (std::size_t r = 0; r < cmd.rows.size(); ++r) {
    const ContactRow& row = cmd.rows[r];
    ContactId contact = 0;
    if (const Contact* existing = find_contact_by_address(cmd.channel, addresses[r])) {
      contact = existing->id;  // the CRM record stays as it is
    } else {
      Contact fresh{++last_contact_id_, row.name.empty() ? addresses[r] : row.name,
                    {ContactAddress{cmd.channel, addresses[r]}}, row.fields};
      contact = fresh.id;
      index_contact(fresh);
      out.created.push_back(fresh);
      contacts_.emplace(fresh.id, std::move(fresh));
    }
    Attempt a{++last_attempt_id_, c.id, cmd.channel, contact, addresses[r], cmd.list, due, AttemptOrigin::list, 0};
    attempts_.emplace(a.id, a);
    deadlines_.arm(DeadlineKind::attempt, a.id, a.due_at);
    out.attempts.push_back(std::move(a));
  }
  p.out->reply = CreatedReply{out.attempts.front().id};
  p.emit(hub_audience(c.id), std::move(out));
  return std::nullopt;
}

MaybeError Engine::on(const Actor& actor, const CancelAttempt& cmd, Pending& p) {
  auto it = attempts_.find(cmd.attempt);
  if (it == attempts_.end()) return error(ErrorCode::not_found, "no such scheduled attempt");
  if (!actor.system && !supervises(actor.user, it->second.campaign))
    return error(ErrorCode::permission_denied, "only administrators and the campaign's supervisors cancel attempts");
  cancel_attempt(cmd.attempt, AttemptCancelReason::cancelled, actor.system ? kNoUser : actor.user, p);
  return std::nullopt;
}

void Engine::schedule(Attempt a, UserId by, Pending& p) {
  Audience audience = hub_audience(a.campaign);
  if (by != kNoUser) audience.users.push_back(by);
  deadlines_.arm(DeadlineKind::attempt, a.id, a.due_at);
  attempts_.emplace(a.id, a);
  p.emit(std::move(audience), AttemptScheduled{std::move(a), by});
}

void Engine::cancel_attempt(AttemptId id, AttemptCancelReason reason, UserId by, Pending& p) {
  auto it = attempts_.find(id);
  if (it == attempts_.end()) return;
  const CampaignId campaign = it->second.campaign;
  deadlines_.disarm(DeadlineKind::attempt, id);
  attempts_.erase(it);
  p.emit(hub_audience(campaign), AttemptCancelled{id, campaign, reason, by});
}

void Engine::carry_out(AttemptId id, Pending& p) {
  Attempt a = attempts_.at(id);
  const Campaign& c = campaigns_.at(a.campaign);
  if (c.archived) return cancel_attempt(id, AttemptCancelReason::campaign_archived, kNoUser, p);
  if (!c.settings.has(a.channel)) return cancel_attempt(id, AttemptCancelReason::channel_disabled, kNoUser, p);
  deadlines_.disarm(DeadlineKind::attempt, id);
  attempts_.erase(id);
  Interaction i;
  i.id = ++last_interaction_id_;
  i.campaign = a.campaign;
  i.channel = a.channel;
  i.direction = Direction::outbound;
  i.customer = a.address;
  i.created_at = p.now;
  i.attempt = a.id;
  i.contact = contacts_.count(a.contact) ? a.contact : 0;
  i.account = account_for(c, a.channel);
  auto& stored = interactions_.emplace(i.id, std::move(i)).first->second;
  stored.state = InteractionState::pending;
  index_conversation(stored);  // unless the customer has an open one already
  p.emit(inbox_audience(stored),
         InteractionOpened{stored.id, stored.campaign, stored.channel, stored.direction, stored.customer,
                           stored.priority, stored.state, stored.attempt, stored.contact, stored.account});
  enqueue(stored, p);
}

MaybeError Engine::check_reschedule(const Interaction& i, const std::optional<TimePoint>& at, TimePoint now) const {
  if (!i.hub()) return error(ErrorCode::failed_precondition, "reschedule is only for Outbound Hub interactions");
  if (!at) return error(ErrorCode::invalid_argument, "a reschedule disposition needs the date and time of the next attempt");
  if (*at <= now) return error(ErrorCode::invalid_argument, "the reschedule time must be in the future");
  if (*at > now + kMaxAhead) return error(ErrorCode::invalid_argument, "reschedules are at most 400 days ahead");
  return std::nullopt;
}

void Engine::replan(Interaction& i, std::optional<TimePoint> at, UserId by, Pending& p) {
  if (i.next_attempt) cancel_attempt(i.next_attempt, AttemptCancelReason::disposition_changed, by, p);
  i.next_attempt = 0;
  if (!at) return;
  Attempt a{++last_attempt_id_, i.campaign, i.channel, i.contact, i.customer, "", *at, AttemptOrigin::reschedule, i.id};
  i.next_attempt = a.id;
  schedule(std::move(a), by, p);
}

}  // namespace contactd::core

namespace contactd::core {

MaybeError Engine::on(const Actor& actor, const StartInteraction& cmd, Pending& p) {
  User* me = user(actor.user);
  if (actor.system || !me) return error(ErrorCode::permission_denied, "interactions are started by users");
  auto cit = campaigns_.find(cmd.campaign);
  if (cit == campaigns_.end() || !me->campaigns.count(cmd.campaign)) return error(ErrorCode::not_found, "no such campaign of yours");
  const Campaign& c = cit->second;
  if (c.archived) return error(ErrorCode::failed_precondition, "the campaign is archived");
  if (!c.settings.has(cmd.channel))
    return error(ErrorCode::failed_precondition,
                 "the campaign does not have the " + std::string(to_string(cmd.channel)) + " channel enabled");
  if (!c.members.at(me->id).outbound.test(index(cmd.channel)))
    return error(ErrorCode::permission_denied, "you have no outbound permission in this channel of this campaign (R-OUT-1)");
  if (!can_start(cmd.channel))
    return error(ErrorCode::invalid_argument, "conversations in " + std::string(to_string(cmd.channel)) + " start with the customer");
  auto address = normalize_address(cmd.channel, cmd.address);
  if (auto* e = std::get_if<Error>(&address)) return *e;
  const bool call = cmd.channel == Channel::phone;
  if (call) {  // R-OUT-2: the agent's phone rings first, then the customer's
    if (!cmd.text.empty() || !cmd.attachments.empty())
      return error(ErrorCode::invalid_argument, "a call carries no text or attachments");
    if (!me->phone) return error(ErrorCode::failed_precondition, "register your phone to place calls");
    if (me->ringing || me->active[index(Channel::phone)] >= capacity(*me, c, Channel::phone))
      return error(ErrorCode::failed_precondition, "your phone is busy");
  }
  const AccountId account = call ? 0 : account_for(c, cmd.channel);
  std::string text = cmd.text;
  if (!call) {
    // R-OUT-3: the customer has not written in this conversation, so the
    // window is closed: WhatsApp starts with an approved template.
    if (has_window(cmd.channel) && !cmd.template_use)
      return error(ErrorCode::failed_precondition,
                   "the first WhatsApp message of an outbound interaction must be an approved template");
    if (cmd.template_use) {
      auto filled = use_template(account, *cmd.template_use, cmd.text, cmd.attachments, cmd.channel,
                                 c.settings.channels[index(cmd.channel)].provider);
      if (auto* e = std::get_if<Error>(&filled)) return *e;
      text = std::move(std::get<std::string>(filled));
    } else {
      if (auto e = check_text(cmd.text, !cmd.attachments.empty())) return e;
      if (auto e = check_attachments(cmd.channel, c.settings.channels[index(cmd.channel)].provider, cmd.attachments))
        return e;
    }
    if (const Interaction* open = find_conversation(account, std::get<std::string>(address)))
      return error(ErrorCode::failed_precondition, "this customer already has an open conversation on that number (interaction " +
                                                       std::to_string(open->id) + ")");
  } else if (cmd.template_use) {
    return error(ErrorCode::invalid_argument, "a call carries no template");
  }

  Interaction i;
  i.id = ++last_interaction_id_;
  i.campaign = c.id;
  i.channel = cmd.channel;
  i.direction = Direction::outbound;
  i.customer = std::move(std::get<std::string>(address));
  i.created_at = p.now;
  i.state = InteractionState::active;  // straight to the caller's Active tab
  i.account = account;
  if (const Contact* known = find_contact_by_address(cmd.channel, i.customer)) i.contact = known->id;
  p.out->reply = CreatedReply{i.id};
  Interaction& stored = interactions_.emplace(i.id, std::move(i)).first->second;
  index_conversation(stored);  // the customer's answer joins it
  Audience mine;
  mine.users = {me->id};
  mine.administrators = true;
  p.emit(mine, InteractionOpened{stored.id, stored.campaign, stored.channel, stored.direction, stored.customer,
                                 stored.priority, stored.state, 0, stored.contact, stored.account});
  assign(stored, *me, AssignHow::started, 1, {Candidate{me->id, 0}}, p);
  if (call) {
    p.effect(PlaceCall{stored.id, stored.customer, me->id, me->phone->contact, c.settings.ring_timeout});
  } else {
    const Provider provider = provider_of(stored);
    MessagePosted m{stored.id, ++last_message_id_, Sender::agent, me->id, me->display_name, std::move(text), cmd.attachments,
                    provider == Provider::builtin ? MessageState::delivered : MessageState::queued, "", std::nullopt,
                    cmd.template_use};
    post(stored, std::move(m), p);
  }
  if (me->drafts.erase(cmd.channel)) {
    Audience own;
    own.users = {me->id};
    p.emit(std::move(own), DraftSaved{me->id, cmd.channel, 0, {}});
  }
  return std::nullopt;
}

}  // namespace contactd::core
