#pragma once
// Internal to the Beast transport: listener, HTTP session, WebSocket session.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <atomic>
#include <mutex>
#include <unordered_map>

#include "api/dispatcher.h"
#include "api/server.h"

namespace contactd::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class WsSession;

struct Server::State {
  State(net::io_context& io_, net::thread_pool& workers_, ServerOptions options_, Dispatcher& dispatcher_,
        ReadinessProbe readiness_)
      : io(io_), workers(workers_), options(std::move(options_)), dispatcher(dispatcher_),
        readiness(std::move(readiness_)), acceptor(net::make_strand(io_)) {}

  net::io_context& io;
  net::thread_pool& workers;
  const ServerOptions options;
  Dispatcher& dispatcher;
  struct Endpoint {
    FrameHandler* handler;
    bool binary;
  };
  std::unordered_map<std::string, Endpoint> endpoints;  // path -> handler; fixed after start()
  struct Page {
    std::string content_type;
    std::string body;
  };
  std::unordered_map<std::string, Page> pages;  // fixed after start()
  const ReadinessProbe readiness;
  tcp::acceptor acceptor;
  std::atomic<core::ConnectionId> next_connection{1};
  std::atomic<bool> stopping{false};

  // Live WebSocket sessions, for shutdown.
  std::mutex mu;
  std::unordered_map<core::ConnectionId, std::weak_ptr<WsSession>> sessions;
};

// Starts an HTTP session on an accepted socket.
void start_http_session(std::shared_ptr<Server::State> state, tcp::socket socket);
// Starts a WebSocket session from an upgrade request.
std::shared_ptr<WsSession> start_ws_session(std::shared_ptr<Server::State> state, beast::tcp_stream stream,
                                            http::request<http::string_body> request, Server::State::Endpoint endpoint);
void close_ws_session(const std::shared_ptr<WsSession>& session, std::string reason);
void abort_ws_session(const std::shared_ptr<WsSession>& session);

}  // namespace contactd::api
