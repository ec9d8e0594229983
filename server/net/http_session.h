#pragma once
// One HTTP/1.1 connection on the API port, internal to the transport. It
// reads one request at a time and serves it by its route (net/routes.h):
//   http_session.cpp  the request head: strict framing, the route, refusals
//   http_body.cpp     bodies: read whole, streamed in acknowledged chunks, or
//                     read and dropped (routes that take none)
//   http_answer.cpp   answers: a buffered response or a file (with Range)
// Everything runs on the connection's strand; the Once callbacks handed to
// handlers post back to it.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/http_framing.h"
#include "net/transport.h"

namespace contactd::net {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(std::shared_ptr<Server::State> state, tcp::socket socket, Unauthenticated admitted)
      : state_(std::move(state)), stream_(std::move(socket)), admitted_(std::move(admitted)) {}

  void run();

 private:
  // http_session.cpp
  void read();
  void read_head();
  std::string_view pending() const;
  void parse_head();
  void on_head();
  void on_error(const beast::error_code& ec);
  void upgrade(WebSocketEndpoint endpoint);
  // Answers a request that cannot be read safely, then closes: what follows
  // on this connection cannot be told apart from the refused request's body.
  void refuse(FramingRefusal refusal);
  // Closes our side, then reads and drops what the client still sends for a
  // moment, so that the answer is not destroyed by a reset.
  void close_and_linger();
  void linger();
  void close();

  // http_body.cpp
  // Sends "100 Continue" first when the client waits for it.
  void continue_then(std::function<void()> next);
  // Reads the body whole (at most `limits`), then calls `then` with it.
  void read_whole(BodyLimits limits, std::function<void(std::string body)> then);
  void start_stream(const Route& route);
  void on_decision(std::variant<SinkPtr, Answer> decision);
  void read_chunk();
  void on_chunk_read(beast::error_code ec);
  void abort_stream(beast::error_code ec, std::string_view reason);

  // http_answer.cpp
  Responder responder();
  void answer(Answer answer);
  void write_response(Response response);
  void write_file(FileResponse file);
  void write_file_piece();
  void answered(bool ok);

  // Runs `fn` on the strand if the request it was made for is still the
  // current one.
  template <class Fn>
  auto on_strand(Fn fn) {
    return [self = shared_from_this(), exchange = exchange_, fn = std::move(fn)](auto value) mutable {
      asio::post(self->stream_.get_executor(), [self, exchange, fn = std::move(fn), value = std::move(value)]() mutable {
        if (self->exchange_ == exchange) fn(*self, std::move(value));
      });
    };
  }

  std::shared_ptr<Server::State> state_;
  beast::tcp_stream stream_;
  Unauthenticated admitted_;
  beast::flat_buffer buffer_;
  std::uint64_t exchange_{0};  // which request is being served
  std::optional<http::request_parser<http::empty_body>> head_parser_;
  std::optional<http::request_parser<http::string_body>> whole_parser_;
  std::optional<http::request_parser<http::buffer_body>> chunk_parser_;
  RequestHead head_;
  unsigned version_{11};
  bool keep_alive_{true};
  bool body_pending_{false};  // the request has a body still to read after its head
  bool body_unread_{false};   // answered before its body was read: close after the answer
  // A streaming body being read.
  SinkPtr sink_;
  std::vector<char> chunk_;
  std::chrono::steady_clock::time_point body_deadline_;
  // A file being sent.
  struct FileWrite;
  std::shared_ptr<FileWrite> file_;
  // After a refusal.
  std::chrono::steady_clock::time_point linger_until_;
  std::size_t lingered_bytes_{0};
};

}  // namespace contactd::net
