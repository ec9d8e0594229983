#include "wire/mapping.h"

#include "core/overloaded.h"


#include "wire/campaign_mapping.h"
#include "wire/outbound_mapping.h"
#include "wire/provider_mapping.h"

namespace contactd::wire {
namespace {

using core::Overloaded;

}  // namespace

v1::ErrorCode to_proto(core::ErrorCode code) {
  using C = core::ErrorCode;
  switch (code) {
    case C::invalid_argument: return v1::INVALID_ARGUMENT;
    case C::not_found: return v1::NOT_FOUND;
    case C::already_exists: return v1::ALREADY_EXISTS;
    case C::permission_denied: return v1::PERMISSION_DENIED;
    case C::unauthenticated: return v1::UNAUTHENTICATED;
    case C::failed_precondition: return v1::FAILED_PRECONDITION;
    case C::unavailable: return v1::UNAVAILABLE;
    case C::internal: return v1::INTERNAL;
  }
  return v1::INTERNAL;
}

v1::Profile to_proto(core::Profile p) {
  switch (p) {
    case core::Profile::agent: return v1::AGENT;
    case core::Profile::supervisor: return v1::SUPERVISOR;
    case core::Profile::administrator: return v1::ADMINISTRATOR;
    case core::Profile::super_user: return v1::SUPER_USER;
  }
  return v1::PROFILE_UNSPECIFIED;
}

void to_proto(const core::UserView& in, v1::UserState* out) {
  out->set_id(in.id);
  out->set_login(in.login);
  out->set_display_name(in.display_name);
  out->set_profile(to_proto(in.profile));
  for (auto c : in.campaigns) out->add_campaign_ids(c);
  out->set_connected(in.connected);
  out->set_presence_since_ms(core::to_unix_ms(in.presence_since));
  out->set_status_id(in.status.value_or(0));
  out->set_status_since_ms(core::to_unix_ms(in.status_since));
  if (in.wrap_up_until) out->set_wrap_up_until_ms(core::to_unix_ms(*in.wrap_up_until));
  out->set_phone_registered(in.phone_registered);
}

void to_proto(const core::Interaction& in, v1::Interaction* out) {
  out->set_id(in.id);
  out->set_campaign_id(in.campaign);
  out->set_channel(to_proto(in.channel));
  out->set_direction(static_cast<v1::Direction>(static_cast<int>(in.direction) + 1));
  out->set_state(static_cast<v1::InteractionState>(static_cast<int>(in.state) + 1));
  out->set_customer(in.customer);
  out->set_priority(in.priority);
  out->set_owner_id(in.owner);
  out->set_created_at_ms(core::to_unix_ms(in.created_at));
  out->set_assigned_at_ms(in.owner != core::kNoUser ? core::to_unix_ms(in.assigned_at) : 0);
  if (in.transfer) {
    auto* t = out->mutable_transfer();
    t->set_from(in.transfer->from);
    t->set_to_agent(in.transfer->to_agent);
    t->set_to_campaign(in.transfer->to_campaign);
    t->set_from_campaign(in.transfer->from_campaign);
    t->set_deadline_ms(core::to_unix_ms(in.transfer->deadline));
  }
  if (in.disposition) {
    auto* d = out->mutable_disposition();
    for (auto id : in.disposition->path) d->add_path(id);
    d->set_comment(in.disposition->comment);
    d->set_reschedule_at_ms(in.disposition->reschedule_at ? core::to_unix_ms(*in.disposition->reschedule_at) : 0);
  }
  out->set_attempt_id(in.attempt);
  out->set_contact_id(in.contact);
  for (auto agent : in.call.ringing) out->add_ringing_agent_ids(agent);
  out->set_on_hold(in.call.held);
  out->set_muted(in.call.muted);
  out->set_display_name(in.display_name);
  out->set_customer_alt_id(in.customer_alt_id);
  out->set_last_customer_message_at_ms(in.last_customer_message_at ? core::to_unix_ms(*in.last_customer_message_at) : 0);
  out->set_account_id(in.account);
  if (in.last_message) to_proto(*in.last_message, out->mutable_last_message());
}

void to_proto(const core::MessagePreview& in, v1::MessagePreview* out) {
  out->set_message_id(in.message);
  out->set_sender(static_cast<v1::Sender>(static_cast<int>(in.sender) + 1));
  out->set_author_name(in.author_name);
  out->set_text(in.text);
  out->set_created_at_ms(core::to_unix_ms(in.created_at));
  out->set_attachment_count(in.attachments);
}

void to_proto(const core::TransferTargets& in, v1::TransferTargets* out) {
  for (const auto& c : in.campaigns) {
    auto* pc = out->add_campaigns();
    pc->set_id(c.id);
    pc->set_name(c.name);
    pc->set_inside_hours(c.inside_hours);
    for (const auto& a : c.agents) {
      auto* pa = pc->add_agents();
      pa->set_id(a.id);
      pa->set_display_name(a.name);
      pa->set_available(a.available);
    }
  }
}

void to_proto(const core::Snapshot& in, v1::Snapshot* out) {
  to_proto(in.me, out->mutable_me());
  for (const auto& c : in.campaigns) {
    auto* pc = out->add_campaigns();
    pc->set_id(c.id);
    pc->set_name(c.name);
    pc->set_archived(c.archived);
    to_proto(c.settings, pc->mutable_settings());
  }
  for (const auto& s : in.statuses) {
    auto* ps = out->add_statuses();
    ps->set_id(s.id);
    ps->set_name(s.name);
  }
  for (const auto& u : in.overseen) to_proto(u, out->add_overseen());
  for (const auto& i : in.pending) to_proto(i, out->add_pending());
  out->set_pending_total(in.pending_total);
  for (const auto& i : in.active) to_proto(i, out->add_active());
  for (const auto& i : in.finished) to_proto(i, out->add_finished());
  for (const auto& i : in.offered) to_proto(i, out->add_offered());
  for (const auto& o : in.outbound) {
    auto* po = out->add_outbound();
    po->set_channel(to_proto(o.channel));
    for (auto c : o.campaigns) po->add_campaign_ids(c);
  }
  for (const auto& [channel, draft] : in.drafts) {
    auto* d = out->add_drafts();
    d->set_channel(to_proto(channel));
    d->set_campaign_id(draft.campaign);
    for (const auto& [k, v] : draft.fields) (*d->mutable_fields())[k] = v;
  }
  for (const auto& [campaign, draft] : in.form_drafts) to_proto(campaign, draft, out->add_form_drafts());
  for (const auto& f : in.manual_forms) to_proto(f, out->add_manual_forms());
}

void to_proto(const core::Event& in, v1::Event* out) {
  out->set_journal_seq(in.seq);
  out->set_at_ms(core::to_unix_ms(in.at));
  std::visit(Overloaded{
                 [&](const core::PresenceChanged& e) {
                   auto* m = out->mutable_presence_changed();
                   m->set_user_id(e.user);
                   m->set_connected(e.connected);
                 },
                 [&](const core::AgentStatusChanged& e) {
                   auto* m = out->mutable_agent_status_changed();
                   m->set_user_id(e.user);
                   m->set_status_id(e.status.value_or(0));
                   m->set_changed_by(e.changed_by);
                 },
                 [&](const core::CampaignCreated& e) {
                   auto* m = out->mutable_campaign_created();
                   m->set_campaign_id(e.campaign);
                   m->set_name(e.name);
                   to_proto(e.settings, m->mutable_settings());
                 },
                 [&](const core::CampaignArchived& e) {
                   auto* m = out->mutable_campaign_archived();
                   m->set_campaign_id(e.campaign);
                   m->set_archived(e.archived);
                 },
                 [&](const core::CampaignUpdated& e) {
                   auto* m = out->mutable_campaign_updated();
                   m->set_campaign_id(e.campaign);
                   to_proto(e.settings, m->mutable_settings());
                 },
                 [&](const core::UserCreated& e) {
                   auto* m = out->mutable_user_created();
                   m->set_user_id(e.user);
                   m->set_login(e.login);
                   m->set_display_name(e.display_name);
                   m->set_profile(to_proto(e.profile));
                 },
                 [&](const core::MembershipChanged& e) {
                   auto* m = out->mutable_membership_changed();
                   m->set_user_id(e.user);
                   m->set_campaign_id(e.campaign);
                   m->set_member(e.member);
                   m->set_order(e.order);
                   for (std::size_t i = 0; i < core::kChannelCount; ++i)
                     if (e.outbound.test(i)) m->add_outbound(to_proto(static_cast<core::Channel>(i)));
                 },
                 [&](const core::StatusDefined& e) {
                   auto* m = out->mutable_status_defined();
                   m->set_status_id(e.status);
                   m->set_name(e.name);
                 },
                 [&](const core::SessionOpened& e) {
                   auto* m = out->mutable_session_opened();
                   m->set_session_id(e.session);
                   m->set_user_id(e.user);
                   m->set_expires_at_ms(core::to_unix_ms(e.expires_at));
                 },
                 [&](const core::SessionEnded& e) {
                   auto* m = out->mutable_session_ended();
                   m->set_session_id(e.session);
                   m->set_user_id(e.user);
                   m->set_reason(std::string(core::to_string(e.reason)));
                 },
                 [&](const core::InteractionOpened& e) {
                   auto* m = out->mutable_interaction_opened();
                   m->set_interaction_id(e.interaction);
                   m->set_campaign_id(e.campaign);
                   m->set_channel(to_proto(e.channel));
                   m->set_direction(static_cast<v1::Direction>(static_cast<int>(e.direction) + 1));
                   m->set_customer(e.customer);
                   m->set_priority(e.priority);
                   m->set_state(static_cast<v1::InteractionState>(static_cast<int>(e.state) + 1));
                   m->set_attempt_id(e.attempt);
                   m->set_contact_id(e.contact);
                 },
                 [&](const core::StatusUpdated& e) {
                   auto* m = out->mutable_status_updated();
                   m->set_status_id(e.status);
                   m->set_name(e.name);
                   m->set_removed(e.removed);
                 },
                 [&](const core::UserUpdated& e) {
                   auto* m = out->mutable_user_updated();
                   m->set_user_id(e.user);
                   m->set_display_name(e.display_name);
                   m->set_profile(to_proto(e.profile));
                   m->set_active(e.active);
                   for (std::size_t k = 0; k < core::kChannelCount; ++k) {
                     if (!e.capacity[k]) continue;
                     auto* c = m->add_capacity();
                     c->set_channel(to_proto(static_cast<core::Channel>(k)));
                     c->set_capacity(e.capacity[k]);
                   }
                 },
                 [&](const core::ContactSaved& e) {
                   auto* m = out->mutable_contact_saved();
                   to_proto(e.contact, m->mutable_contact());
                   m->set_by(e.by);
                   m->set_linked_interaction_id(e.linked);
                 },
                 [&](const core::ContactsUploaded& e) {
                   auto* m = out->mutable_contacts_uploaded();
                   m->set_campaign_id(e.campaign);
                   m->set_channel(to_proto(e.channel));
                   m->set_list(e.list);
                   m->set_by(e.by);
                   for (const auto& c : e.created) to_proto(c, m->add_created());
                   for (const auto& a : e.attempts) to_proto(a, m->add_attempts());
                 },
                 [&](const core::AttemptScheduled& e) {
                   auto* m = out->mutable_attempt_scheduled();
                   to_proto(e.attempt, m->mutable_attempt());
                   m->set_by(e.by);
                 },
                 [&](const core::AttemptCancelled& e) {
                   auto* m = out->mutable_attempt_cancelled();
                   m->set_attempt_id(e.attempt);
                   m->set_campaign_id(e.campaign);
                   m->set_reason(to_proto(e.reason));
                   m->set_by(e.by);
                 },
                 [&](const core::FormSaved& e) {
                   auto* m = out->mutable_form_saved();
                   m->set_campaign_id(e.campaign);
                   m->set_interaction_id(e.interaction);
                   m->set_by(e.by);
                   for (const auto& [k, v] : e.fields) (*m->mutable_fields())[k] = v;
                 },
                 [&](const core::WrapUpStarted& e) {
                   auto* m = out->mutable_wrap_up_started();
                   m->set_user_id(e.user);
                   m->set_campaign_id(e.campaign);
                   m->set_interaction_id(e.interaction);
                   m->set_until_ms(core::to_unix_ms(e.until));
                 },
                 [&](const core::PhoneRegistered& e) {
                   auto* m = out->mutable_phone_registered();
                   m->set_user_id(e.user);
                   m->set_contact(e.contact);
                   m->set_source(e.source);
                   m->set_expires_at_ms(core::to_unix_ms(e.expires_at));
                 },
                 [&](const core::PhoneUnregistered& e) {
                   auto* m = out->mutable_phone_unregistered();
                   m->set_user_id(e.user);
                   m->set_reason(static_cast<v1::PhoneGone>(static_cast<int>(e.reason) + 1));
                 },
                 [&](const core::CallOffered& e) {
                   auto* m = out->mutable_call_offered();
                   m->set_interaction_id(e.interaction);
                   for (auto a : e.agents) m->add_agent_ids(a);
                   m->set_until_ms(core::to_unix_ms(e.until));
                 },
                 [&](const core::CallMissed& e) {
                   auto* m = out->mutable_call_missed();
                   m->set_interaction_id(e.interaction);
                   for (auto a : e.agents) m->add_agent_ids(a);
                 },
                 [&](const core::CallAbandoned& e) {
                   auto* m = out->mutable_call_abandoned();
                   m->set_interaction_id(e.interaction);
                   m->set_campaign_id(e.campaign);
                 },
                 [&](const core::InteractionAbandoned& e) {
                   auto* m = out->mutable_interaction_abandoned();
                   m->set_interaction_id(e.interaction);
                   m->set_campaign_id(e.campaign);
                 },
                 [&](const core::CallHeld& e) {
                   auto* m = out->mutable_call_held();
                   m->set_interaction_id(e.interaction);
                   m->set_held(e.held);
                   m->set_by(e.by);
                 },
                 [&](const core::CallMuted& e) {
                   auto* m = out->mutable_call_muted();
                   m->set_interaction_id(e.interaction);
                   m->set_muted(e.muted);
                   m->set_by(e.by);
                 },
                 [&](const core::CallFailed& e) {
                   auto* m = out->mutable_call_failed();
                   m->set_interaction_id(e.interaction);
                   m->set_reason(static_cast<v1::CallEndReason>(static_cast<int>(e.reason) + 1));
                 },
                 [&](const core::DigitsSent& e) {
                   auto* m = out->mutable_digits_sent();
                   m->set_interaction_id(e.interaction);
                   m->set_count(e.count);
                   m->set_by(e.by);
                 },
                 [&](const core::WrapUpEnded& e) {
                   auto* m = out->mutable_wrap_up_ended();
                   m->set_user_id(e.user);
                   m->set_early(e.early);
                 },
                 [&](const core::FormDraftSaved& e) {
                   auto* m = out->mutable_form_draft_saved();
                   m->set_user_id(e.user);
                   m->set_campaign_id(e.campaign);
                   if (e.draft) to_proto(e.campaign, *e.draft, m->mutable_draft());
                 },
                 [&](const core::InteractionQueued& e) {
                   auto* m = out->mutable_interaction_queued();
                   m->set_interaction_id(e.interaction);
                   m->set_campaign_id(e.campaign);
                   m->set_reason(static_cast<v1::QueueReason>(static_cast<int>(e.reason) + 1));
                 },
                 [&](const core::BotDeadlineSet& e) {
                   auto* m = out->mutable_bot_deadline_set();
                   m->set_interaction_id(e.interaction);
                   m->set_deadline_ms(e.deadline ? core::to_unix_ms(*e.deadline) : 0);
                 },
                 [&](const core::InteractionAssigned& e) {
                   auto* m = out->mutable_interaction_assigned();
                   m->set_interaction_id(e.interaction);
                   m->set_campaign_id(e.campaign);
                   m->set_agent_id(e.agent);
                   m->set_how(static_cast<v1::AssignHow>(static_cast<int>(e.how) + 1));
                   m->set_strategy(to_proto(e.strategy));
                   m->set_candidates(e.candidates);
                   for (const auto& c : e.considered) {
                     auto* pc = m->add_considered();
                     pc->set_agent_id(c.agent);
                     pc->set_score(c.score);
                   }
                 },
                 [&](const core::InteractionFinished& e) {
                   auto* m = out->mutable_interaction_finished();
                   m->set_interaction_id(e.interaction);
                   m->set_by(e.by);
                   if (e.reason != core::CallEndReason::completed)
                     m->set_reason(static_cast<v1::CallEndReason>(static_cast<int>(e.reason) + 1));
                 },
                 [&](const core::DispositionSaved& e) {
                   auto* m = out->mutable_disposition_saved();
                   m->set_interaction_id(e.interaction);
                   for (auto id : e.path) m->add_path(id);
                   m->set_comment(e.comment);
                   m->set_reschedule_at_ms(e.reschedule_at ? core::to_unix_ms(*e.reschedule_at) : 0);
                   m->set_by(e.by);
                 },
                 [&](const core::InteractionClosed& e) {
                   auto* m = out->mutable_interaction_closed();
                   m->set_interaction_id(e.interaction);
                   m->set_by(e.by);
                 },
                 [&](const core::TransferRequested& e) {
                   auto* m = out->mutable_transfer_requested();
                   m->set_interaction_id(e.interaction);
                   m->set_from(e.from);
                   m->set_to_agent(e.to_agent);
                   m->set_to_campaign(e.to_campaign);
                   m->set_deadline_ms(core::to_unix_ms(e.deadline));
                   m->set_to_number(e.to_number);
                   m->set_attended(e.attended);
                 },
                 [&](const core::ConsultationStarted& e) {
                   auto* m = out->mutable_consultation_started();
                   m->set_interaction_id(e.interaction);
                   m->set_agent_id(e.agent);
                 },
                 [&](const core::TransferCancelled& e) {
                   auto* m = out->mutable_transfer_cancelled();
                   m->set_interaction_id(e.interaction);
                   m->set_by(e.by);
                 },
                 [&](const core::MessagePosted& e) {
                   auto* m = out->mutable_message_posted();
                   m->set_interaction_id(e.interaction);
                   m->set_message_id(e.message);
                   m->set_sender(static_cast<v1::Sender>(static_cast<int>(e.sender) + 1));
                   m->set_author_id(e.author);
                   m->set_author_name(e.author_name);
                   m->set_text(e.text);
                   for (const auto& a : e.attachments) to_proto(a, m->add_attachments());
                   m->set_state(to_proto(e.state));
                   m->set_provider_message_id(e.provider_message_id);
                   if (e.reply) to_proto(*e.reply, m->mutable_reply());
                   if (e.template_use) to_proto(*e.template_use, m->mutable_template_());
                 },
                 [&](const core::MessageStatusChanged& e) {
                   auto* m = out->mutable_message_status_changed();
                   m->set_interaction_id(e.interaction);
                   m->set_message_id(e.message);
                   m->set_state(to_proto(e.state));
                   m->set_provider_message_id(e.provider_message_id);
                   m->set_error_code(e.error_code);
                   m->set_error_text(e.error_text);
                 },
                 [&](const core::AttachmentUpdated& e) {
                   auto* m = out->mutable_attachment_updated();
                   m->set_interaction_id(e.interaction);
                   m->set_message_id(e.message);
                   m->set_index(e.index);
                   to_proto(e.attachment, m->mutable_attachment());
                 },
                 [&](const core::ProviderAccountSaved& e) {  // secrets: never (provider_mapping.h)
                   to_proto(e.account, out->mutable_provider_account_saved()->mutable_account());
                 },
                 [&](const core::TemplateSaved& e) {
                   auto* m = out->mutable_template_saved();
                   m->set_account_id(e.account);
                   to_proto(e.definition, m->mutable_definition());
                 },
                 [&](const core::TemplateDeleted& e) {
                   auto* m = out->mutable_template_deleted();
                   m->set_account_id(e.account);
                   m->set_name(e.name);
                   m->set_language(e.language);
                 },
                 [&](const core::DraftSaved& e) {
                   auto* m = out->mutable_draft_saved();
                   m->set_user_id(e.user);
                   auto* d = m->mutable_draft();
                   d->set_channel(to_proto(e.channel));
                   d->set_campaign_id(e.campaign);
                   for (const auto& [k, v] : e.fields) (*d->mutable_fields())[k] = v;
                 },
                 [&](const core::AgentLoadChanged& e) {
                   auto* m = out->mutable_agent_load_changed();
                   m->set_user_id(e.user);
                   m->set_talk_ms(e.talk_ms);
                   m->set_idle_since_ms(core::to_unix_ms(e.idle_since));
                 },
                 [&](const core::CustomerDeparted& e) {
                   out->mutable_customer_departed()->set_interaction_id(e.interaction);
                 },
                 [&](const core::TransferTimedOut& e) {
                   auto* m = out->mutable_transfer_timed_out();
                   m->set_interaction_id(e.interaction);
                   m->set_returned_to(e.returned_to);
                 },
             },
             in.body);
}

std::string_view event_type(const core::Event& e) {
  return std::visit(Overloaded{
                        [](const core::PresenceChanged&) { return "presence_changed"; },
                        [](const core::AgentStatusChanged&) { return "agent_status_changed"; },
                        [](const core::CampaignCreated&) { return "campaign_created"; },
                        [](const core::UserCreated&) { return "user_created"; },
                        [](const core::MembershipChanged&) { return "membership_changed"; },
                        [](const core::StatusDefined&) { return "status_defined"; },
                        [](const core::SessionOpened&) { return "session_opened"; },
                        [](const core::SessionEnded&) { return "session_ended"; },
                        [](const core::CampaignUpdated&) { return "campaign_updated"; },
                        [](const core::CampaignArchived&) { return "campaign_archived"; },
                        [](const core::InteractionOpened&) { return "interaction_opened"; },
                        [](const core::InteractionQueued&) { return "interaction_queued"; },
                        [](const core::BotDeadlineSet&) { return "bot_deadline_set"; },
                        [](const core::InteractionAssigned&) { return "interaction_assigned"; },
                        [](const core::InteractionFinished&) { return "interaction_finished"; },
                        [](const core::DispositionSaved&) { return "disposition_saved"; },
                        [](const core::InteractionClosed&) { return "interaction_closed"; },
                        [](const core::TransferRequested&) { return "transfer_requested"; },
                        [](const core::TransferTimedOut&) { return "transfer_timed_out"; },
                        [](const core::MessagePosted&) { return "message_posted"; },
                        [](const core::CustomerDeparted&) { return "customer_departed"; },
                        [](const core::AgentLoadChanged&) { return "agent_load_changed"; },
                        [](const core::DraftSaved&) { return "draft_saved"; },
                        [](const core::StatusUpdated&) { return "status_updated"; },
                        [](const core::UserUpdated&) { return "user_updated"; },
                        [](const core::ContactSaved&) { return "contact_saved"; },
                        [](const core::ContactsUploaded&) { return "contacts_uploaded"; },
                        [](const core::AttemptScheduled&) { return "attempt_scheduled"; },
                        [](const core::AttemptCancelled&) { return "attempt_cancelled"; },
                        [](const core::FormSaved&) { return "form_saved"; },
                        [](const core::FormDraftSaved&) { return "form_draft_saved"; },
                        [](const core::WrapUpStarted&) { return "wrap_up_started"; },
                        [](const core::WrapUpEnded&) { return "wrap_up_ended"; },
                        [](const core::PhoneRegistered&) { return "phone_registered"; },
                        [](const core::PhoneUnregistered&) { return "phone_unregistered"; },
                        [](const core::CallOffered&) { return "call_offered"; },
                        [](const core::CallMissed&) { return "call_missed"; },
                        [](const core::CallAbandoned&) { return "call_abandoned"; },
                        [](const core::InteractionAbandoned&) { return "interaction_abandoned"; },
                        [](const core::CallHeld&) { return "call_held"; },
                        [](const core::CallMuted&) { return "call_muted"; },
                        [](const core::DigitsSent&) { return "digits_sent"; },
                        [](const core::CallFailed&) { return "call_failed"; },
                        [](const core::ConsultationStarted&) { return "consultation_started"; },
                        [](const core::TransferCancelled&) { return "transfer_cancelled"; },
                        [](const core::MessageStatusChanged&) { return "message_status_changed"; },
                        [](const core::AttachmentUpdated&) { return "attachment_updated"; },
                        [](const core::ProviderAccountSaved&) { return "provider_account_saved"; },
                        [](const core::TemplateSaved&) { return "template_saved"; },
                        [](const core::TemplateDeleted&) { return "template_deleted"; },
                    },
                    e.body);
}

}  // namespace contactd::wire
