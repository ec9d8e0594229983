// Reads beyond the snapshot: Outbound Hub attempts, CRM contacts (scoped by
// R-SEC-4/CRM, core/contact_scope.h), forms, and spying on one interaction
// (R-SUP-1). Permission checks run on the engine strand; database reads run
// on the workers.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/command_mapping.h"
#include "api/dispatcher.h"
#include "api/frames.h"
#include "sip/digest.h"
#include "store/history.h"
#include "wire/campaign_mapping.h"
#include "wire/mapping.h"
#include "wire/outbound_mapping.h"

namespace contactd::api {
namespace {

namespace net = boost::asio;
using core::Outcome;


// Answers from a worker: database errors become UNAVAILABLE.
template <class Fn>
void on_worker(net::thread_pool& workers, const PeerPtr& peer, std::uint64_t rid, Fn fn) {
  net::post(workers, [peer, rid, fn = std::move(fn)]() mutable {
    try {
      fn();
    } catch (const std::exception&) {
      peer->send(error_frame(rid, v1::UNAVAILABLE, "the database is unavailable; try again"));
    }
  });
}

}  // namespace

bool Dispatcher::on_query(const PeerPtr& peer, std::uint64_t rid, const v1::Command& command) {
  const core::ConnectionId connection = peer->id();
  auto response = std::make_shared<v1::Response>();
  auto reply = [peer, rid, response](const Outcome& o) {
    peer->send(o.ok() ? response_frame(rid, *response) : error_frame(rid, *o.error));
  };
  switch (command.kind_case()) {
    case v1::Command::kListAttempts: {
      const auto& q = command.list_attempts();
      if (q.limit() > 1000) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "limit is at most 1000")), true;
      const std::size_t limit = q.limit() ? q.limit() : 100;
      host_.execute(
          [connection, campaign = q.campaign_id(), limit, response](core::Engine& e, core::TimePoint) {
            const core::Session* session = e.session_of(connection);
            if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            if (!e.find_campaign(campaign)) return core::Outcome::failure(core::ErrorCode::not_found, "no such campaign");
            if (!e.supervises(session->user, campaign))
              return core::Outcome::failure(core::ErrorCode::permission_denied, "only administrators and the campaign's supervisors");
            for (const auto& a : e.scheduled_attempts(campaign, limit))
              wire::to_proto(a, response->mutable_attempt_list()->add_attempts());
            response->mutable_attempt_list();
            return Outcome{};
          },
          reply);
      return true;
    }
    case v1::Command::kSearchContacts: {
      // R-SEC-4/CRM: records only, never their interactions (get_contact scopes those).
      const auto& q = command.search_contacts();
      if (q.text().empty() || q.text().size() > 200 || q.limit() > 100)
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "text is 1 to 200 bytes and limit at most 100")), true;
      const std::size_t limit = q.limit() ? q.limit() : 20;
      host_.execute(
          [connection, text = q.text(), limit, response](core::Engine& e, core::TimePoint) {
            if (!e.session_of(connection)) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            auto* list = response->mutable_contact_list();
            for (const core::Contact* c : e.search_contacts(text, limit)) wire::to_proto(*c, list->add_contacts());
            return Outcome{};
          },
          reply);
      return true;
    }
    case v1::Command::kGetContact: {
      // R-SEC-4/CRM: the record is shared; its interactions are the caller's
      // interaction scope's only (the scope of history).
      const auto id = command.get_contact().contact_id();
      auto scope = std::make_shared<store::HistoryQuery>();
      host_.execute(
          [connection, id, response, scope](core::Engine& e, core::TimePoint) {
            const core::Session* session = e.session_of(connection);
            if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            const core::Contact* c = e.find_contact(id);
            if (!c) return core::Outcome::failure(core::ErrorCode::not_found, "no such contact");
            core::InteractionScope visible = core::interaction_scope(*e.find_user(session->user));
            scope->visible_campaigns = std::move(visible.campaigns);
            scope->only_owner = visible.only_owner;
            wire::to_proto(*c, response->mutable_contact_list()->add_contacts());
            return Outcome{};
          },
          [this, peer, rid, id, response, scope](const Outcome& o) {
            if (!o.ok()) return peer->send(error_frame(rid, *o.error));
            on_worker(workers_, peer, rid, [this, peer, rid, id, response, scope] {
              for (auto& i : history_.contact_interactions(id, *scope, 20))
                *response->mutable_contact_list()->add_interactions() = std::move(i);
              peer->send(response_frame(rid, *response));
            });
          });
      return true;
    }
    case v1::Command::kGetForm: {
      const auto campaign = command.get_form().campaign_id();
      const auto interaction = command.get_form().interaction_id();
      if (!campaign && !interaction)
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "interaction_id or campaign_id is required")), true;
      host_.execute(
          [connection, campaign, interaction, response](core::Engine& e, core::TimePoint) {
            const core::Session* session = e.session_of(connection);
            if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            if (auto err = e.may_open_form(session->user, campaign, interaction)) return core::Outcome::failure(err->code, err->message);
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
          [this, peer, rid, interaction, response](const Outcome& o) {
            if (!o.ok()) return peer->send(error_frame(rid, *o.error));
            if (!interaction) return peer->send(response_frame(rid, *response));
            on_worker(workers_, peer, rid, [this, peer, rid, interaction, response] {
              for (auto& [k, v] : history_.saved_form(interaction)) (*response->mutable_form_view()->mutable_saved())[k] = v;
              peer->send(response_frame(rid, *response));
            });
          });
      return true;
    }
    case v1::Command::kSpy: {
      const auto id = command.spy().interaction_id();
      const bool stop = command.spy().stop();
      auto session = std::make_shared<core::SessionId>();
      auto up_to = std::make_shared<core::EventSeq>();
      host_.execute(
          [connection, id, stop, response, session, up_to](core::Engine& e, core::TimePoint) {
            const core::Session* s = e.session_of(connection);
            if (!s) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
            *session = s->id;
            if (stop) return Outcome{};
            const core::Interaction* i = e.find_interaction(id);
            if (!i) return core::Outcome::failure(core::ErrorCode::not_found, "no such open interaction");
            if (!e.supervises(s->user, i->campaign))
              return core::Outcome::failure(core::ErrorCode::permission_denied, "only the campaign's supervisors and administrators spy");
            wire::to_proto(*i, response->mutable_interaction_detail()->mutable_interaction());
            *up_to = e.last_seq();
            return Outcome{};
          },
          // On the strand, before any later event is published: from here on
          // the session gets the interaction's events live.
          [this, peer, rid, id, stop, response, session, up_to](const Outcome& o) {
            if (!o.ok()) return peer->send(error_frame(rid, *o.error));
            if (stop) {
              streams_.spy(*session, id, false);
              return peer->send(ack_frame(rid));
            }
            if (!streams_.spy(*session, id, true))
              return peer->send(error_frame(rid, v1::FAILED_PRECONDITION, "at most 20 interactions may be spied at once"));
            on_worker(workers_, peer, rid, [this, peer, rid, id, response, up_to] {
              history_.timeline(id, *up_to, response->mutable_interaction_detail());
              peer->send(response_frame(rid, *response));
            });
          });
      return true;
    }
    case v1::Command::kUpdateUser: {
      // Only with a password or a SIP password (the others map straight to
      // the engine). The password is hashed off the strand, after checking
      // the caller; the SIP digest secret binds the user's login and the
      // realm, so it is derived on the strand where the login is known.
      const auto& u = command.update_user();
      if (u.has_password() && (u.password().size() < 8 || u.password().size() > 1024))
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "password must be 8 to 1024 bytes")), true;
      if (u.has_sip_password() && !u.sip_password().empty() &&
          (u.sip_password().size() < 8 || u.sip_password().size() > 128))
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "sip_password must be empty or 8 to 128 bytes")), true;
      host_.lookup([this, peer, rid, connection, u](const core::Engine& e) {
        const core::Session* session = e.session_of(connection);
        const core::User* caller = session ? e.find_user(session->user) : nullptr;
        if (!caller) return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
        if (!core::is_admin(caller->profile))
          return peer->send(error_frame(rid, v1::PERMISSION_DENIED, "only administrators may change the directory"));
        auto apply = [this, peer, rid, connection, u](std::optional<std::string> password_hash) {
          auto mapped = update_user(u, std::move(password_hash));
          if (auto* err = std::get_if<core::Error>(&mapped)) return peer->send(error_frame(rid, *err));
          host_.execute(
              [connection, u, realm = options_.sip_realm,
               body = std::get<core::CommandBody>(std::move(mapped))](core::Engine& e, core::TimePoint now) mutable {
                const core::Session* session = e.session_of(connection);
                if (!session) return core::Outcome::failure(core::ErrorCode::unauthenticated, "log in or resume first");
                if (u.has_sip_password()) {
                  const core::User* target = e.find_user(u.user_id());
                  if (!target) return core::Outcome::failure(core::ErrorCode::not_found, "no such user");
                  std::get<core::UpdateUser>(body).sip_secret =
                      u.sip_password().empty() ? "" : sip::digest_secret(target->login, realm, u.sip_password());
                }
                return e.handle(core::Command{core::Actor::User(session->user), body}, now);
              },
              [peer, rid](const Outcome& o) { peer->send(o.ok() ? ack_frame(rid) : error_frame(rid, *o.error)); });
        };
        if (!u.has_password()) return apply(std::nullopt);
        if (!hash_off_thread([this, u, apply] { apply(hash_password(u.password(), options_.password_cost)); }))
          peer->send(error_frame(rid, v1::UNAVAILABLE, "too many password checks in progress; try again"));
      });
      return true;
    }
    case v1::Command::kGetMessages:
      get_messages(peer, rid, command.get_messages());
      return true;
    default:
      return false;
  }
}

}  // namespace contactd::api
