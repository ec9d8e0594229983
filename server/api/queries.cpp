// Reads beyond the snapshot: transfer targets, Outbound Hub attempts, CRM
// contacts (scoped by R-SEC-4/CRM, core/contact_scope.h), forms, and spying
// on one interaction (R-SUP-1). Permission checks run on the engine strand;
// database reads run on the workers.
#include "api/command_context.h"
#include "core/contact_scope.h"
#include "store/history.h"
#include "wire/campaign_mapping.h"
#include "wire/mapping.h"
#include "wire/outbound_mapping.h"
#include "wire/provider_mapping.h"

namespace contactd::api {
namespace {

using core::Outcome;

void list_transfer_targets(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  answer_for_session(s, peer, rid,
                     [interaction = command.list_transfer_targets().interaction_id()](
                         core::Engine& e, core::TimePoint now, const core::Session& session, v1::Response& response) {
                       auto result = e.transfer_targets(session.user, interaction, now);
                       if (auto* err = std::get_if<core::Error>(&result)) return Outcome::failure(err->code, err->message);
                       wire::to_proto(std::get<core::TransferTargets>(result), response.mutable_transfer_targets());
                       return Outcome{};
                     });
}

void list_attempts(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto& q = command.list_attempts();
  if (q.limit() > 1000) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "limit is at most 1000"));
  const std::size_t limit = q.limit() ? q.limit() : 100;
  answer_for_session(s, peer, rid,
                     [campaign = q.campaign_id(), limit](core::Engine& e, core::TimePoint, const core::Session& session,
                                                         v1::Response& response) {
                       if (!e.find_campaign(campaign)) return Outcome::failure(core::ErrorCode::not_found, "no such campaign");
                       if (!e.supervises(session.user, campaign))
                         return Outcome::failure(core::ErrorCode::permission_denied,
                                                 "only administrators and the campaign's supervisors");
                       auto* list = response.mutable_attempt_list();
                       for (const auto& a : e.scheduled_attempts(campaign, limit)) wire::to_proto(a, list->add_attempts());
                       return Outcome{};
                     });
}

// R-SEC-4/CRM: records only, never their interactions (get_contact scopes those).
void search_contacts(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto& q = command.search_contacts();
  if (q.text().empty() || q.text().size() > 200 || q.limit() > 100)
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "text is 1 to 200 bytes and limit at most 100"));
  const std::size_t limit = q.limit() ? q.limit() : 20;
  answer_for_session(s, peer, rid,
                     [text = q.text(), limit](core::Engine& e, core::TimePoint, const core::Session&,
                                              v1::Response& response) {
                       auto* list = response.mutable_contact_list();
                       for (const core::Contact* c : e.search_contacts(text, limit)) wire::to_proto(*c, list->add_contacts());
                       return Outcome{};
                     });
}

// R-SEC-4/CRM: the record is shared; its interactions are the caller's
// interaction scope's only (the scope of history).
void get_contact(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto id = command.get_contact().contact_id();
  auto response = std::make_shared<v1::Response>();
  auto scope = std::make_shared<store::HistoryQuery>();
  s.host.execute(
      [connection = peer->id(), id, response, scope](core::Engine& e, core::TimePoint) {
        const core::Session* session = e.session_of(connection);
        if (!session) return not_logged_in();
        const core::Contact* c = e.find_contact(id);
        if (!c) return Outcome::failure(core::ErrorCode::not_found, "no such contact");
        core::InteractionScope visible = core::interaction_scope(*e.find_user(session->user));
        scope->visible_campaigns = std::move(visible.campaigns);
        scope->only_owner = visible.only_owner;
        wire::to_proto(*c, response->mutable_contact_list()->add_contacts());
        return Outcome{};
      },
      [&s, peer, rid, id, response, scope](const Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        on_worker(s, peer, rid, [&s, peer, rid, id, response, scope] {
          for (auto& i : s.history.contact_interactions(id, *scope, 20))
            *response->mutable_contact_list()->add_interactions() = std::move(i);
          peer->send(response_frame(rid, *response));
        });
      });
}

