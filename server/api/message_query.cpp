// R-MSG-7: reading a conversation. The engine decides on its strand who may
// read (Engine::message_access); the messages come from PostgreSQL on the
// query workers, never from engine memory. The answer is sent after every
// event submitted before it is durable, so a message the caller has seen
// live is on the page.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/command_context.h"
#include "api/frames.h"
#include "store/history.h"
#include "store/message_page.h"

namespace contactd::api {

void get_messages(const Call& call) {
  const auto& [s, peer, rid, command] = call;
  const auto& query = command.get_messages();
  const core::InteractionId id = query.interaction_id();
  if (id == 0) return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "interaction_id is required"));
  if (query.limit() > store::kMaxMessagePage)
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "limit is at most 200"));
  const auto after = store::parse_message_cursor(id, query.cursor());
  if (!after)
    return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "cursor is not one GetMessages gave for this interaction"));
  const std::uint32_t limit = query.limit() ? query.limit() : store::kDefaultMessagePage;
  auto access = std::make_shared<core::MessageAccess>();
  s.host.execute(
      [connection = peer->id(), id, access](core::Engine& e, core::TimePoint) {
        const core::Session* session = e.session_of(connection);
        if (!session) return not_logged_in();
        auto decided = e.message_access(session->user, id);
        if (auto* err = std::get_if<core::Error>(&decided)) return core::Outcome::failure(err->code, err->message);
        *access = std::move(std::get<core::MessageAccess>(decided));
        return core::Outcome{};
      },
      [&s, peer, rid, id, after = *after, limit, access](const core::Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        boost::asio::post(s.workers, [&s, peer, rid, id, after, limit, access] {
          try {
            auto page = s.history.messages(id, after, limit, access->closed_scope);
            if (auto* err = std::get_if<core::Error>(&page)) return peer->send(error_frame(rid, *err));
            v1::Response r;
            *r.mutable_message_page() = std::move(std::get<v1::MessagePage>(page));
            peer->send(response_frame(rid, r));
          } catch (const std::exception&) {
            peer->send(error_frame(rid, v1::UNAVAILABLE, "the database is unavailable; try again"));
          }
        });
      });
}

}  // namespace contactd::api
