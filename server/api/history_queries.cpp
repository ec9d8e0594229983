// Closed interactions from the database: history searches and one
// interaction's detail, within the caller's interaction scope (R-SEC-4, the
// rule shared with the CRM). The scope is read on the engine strand, the
// database on the workers.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/command_context.h"
#include "core/contact_scope.h"
#include "store/history.h"
#include "wire/campaign_mapping.h"
#include "wire/mapping.h"

namespace contactd::api {
namespace {

// Runs `query` on a worker with the caller's visibility filled in.
void with_history_scope(const Call& call, std::function<void(store::HistoryQuery)> query) {
  const auto& [s, peer, rid, command] = call;
  s.host.lookup([&s, peer, rid, connection = peer->id(), query = std::move(query)](const core::Engine& e) mutable {
    const core::Session* session = e.session_of(connection);
    const core::User* me = session ? e.find_user(session->user) : nullptr;
    if (!me) return peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
    store::HistoryQuery scope;
    const core::InteractionScope visible = core::interaction_scope(*me);
    scope.visible_campaigns = visible.campaigns;
    scope.only_owner = visible.only_owner;
    boost::asio::post(s.workers, [peer, rid, scope = std::move(scope), query = std::move(query)]() mutable {
      try {
        query(std::move(scope));
      } catch (const std::invalid_argument&) {
        peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "malformed cursor"));
      } catch (const std::out_of_range&) {
        peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "malformed cursor"));
      } catch (const std::exception&) {
        peer->send(error_frame(rid, v1::UNAVAILABLE, "history is unavailable; try again"));
      }
    });
  });
}

void search_history(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto& q = command.search_history();
  std::string channel;
  if (q.channel() != v1::CHANNEL_UNSPECIFIED) {
    auto ch = wire::channel_from_proto(q.channel());
    if (!ch) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "unknown channel"));
    channel = std::string(core::to_string(*ch));
  }
  if (q.page_size() > 500) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "page_size is at most 500"));
  if (!core::valid_unix_ms(q.closed_from_ms()) || !core::valid_unix_ms(q.closed_to_ms()))
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT,
                                  "closed_from_ms and closed_to_ms are Unix times in milliseconds, years 1970 to 9999"));
  with_history_scope(call, [&s, peer, rid, q, channel](store::HistoryQuery scope) {
    scope.campaign = q.campaign_id();
    scope.agent = q.agent_id();
    scope.channel = channel;
    scope.customer = q.customer();
    scope.from_ms = q.closed_from_ms();
    scope.to_ms = q.closed_to_ms();
    scope.disposition = q.disposition_id();
    scope.limit = q.page_size();
    scope.cursor = q.cursor();
    v1::Response r;
    *r.mutable_history_page() = s.history.search(scope);
    peer->send(response_frame(rid, r));
  });
}

void get_interaction_detail(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto id = command.get_interaction_detail().interaction_id();
  with_history_scope(call, [&s, peer, rid, id](store::HistoryQuery scope) {
    auto detail = s.history.detail(id, scope);
    if (!detail) return peer->send(error_frame(rid, v1::NOT_FOUND, "no such closed interaction"));
    v1::Response r;
    *r.mutable_interaction_detail() = std::move(*detail);
    peer->send(response_frame(rid, r));
  });
}

}  // namespace

void add_history_commands(HandlerTable& table) {
  table[v1::Command::kSearchHistory] = search_history;
  table[v1::Command::kGetInteractionDetail] = get_interaction_detail;
}

}  // namespace contactd::api