void get_form(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto campaign = command.get_form().campaign_id();
  const auto interaction = command.get_form().interaction_id();
  if (!campaign && !interaction)
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "interaction_id or campaign_id is required"));
  auto response = std::make_shared<v1::Response>();
  s.host.execute(
      [connection = peer->id(), campaign, interaction, response](core::Engine& e, core::TimePoint) {
        const core::Session* session = e.session_of(connection);
        if (!session) return not_logged_in();
        if (auto err = e.may_open_form(session->user, campaign, interaction))
          return Outcome::failure(err->code, err->message);
        const core::CampaignId cid = interaction ? e.find_interaction(interaction)->campaign : campaign;
        auto* view = response->mutable_form_view();
        view->set_campaign_id(cid);
        view->set_interaction_id(interaction);
        v1::CampaignSettings settings;
        wire::to_proto(e.find_campaign(cid)->settings, &settings);
        *view->mutable_form() = settings.form();
        const core::User* me = e.find_user(session->user);
        if (auto d = me->form_drafts.find(cid); d != me->form_drafts.end())
          wire::to_proto(cid, d->second, view->mutable_draft());
        if (interaction)
          if (const core::Contact* c = e.find_contact(e.find_interaction(interaction)->contact))
            wire::to_proto(*c, view->mutable_contact());
        return Outcome{};
      },
      [&s, peer, rid, interaction, response](const Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        if (!interaction) return peer->send(response_frame(rid, *response));
        on_worker(s, peer, rid, [&s, peer, rid, interaction, response] {
          for (auto& [k, v] : s.history.saved_form(interaction)) (*response->mutable_form_view()->mutable_saved())[k] = v;
          peer->send(response_frame(rid, *response));
        });
      });
}

void spy(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto id = command.spy().interaction_id();
  const bool stop = command.spy().stop();
  auto response = std::make_shared<v1::Response>();
  auto session = std::make_shared<core::SessionId>();
  auto up_to = std::make_shared<core::EventSeq>();
  s.host.execute(
      [connection = peer->id(), id, stop, response, session, up_to](core::Engine& e, core::TimePoint) {
        const core::Session* caller = e.session_of(connection);
        if (!caller) return not_logged_in();
        *session = caller->id;
        if (stop) return Outcome{};
        const core::Interaction* i = e.find_interaction(id);
        if (!i) return Outcome::failure(core::ErrorCode::not_found, "no such open interaction");
        if (!e.supervises(caller->user, i->campaign))
          return Outcome::failure(core::ErrorCode::permission_denied, "only the campaign's supervisors and administrators spy");
        wire::to_proto(*i, response->mutable_interaction_detail()->mutable_interaction());
        *up_to = e.last_seq();
        return Outcome{};
      },
      // On the strand, before any later event is published: from here on
      // the session gets the interaction's events live.
      [&s, peer, rid, id, stop, response, session, up_to](const Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        if (stop) {
          s.streams.spy(*session, id, false);
          return peer->send(ack_frame(rid));
        }
        if (!s.streams.spy(*session, id, true))
          return peer->send(error_frame(rid, v1::FAILED_PRECONDITION, "at most 20 interactions may be spied at once"));
        on_worker(s, peer, rid, [&s, peer, rid, id, response, up_to] {
          s.history.timeline(id, *up_to, response->mutable_interaction_detail());
          peer->send(response_frame(rid, *response));
        });
      });
}

// Administrators: every account; others: their campaigns' accounts, to pick
// templates from. Never secrets (to_proto writes only their names).
void list_provider_accounts(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  answer_for_session(s, peer, rid,
                     [](core::Engine& e, core::TimePoint, const core::Session& session, v1::Response& response) {
                       const core::User& me = *e.find_user(session.user);
                       auto* list = response.mutable_provider_accounts();
                       for (const core::ProviderAccount* a : e.provider_accounts()) {
                         const auto served = e.served_by(a->id);
                         if (!core::is_admin(me.profile) && !(served && me.campaigns.count(served->first))) continue;
                         auto* out = list->add_accounts();
                         wire::to_proto(*a, out);
                         if (!core::is_admin(me.profile)) out->clear_secret_names();
                         for (const auto& t : e.templates(a->id)) wire::to_proto(t, out->add_templates());
                       }
                       return Outcome{};
                     });
}

}  // namespace

void add_query_commands(HandlerTable& table) {
  table[v1::Command::kListTransferTargets] = list_transfer_targets;
  table[v1::Command::kListAttempts] = list_attempts;
  table[v1::Command::kSearchContacts] = search_contacts;
  table[v1::Command::kGetContact] = get_contact;
  table[v1::Command::kGetForm] = get_form;
  table[v1::Command::kSpy] = spy;
  table[v1::Command::kListProviderAccounts] = list_provider_accounts;
  table[v1::Command::kGetMessages] = get_messages;
}

}  // namespace contactd::api
