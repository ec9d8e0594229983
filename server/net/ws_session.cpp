// One WebSocket connection: reads frames into its endpoint's FrameHandler (a
// route of the table), writes queued frames one at a time, and enforces the
// frame size, idle timeout, write queue bound and, until it authenticates,
// the login deadline.
#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <deque>

#include "net/transport.h"

namespace contactd::net {

class WsSession final : public Peer, public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(std::shared_ptr<Server::State> state, beast::tcp_stream stream, WebSocketEndpoint endpoint,
            Unauthenticated admitted)
      : state_(std::move(state)),
        endpoint_(endpoint),
        id_(state_->next_connection++),
        remote_address_(std::move(admitted.remote_address)),
        ticket_(std::move(admitted.ticket)),
        login_deadline_(admitted.login_deadline),
        ws_(std::move(stream)) {}

  core::ConnectionId id() const override { return id_; }
  const std::string& remote_address() const override { return remote_address_; }
  void mark_authenticated() override {
    if (authenticated_.exchange(true)) return;
    ticket_->release();  // thread-safe; the ticket itself is only dropped with the session
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->login_timer_.cancel(); });
  }

  void run(http::request<http::string_body> request) {
    const auto& o = state_->options;
    websocket::stream_base::timeout timeouts{o.handshake_timeout, o.idle_timeout, /*keep_alive_pings=*/true};
    ws_.set_option(timeouts);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "contactd"); }));
    ws_.read_message_max(o.max_frame_bytes);
    ws_.binary(endpoint_.binary);
    {
      std::lock_guard lock(state_->mu);
      state_->sessions.emplace(id_, weak_from_this());
    }
    login_timer_.expires_at(login_deadline_);
    login_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->authenticated_.load()) return;
      if (!self->open_) return self->abort_now();  // still in the handshake
      self->start_close(websocket::close_code::policy_error, "login deadline passed");
    });
    ws_.async_accept(request, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->finish(ec);
      self->open_ = true;
      self->read();
    });
  }

  void send(Frame frame) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), frame = std::move(frame)]() mutable {
      if (self->closing_ || self->finished_) return;
      if (self->queue_.size() >= self->state_->options.write_queue_max_frames) {
        spdlog::warn("connection {}: write queue full, disconnecting slow client", self->id_);
        self->queue_.clear();  // pending frames only; the one being written is held apart
        return self->start_close(websocket::close_code::policy_error, "write queue full: client too slow");
      }
      self->queue_.push_back(std::move(frame));
      if (!self->writing_) self->write();
    });
  }

  void close(CloseCode code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
      const auto wire_code = code == CloseCode::going_away ? websocket::close_code::going_away
                             : code == CloseCode::policy ? websocket::close_code::policy_error
                                                         : websocket::close_code::normal;
      self->start_close(wire_code, std::move(reason));
    });
  }

 private:
  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec) return finish(ec);
    const auto data = buffer_.cdata();
    endpoint_.handler->on_frame(shared_from_this(),
                                std::string_view(static_cast<const char*>(data.data()), data.size()),
                                ws_.got_binary());
    buffer_.consume(buffer_.size());
    read();
  }

  // REQUIRES: !writing_ and the queue is not empty.
  void write() {
    writing_ = true;
    in_flight_ = std::move(queue_.front());
    queue_.pop_front();
    ws_.async_write(asio::buffer(*in_flight_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->writing_ = false;
      self->in_flight_.reset();
      if (ec) return self->finish(ec);
      if (!self->queue_.empty()) return self->write();
      if (self->close_pending_) self->do_close();
    });
  }

  // Sends what is queued, then a close frame. A client that does not let the
  // close complete within the handshake timeout (it stopped reading) is cut off.
  void start_close(websocket::close_code code, std::string reason) {
    if (closing_ || finished_) return;
    closing_ = true;
    close_reason_ = websocket::close_reason(code, reason.substr(0, 120));  // control frames hold 125 bytes
    close_timer_.expires_after(state_->options.handshake_timeout);
    close_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec && !self->finished_) self->abort_now();
    });
    if (writing_) {
      close_pending_ = true;
      return;
    }
    do_close();
  }

  void do_close() {
    close_pending_ = false;
    ws_.async_close(close_reason_, [self = shared_from_this()](beast::error_code) {});
  }

  void abort_now() {
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  // The connection is over: tell the dispatcher once.
  void finish(beast::error_code ec) {
    if (finished_) return;
    finished_ = true;
    if (ec && ec != websocket::error::closed && ec != asio::error::operation_aborted && ec != asio::error::eof)
      spdlog::debug("connection {}: {}", id_, ec.message());
    queue_.clear();
    close_timer_.cancel();
    login_timer_.cancel();
    endpoint_.handler->on_closed(shared_from_this());
    // Leave the live set only after the dispatcher has queued the detach, so
    // that shutdown, which waits for an empty set, also waits for it.
    std::lock_guard lock(state_->mu);
    state_->sessions.erase(id_);
  }

  // Closes the socket: pending reads and writes fail, and finish() runs.
  void abort() {
    asio::post(ws_.get_executor(), [self = shared_from_this()] { self->abort_now(); });
  }

  friend void abort_ws_session(const std::shared_ptr<WsSession>&);

  std::shared_ptr<Server::State> state_;
  const WebSocketEndpoint endpoint_;
  const core::ConnectionId id_;
  const std::string remote_address_;
  const std::shared_ptr<AdmissionTicket> ticket_;  // released on authentication or with the session
  const std::chrono::steady_clock::time_point login_deadline_;
  std::atomic<bool> authenticated_{false};
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  std::deque<Frame> queue_;  // waiting to be written
  Frame in_flight_;          // being written; kept alive until the write completes
  asio::steady_timer close_timer_{ws_.get_executor()};
  asio::steady_timer login_timer_{ws_.get_executor()};
  bool open_{false};  // the opening handshake completed
  bool writing_{false};
  bool closing_{false};
  bool close_pending_{false};
  bool finished_{false};
  websocket::close_reason close_reason_;
};

std::shared_ptr<WsSession> start_ws_session(std::shared_ptr<Server::State> state, beast::tcp_stream stream,
                                            http::request<http::string_body> request, WebSocketEndpoint endpoint,
                                            Unauthenticated admitted) {
  auto session = std::make_shared<WsSession>(std::move(state), std::move(stream), endpoint, std::move(admitted));
  session->run(std::move(request));
  return session;
}

void abort_ws_session(const std::shared_ptr<WsSession>& session) { session->abort(); }

void close_ws_session(const std::shared_ptr<WsSession>& session, std::string reason) {
  session->close(CloseCode::going_away, std::move(reason));
}

}  // namespace contactd::net
