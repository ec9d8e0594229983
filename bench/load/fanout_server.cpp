#include "fanout_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <vector>

namespace contactd::bench {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

class Session;

struct Hub {
  std::mutex mutex;
  std::unordered_set<Session*> subscribers;
  void broadcast(const std::shared_ptr<const std::string>& frame);
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, Hub& hub) : ws_(std::move(socket)), hub_(hub) {}
  ~Session() {
    std::lock_guard lock(hub_.mutex);
    hub_.subscribers.erase(this);
  }

  void run() {
    net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
      http::async_read(beast::get_lowest_layer(self->ws_), self->buffer_, self->request_,
                       [self](beast::error_code ec, std::size_t) {
                         if (ec) return;
                         self->accept();
                       });
    });
  }

  void deliver(const std::shared_ptr<const std::string>& frame) {
    net::post(ws_.get_executor(), [self = shared_from_this(), frame] {
      self->queue_.push_back(frame);
      if (self->queue_.size() == 1) self->write();
    });
  }

 private:
  void accept() {
    const bool subscriber = request_.target() == "/sub";
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.binary(true);
    beast::get_lowest_layer(ws_).socket().set_option(tcp::no_delay(true));
    ws_.async_accept(request_, [self = shared_from_this(), subscriber](beast::error_code ec) {
      if (ec) return;
      if (subscriber) {
        std::lock_guard lock(self->hub_.mutex);
        self->hub_.subscribers.insert(self.get());
      }
      self->buffer_.consume(self->buffer_.size());
      self->read();
    });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto frame = std::make_shared<const std::string>(beast::buffers_to_string(self->buffer_.cdata()));
      self->buffer_.consume(self->buffer_.size());
      self->hub_.broadcast(frame);
      self->read();
    });
  }

  void write() {
    ws_.async_write(net::buffer(*queue_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->queue_.erase(self->queue_.begin());
      if (!self->queue_.empty()) self->write();
    });
  }

  websocket::stream<beast::tcp_stream> ws_;
  Hub& hub_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::vector<std::shared_ptr<const std::string>> queue_;
};

void Hub::broadcast(const std::shared_ptr<const std::string>& frame) {
  std::vector<std::weak_ptr<Session>> targets;
  {
    std::lock_guard lock(mutex);
    targets.reserve(subscribers.size());
    for (Session* s : subscribers) targets.push_back(s->weak_from_this());
  }
  for (auto& w : targets)
    if (auto s = w.lock()) s->deliver(frame);
}

void accept_loop(tcp::acceptor& acceptor, net::io_context& io, Hub& hub) {
  acceptor.async_accept(net::make_strand(io), [&](beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), hub)->run();
    accept_loop(acceptor, io, hub);
  });
}

void notify_ready() {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (!path) return;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
  const char msg[] = "READY=1";
  ::sendto(fd, msg, std::strlen(msg), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(fd);
}

}  // namespace

int run_fanout_server(std::uint16_t port, unsigned threads) {
  net::io_context io(static_cast<int>(threads));
  Hub hub;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), port));
  accept_loop(acceptor, io, hub);
  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { io.stop(); });
  notify_ready();
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace contactd::bench
