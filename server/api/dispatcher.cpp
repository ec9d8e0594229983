// The frame checks (in the order dispatcher.h documents) and the table of
// command handlers. The handlers themselves live in the files that
// api/command_context.h lists.
#include "api/dispatcher.h"

#include "api/attachment_refs.h"

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/command_context.h"
#include "api/command_mapping.h"
#include "api/proto_text.h"

namespace contactd::api {
namespace {

namespace asio = boost::asio;

net::Frame unknown_command(std::uint64_t rid) {
  return error_frame(rid, v1::UNKNOWN_COMMAND, "unknown command (is the client newer than the server?)");
}

}  // namespace

HashingQueue::HashingQueue(unsigned threads, unsigned max_waiting, asio::thread_pool* pool)
    : max_waiting_(max_waiting),
      own_(pool ? nullptr : std::make_unique<asio::thread_pool>(std::max(1u, threads))),
      pool_(pool ? *pool : *own_) {}

HashingQueue::~HashingQueue() {
  if (!own_) return;
  own_->stop();
  own_->join();
}

bool HashingQueue::post(std::function<void()> job) {
  if (waiting_.fetch_add(1) >= max_waiting_) {
    waiting_.fetch_sub(1);
    return false;
  }
  asio::post(pool_, [this, job = std::move(job)] {
    waiting_.fetch_sub(1);
    job();
  });
  return true;
}

void on_worker(Services& s, const net::PeerPtr& peer, std::uint64_t rid, std::function<void()> fn) {
  asio::post(s.workers, [peer, rid, fn = std::move(fn)] {
    try {
      fn();
    } catch (const std::exception&) {
      peer->send(error_frame(rid, v1::UNAVAILABLE, "the database is unavailable; try again"));
    }
  });
}

void session_attached(Services& s, const net::PeerPtr& peer, core::UserId user) {
  s.limits.bind(peer->id(), user);
  peer->mark_authenticated();
}

bool run_mapped(const Call& call) {
  auto mapped = to_core(call.command);
  if (!mapped) return false;
  const auto& [s, peer, rid, command] = call;
  if (const auto* err = std::get_if<core::Error>(&*mapped)) {
    peer->send(error_frame(rid, *err));
    return true;
  }
  auto body = std::get<core::CommandBody>(std::move(*mapped));
  if (names_attachments(body)) {
    // The files are looked up off the connection's strand, then the command runs.
    resolve_attachments(s, peer, rid, std::move(body));
    return true;
  }
  run_as_caller(s, peer, rid, std::move(body), {});
  return true;
}

void run_as_caller(Services& s, const net::PeerPtr& peer, std::uint64_t rid, core::CommandBody body,
                   std::vector<UploadCheck> uploads) {
  s.host.execute(
      [connection = peer->id(), body = std::move(body), uploads = std::move(uploads),
       public_urls = s.public_media_urls](core::Engine& e, core::TimePoint now) {
        if (auto refused = check_uploads(e, connection, body, uploads, public_urls)) return *refused;
        return as_session_user(e, now, connection, body);
      },
      [peer, rid](const core::Outcome& o) {
        if (!o.ok()) return peer->send(error_frame(rid, *o.error));
        if (const auto* created = std::get_if<core::CreatedReply>(&o.reply)) {
          v1::Response r;
          r.mutable_created()->set_id(created->id);
          return peer->send(response_frame(rid, r));
        }
        peer->send(ack_frame(rid));
      });
}

void Dispatcher::set_media(attachments::AttachmentStore& media, bool public_urls) {
  services_->media = &media;
  services_->public_media_urls = public_urls;
}

Dispatcher::Dispatcher(host::EngineHost& host, StreamRegistry& streams, asio::thread_pool& workers,
                       store::HistoryReader& history, const core::Clock& clock, DispatcherOptions options,
                       asio::thread_pool* hashing)
    : services_(new Services{host, streams, workers, history, clock, options, RateLimits(options.limits, clock),
                             HashingQueue(options.hashing_threads, options.hashing_queue, hashing),
                             auth::hash_password("contactd-dummy-password", options.password_cost)}) {
  HandlerTable table;
  add_session_commands(table);
  add_admin_commands(table);
  add_query_commands(table);
  add_history_commands(table);
  handlers_ = std::move(table);
}

Dispatcher::~Dispatcher() = default;

void Dispatcher::on_frame(const net::PeerPtr& peer, std::string_view bytes, bool binary) {
  if (!binary) {
    peer->send(error_frame(0, v1::MALFORMED_FRAME, "frames must be binary protobuf Envelopes"));
    return;
  }
  v1::Envelope envelope;
  if (!envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    peer->send(error_frame(0, v1::MALFORMED_FRAME, "frame is not a valid Envelope"));
    return;
  }
  const std::uint64_t rid = envelope.request_id();
  if (!envelope.has_command()) {
    peer->send(error_frame(rid, v1::MALFORMED_FRAME, "clients send Envelopes carrying a command"));
    return;
  }
  if (rid == 0) {
    peer->send(error_frame(0, v1::INVALID_ARGUMENT, "request_id must be non-zero"));
    return;
  }
  const v1::Command& command = envelope.command();
  if (command.kind_case() == v1::Command::KIND_NOT_SET) return peer->send(unknown_command(rid));
  Services& s = *services_;
  const core::ConnectionId connection = peer->id();
  if (!s.limits.allow_command(connection)) {
    peer->send(error_frame(rid, v1::RATE_LIMITED, "too many commands: slow down"));
    return;
  }
  const bool opens_session = command.kind_case() == v1::Command::kLogin || command.kind_case() == v1::Command::kResume;
  if (!opens_session && !s.limits.bound(connection)) {
    peer->send(error_frame(rid, v1::UNAUTHENTICATED, "log in or resume first"));
    return;
  }
  if (auto field = find_invalid_text(command)) {
    peer->send(error_frame(rid, v1::INVALID_ARGUMENT, *field + " must be valid UTF-8 without NUL characters"));
    return;
  }
  const Call call{s, peer, rid, command};
  if (auto handler = handlers_.find(command.kind_case()); handler != handlers_.end()) return handler->second(call);
  if (!run_mapped(call)) peer->send(unknown_command(rid));
}

void Dispatcher::on_closed(const net::PeerPtr& peer) {
  Services& s = *services_;
  const core::ConnectionId connection = peer->id();
  s.limits.forget(connection);
  s.host.execute(
      [connection](core::Engine& e, core::TimePoint now) {
        if (!e.session_of(connection)) return core::Outcome{};  // never logged in, or superseded
        return e.handle(core::Command{core::Actor::System(), core::DetachConnection{connection}}, now);
      },
      [&s, connection](const core::Outcome&) { s.streams.detach(connection); }, /*client_work=*/false);
}

}  // namespace contactd::api
