#pragma once
// The HTTP + WebSocket listener (Boost.Beast), all on one port. What each
// path serves is a route of routes() (net/routes.h): the app adds the
// protobuf API (/ws), WebChat (/webchat/v1) and the rest; the server itself
// serves
//   /healthz  200 while the process serves
//   /readyz   200 when the database is reachable and migrated, else 503
// It admits connections under caps (net/admission.h), frames requests
// strictly (net/http_framing.h) and bounds every read and write in time.
// Beast stays behind this header.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/readiness_runner.h"
#include "net/routes.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace contactd::net {

struct ServerOptions {
  std::string address{"127.0.0.1"};
  std::uint16_t port{8480};
  std::size_t max_frame_bytes{64 * 1024};
  std::chrono::seconds idle_timeout{60};       // a ping after half; closed without a pong
  std::chrono::seconds handshake_timeout{10};
  std::size_t write_queue_max_frames{1024};    // a client further behind is disconnected
  int socket_send_buffer_bytes{0};             // SO_SNDBUF per connection; 0: the kernel's autotuning
  // A connection counts as unauthenticated from accept until it logs in (or
  // starts a WebChat conversation); one still unauthenticated this long after
  // accept is closed (WebSocket close 1008 "login deadline passed").
  std::chrono::seconds login_timeout{30};
  // Caps on unauthenticated connections; over a cap a new connection gets an
  // immediate 503 and is closed. 0: derived from RLIMIT_NOFILE at start (a
  // quarter of it in total, an eighth of the total, at least 8, per address).
  std::size_t max_unauthenticated_connections{0};
  std::size_t max_unauthenticated_per_address{0};
  // Origins ("https://agents.example.com") allowed to open /ws and other
  // WebSocket endpoints; empty: any. Requests without Origin always pass.
  std::vector<std::string> allowed_origins;
};

class Server {
 public:
  // Raises the descriptor soft limit to the hard limit.
  Server(boost::asio::io_context& io, ServerOptions options, ReadinessProbe readiness);
  ~Server();

  // What each path serves. REQUIRES: changed only before start().
  RouteTable& routes();

  // Binds and starts accepting. Returns the bound port. Throws on failure.
  std::uint16_t start();
  // Stops accepting and closes every WebSocket with "going away".
  void stop(std::string reason);
  // Tears down every remaining WebSocket at once (after stop(), when clients
  // do not complete the close handshake).
  void abort_all();
  std::size_t connection_count() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace contactd::net
