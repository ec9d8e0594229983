// Request bodies on the API port: read whole up to the route's limit, or
// streamed to a BodySink in chunks that the sink acknowledges one by one, so
// that at most one chunk of an upload is in memory.
#include <spdlog/spdlog.h>

#include "net/ascii.h"
#include "net/http_session.h"
#include "net/once.h"

namespace contactd::net {
namespace {

std::string_view abort_reason(const beast::error_code& ec) {
  if (ec == http::error::body_limit) return "the body is larger than the route allows";
  if (ec == beast::error::timeout) return "the client stopped sending";
  if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == asio::error::eof ||
      ec == asio::error::connection_reset)
    return "the client went away";
  return "the body is malformed";
}

}  // namespace

void HttpSession::continue_then(std::function<void()> next) {
  const std::string* expect = head_.header("Expect");
  if (!expect || version_ < 11 || !iequals(*expect, "100-continue") || !body_pending_) return next();
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  stream_.expires_after(state_->options.handshake_timeout);
  asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                    [self = shared_from_this(), next = std::move(next)](beast::error_code ec, std::size_t) {
                      if (ec) return self->close();
                      next();
                    });
}

void HttpSession::read_whole(BodyLimits limits, std::function<void(std::string body)> then) {
  if (head_.content_length.value_or(0) > limits.max_bytes)
    return refuse(*refusal_for_parse_error(http::error::body_limit));
  whole_parser_.emplace(std::move(*head_parser_));
  whole_parser_->body_limit(limits.max_bytes);
  continue_then([this, limits, then = std::move(then)]() mutable {
    stream_.expires_after(limits.deadline);
    http::async_read(stream_, buffer_, *whole_parser_,
                     [self = shared_from_this(), then = std::move(then)](beast::error_code ec, std::size_t) {
                       if (ec) return self->on_error(ec);
                       self->stream_.expires_never();  // the handler answers in its own time
                       then(std::move(self->whole_parser_->release().body()));
                     });
  });
}

// The handler decides on the head alone; a body known to be too large is
// refused before it is asked.
void HttpSession::start_stream(const Route& route) {
  if (head_.content_length.value_or(0) > route.limits.max_bytes)
    return refuse(*refusal_for_parse_error(http::error::body_limit));
  stream_.expires_never();
  chunk_parser_.emplace(std::move(*head_parser_));
  chunk_parser_->body_limit(route.limits.max_bytes);
  body_deadline_ = std::chrono::steady_clock::now() + route.limits.deadline;
  auto once = std::make_shared<Once<std::variant<SinkPtr, Answer>>>(
      on_strand([](HttpSession& self, std::variant<SinkPtr, Answer> d) { self.on_decision(std::move(d)); }),
      [] { return std::variant<SinkPtr, Answer>(Answer(Response::text(500, "the upload was not handled\n"))); });
  std::get<StreamingHandler>(route.handler)(head_, StreamDecision(std::move(once)));
}

void HttpSession::on_decision(std::variant<SinkPtr, Answer> decision) {
  if (auto* refusal = std::get_if<Answer>(&decision)) {
    body_unread_ = body_pending_;
    return answer(std::move(*refusal));
  }
  sink_ = std::move(std::get<SinkPtr>(decision));
  chunk_.resize(kChunkBytes);
  continue_then([this] { read_chunk(); });
}

void HttpSession::read_chunk() {
  if (chunk_parser_->is_done()) {
    chunk_ = {};
    auto sink = std::move(sink_);
    return sink->on_end(responder());
  }
  auto& body = chunk_parser_->get().body();
  body.data = chunk_.data();
  body.size = chunk_.size();
  stream_.expires_at(std::min(std::chrono::steady_clock::now() + state_->options.handshake_timeout, body_deadline_));
  http::async_read(stream_, buffer_, *chunk_parser_,
                   [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_chunk_read(ec); });
}

void HttpSession::on_chunk_read(beast::error_code ec) {
  if (ec == http::error::need_buffer) ec = {};  // the chunk is full
  if (ec) return abort_stream(ec, abort_reason(ec));
  stream_.expires_never();  // the sink takes its time
  const std::size_t got = chunk_.size() - chunk_parser_->get().body().size;
  if (got == 0) return read_chunk();
  auto ack = std::make_shared<Once<bool>>(on_strand([](HttpSession& self, bool go) {
                                            if (go) return self.read_chunk();
                                            self.abort_stream(beast::error_code(), "a chunk was not acknowledged");
                                          }),
                                          [] { return false; });
  sink_->on_chunk(std::string_view(chunk_.data(), got), ChunkAck(std::move(ack)));
}

// The body will not arrive whole: the sink is told, and the client answered
// where it still listens (413, 400; 500 when the sink let go).
void HttpSession::abort_stream(beast::error_code ec, std::string_view reason) {
  chunk_ = {};
  if (auto sink = std::move(sink_)) sink->on_abort(reason);
  if (!ec) return refuse(FramingRefusal{http::status::internal_server_error, "the upload was not handled\n"});
  if (auto refusal = refusal_for_parse_error(ec)) return refuse(std::move(*refusal));
  close();
}

}  // namespace contactd::net
