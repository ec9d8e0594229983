// The listener: accepts connections and hands each to an HTTP session.
#include "api/server.h"

#include <spdlog/spdlog.h>

#include "api/transport.h"

namespace contactd::api {
namespace {

void do_accept(std::shared_ptr<Server::State> state) {
  state->acceptor.async_accept(net::make_strand(state->io), [state](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || state->stopping) return;
      spdlog::warn("accept failed: {}", ec.message());
    } else {
      beast::error_code option_ec;
      // Events are small frames written as they happen: Nagle's algorithm
      // would hold each behind the previous one's ACK (up to 40 ms).
      socket.set_option(tcp::no_delay(true), option_ec);
      if (state->options.socket_send_buffer_bytes > 0) {
        socket.set_option(net::socket_base::send_buffer_size(state->options.socket_send_buffer_bytes), option_ec);
      }
      start_http_session(state, std::move(socket));
    }
    do_accept(state);
  });
}

std::vector<std::shared_ptr<WsSession>> live_sessions(Server::State& state) {
  std::vector<std::shared_ptr<WsSession>> live;
  std::lock_guard lock(state.mu);
  for (auto& [id, weak] : state.sessions)
    if (auto s = weak.lock()) live.push_back(std::move(s));
  return live;
}

}  // namespace

Server::Server(net::io_context& io, net::thread_pool& workers, ServerOptions options, Dispatcher& dispatcher,
               ReadinessProbe readiness)
    : state_(std::make_shared<State>(io, workers, std::move(options), dispatcher, std::move(readiness))) {
  state_->endpoints["/ws"] = State::Endpoint{&dispatcher, true};
}

Server::~Server() = default;

void Server::add_page(std::string path, std::string content_type, std::string body) {
  state_->pages[std::move(path)] = State::Page{std::move(content_type), std::move(body)};
}

void Server::add_endpoint(std::string path, FrameHandler& handler) {
  state_->endpoints[std::move(path)] = State::Endpoint{&handler, false};
}

std::uint16_t Server::start() {
  auto& acceptor = state_->acceptor;
  tcp::endpoint endpoint{net::ip::make_address(state_->options.address), state_->options.port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  do_accept(state_);
  return acceptor.local_endpoint().port();
}

void Server::stop(std::string reason) {
  state_->stopping = true;
  net::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
  for (auto& s : live_sessions(*state_)) close_ws_session(s, reason);
}

void Server::abort_all() {
  for (auto& s : live_sessions(*state_)) abort_ws_session(s);
}

std::size_t Server::connection_count() const {
  std::lock_guard lock(state_->mu);
  return state_->sessions.size();
}

}  // namespace contactd::api
