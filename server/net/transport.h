#pragma once
// Internal to the Beast transport: listener, HTTP session, WebSocket session.
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <unordered_map>

#include "net/admission.h"
#include "net/log_throttle.h"
#include "net/readiness_runner.h"
#include "net/routes.h"
#include "net/server.h"

namespace contactd::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

class WsSession;

struct Server::State {
  State(asio::io_context& io_, ServerOptions options_, ReadinessProbe readiness_, std::size_t max_unauthenticated,
        std::size_t max_unauthenticated_per_address)
      : io(io_),
        options(std::move(options_)),
        readiness(std::move(readiness_)),
        acceptor(asio::make_strand(io_)),
        admission(max_unauthenticated, max_unauthenticated_per_address) {}
  ~State();

  asio::io_context& io;
  const ServerOptions options;
  RouteTable routes;  // fixed after start()
  ReadinessRunner readiness;
  tcp::acceptor acceptor;
  asio::steady_timer accept_pause{acceptor.get_executor()};  // backing off when out of descriptors
  int reserve_fd{-1};                                       // released to accept-and-close when out of descriptors
  Admission admission;
  LogThrottle accept_errors{std::chrono::seconds(10)};
  LogThrottle refusals{std::chrono::seconds(10)};
  std::atomic<core::ConnectionId> next_connection{1};
  std::atomic<bool> stopping{false};

  // Live WebSocket sessions, for shutdown.
  std::mutex mu;
  std::unordered_map<core::ConnectionId, std::weak_ptr<WsSession>> sessions;
};

// What an accepted connection carries until it authenticates: its place
// under the caps and the time it must log in by.
struct Unauthenticated {
  std::shared_ptr<AdmissionTicket> ticket;
  std::string remote_address;
  std::chrono::steady_clock::time_point login_deadline;
};

// Starts an HTTP session on an accepted socket.
void start_http_session(std::shared_ptr<Server::State> state, tcp::socket socket, Unauthenticated admitted);
// Starts a WebSocket session from an upgrade request.
std::shared_ptr<WsSession> start_ws_session(std::shared_ptr<Server::State> state, beast::tcp_stream stream,
                                            http::request<http::string_body> request, WebSocketEndpoint endpoint,
                                            Unauthenticated admitted);
void close_ws_session(const std::shared_ptr<WsSession>& session, std::string reason);
void abort_ws_session(const std::shared_ptr<WsSession>& session);

}  // namespace contactd::net
