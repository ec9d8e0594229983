// The listener: accepts connections, admits them under the caps on
// unauthenticated connections, and hands each to an HTTP session.
#include "net/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "net/transport.h"

namespace contactd::net {
namespace {

constexpr auto kAcceptPause = std::chrono::milliseconds(100);

void do_accept(std::shared_ptr<Server::State> state);

int open_reserve_descriptor() {
  return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

// Out of descriptors: the pending connection would make accept fail at once,
// again and again. Frees the reserve descriptor to accept the oldest pending
// connection and close it (its client learns at once instead of hanging),
// takes the reserve back, and pauses accepting for a moment.
void back_off(const std::shared_ptr<Server::State>& state, const beast::error_code& ec) {
  if (auto count = state->accept_errors.note()) {
    spdlog::error("accept failed: {} ({} times in the last {} s); closing new connections until descriptors free up",
                  ec.message(), *count,
                  std::chrono::duration_cast<std::chrono::seconds>(state->accept_errors.interval()).count());
  }
  if (state->reserve_fd >= 0) {
    ::close(state->reserve_fd);
    state->reserve_fd = -1;
    const int fd = ::accept4(state->acceptor.native_handle(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd >= 0) ::close(fd);
  }
  state->reserve_fd = open_reserve_descriptor();
  state->accept_pause.expires_after(kAcceptPause);
  state->accept_pause.async_wait([state](beast::error_code wait_ec) {
    if (!wait_ec && !state->stopping) do_accept(state);
  });
}

// Over a cap: answers 503 without reading further and closes. What the client
// already sent is discarded first so that the close is a FIN, not a reset
// that could destroy the answer in flight.
void refuse(Server::State& state, tcp::socket& socket, const std::string& address) {
  if (auto count = state.refusals.note()) {
    spdlog::warn(
        "refused {} connection(s) in the last {} s over the caps on unauthenticated connections "
        "(latest from {}; {} in total, {} per address)",
        *count, std::chrono::duration_cast<std::chrono::seconds>(state.refusals.interval()).count(), address,
        state.admission.max_total(), state.admission.max_per_address());
  }
  const int fd = socket.native_handle();
  char scratch[4096];
  for (int i = 0; i < 16 && ::recv(fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0; ++i) {
  }
  static constexpr std::string_view kAnswer =
      "HTTP/1.1 503 Service Unavailable\r\nServer: contactd\r\nConnection: close\r\nRetry-After: 5\r\n"
      "Content-Type: text/plain\r\nContent-Length: 21\r\n\r\ntoo many connections\n";
  [[maybe_unused]] auto sent = ::send(fd, kAnswer.data(), kAnswer.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  beast::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_send, ignored);
  socket.close(ignored);
}

void admit(const std::shared_ptr<Server::State>& state, tcp::socket socket) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) return;  // already gone
  std::string address = remote.address().to_string();
  auto ticket = state->admission.admit(address);
  if (!ticket) return refuse(*state, socket, address);
  beast::error_code option_ec;
  // Events are small frames written as they happen: Nagle's algorithm
  // would hold each behind the previous one's ACK (up to 40 ms).
  socket.set_option(tcp::no_delay(true), option_ec);
  if (state->options.socket_send_buffer_bytes > 0) {
    socket.set_option(asio::socket_base::send_buffer_size(state->options.socket_send_buffer_bytes), option_ec);
  }
  start_http_session(state, std::move(socket),
                     Unauthenticated{std::move(ticket), std::move(address),
                                     std::chrono::steady_clock::now() + state->options.login_timeout});
}

void do_accept(std::shared_ptr<Server::State> state) {
  state->acceptor.async_accept(asio::make_strand(state->io), [state](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || state->stopping) return;
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE || ec == asio::error::no_buffer_space ||
          ec == asio::error::no_memory)
        return back_off(state, ec);
      if (auto count = state->accept_errors.note()) spdlog::warn("accept failed: {} ({} times)", ec.message(), *count);
    } else {
      admit(state, std::move(socket));
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

std::shared_ptr<Server::State> make_state(asio::io_context& io, ServerOptions options, ReadinessProbe readiness) {
  const std::size_t descriptors = raise_descriptor_limit();
  const std::size_t total = options.max_unauthenticated_connections > 0 ? options.max_unauthenticated_connections
                                                                        : default_max_unauthenticated(descriptors);
  const std::size_t per_address = options.max_unauthenticated_per_address > 0
                                      ? options.max_unauthenticated_per_address
                                      : default_max_unauthenticated_per_address(total);
  spdlog::info("descriptor limit {}; unauthenticated connections capped at {} ({} per address), login within {} s",
               descriptors, total, per_address, options.login_timeout.count());
  return std::make_shared<Server::State>(io, std::move(options), std::move(readiness), total, per_address);
}

// The routes every server has: liveness, and readiness from the probe (it
// blocks, asking the database: it runs on the readiness runner's thread).
void add_health_routes(Server::State& state) {
  state.routes.buffered({"GET"}, "/healthz", BodyLimits{}, [](const RequestHead&, std::string, Responder responder) {
    responder.respond(Response::json(200, R"({"status":"alive"})"));
  });
  ReadinessRunner& readiness = state.readiness;
  state.routes.buffered({"GET"}, "/readyz", BodyLimits{},
                        [&readiness](const RequestHead&, std::string, Responder responder) {
                          readiness.request([responder](const Readiness& r) {
                            responder.respond(Response::json(r.ready ? 200 : 503, r.detail));
                          });
                        });
}

}  // namespace

Server::State::~State() {
  if (reserve_fd >= 0) ::close(reserve_fd);
}

Server::Server(asio::io_context& io, ServerOptions options, ReadinessProbe readiness)
    : state_(make_state(io, std::move(options), std::move(readiness))) {
  add_health_routes(*state_);
}

Server::~Server() = default;

RouteTable& Server::routes() { return state_->routes; }

std::uint16_t Server::start() {
  auto& acceptor = state_->acceptor;
  tcp::endpoint endpoint{asio::ip::make_address(state_->options.address), state_->options.port};
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(asio::socket_base::max_listen_connections);
  state_->reserve_fd = open_reserve_descriptor();
  do_accept(state_);
  return acceptor.local_endpoint().port();
}

void Server::stop(std::string reason) {
  state_->stopping = true;
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
    state->accept_pause.cancel();
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

}  // namespace contactd::net
