#include "call/agent_sessions.h"

#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdio>
#include <functional>
#include <future>
#include <thread>

#include "contactd/v1/envelope.pb.h"

namespace contactd::bench::call {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace v1 = ::contactd::v1;
using tcp = net::ip::tcp;

namespace {

// The agents' reader polls its sockets every few milliseconds instead of
// waking for each event: contactd writes every event in a TCP segment of its
// own, and reading them one wakeup at a time cost the generator (standing in
// for the agents' browsers, which in real life run on other machines) ~6 us
// per event: with 200 agents, half as much CPU as contactd spent on the call.
// Polled, each read takes whatever arrived meanwhile (a few to tens
// of events). Every frame (pings and close frames included) is still read
// within this delay.
constexpr auto kReadEvery = std::chrono::milliseconds(20);

// One agent's WebSocket session: log in, then read (and drop) every event.
struct Session : std::enable_shared_from_this<Session> {
  Session(net::io_context& io, AgentSessions::State& s) : ws(io), state(s) { buffer.reserve(64 * 1024); }
  websocket::stream<beast::tcp_stream> ws;
  AgentSessions::State& state;
  beast::flat_buffer buffer;
  std::string login;
  std::string request;  // the Login envelope, kept alive while written
  std::function<void(bool)> done;  // until the login's answer
  bool open{false};

  void start(std::uint16_t port, std::string password);
  void read();
  void finish(bool ok) {
    if (done) std::exchange(done, nullptr)(ok);
  }
};

}  // namespace

struct AgentSessions::State {
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
  std::uint16_t port{0};
  bool count_kinds{false};
  std::map<int, std::uint64_t> kinds;  // io thread only
  std::atomic<std::uint64_t>* frames{nullptr};
  std::vector<std::shared_ptr<Session>> sessions;  // io thread only
  std::thread thread;

  template <class F>
  auto on_io(F f) {
    std::packaged_task<decltype(f())()> task(std::move(f));
    auto result = task.get_future();
    net::post(io, [&task] { task(); });
    return result.get();
  }
};

namespace {

void Session::start(std::uint16_t port, std::string password) {
  auto self = shared_from_this();
  beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(30));
  beast::get_lowest_layer(ws).async_connect(
      tcp::endpoint(net::ip::address_v4::loopback(), port), [self, password](beast::error_code ec) {
        if (ec) return self->finish(false);
        self->ws.async_handshake("127.0.0.1", "/ws", [self, password](beast::error_code ec) {
          beast::get_lowest_layer(self->ws).expires_never();
          if (ec) return self->finish(false);
          self->ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
          self->ws.binary(true);
          self->ws.read_message_max(64 * 1024 * 1024);
          self->open = true;
          v1::Envelope e;
          e.set_request_id(1);
          e.mutable_command()->mutable_login()->set_login(self->login);
          e.mutable_command()->mutable_login()->set_password(password);
          self->request = e.SerializeAsString();
          self->ws.async_write(net::buffer(self->request), [self](beast::error_code ec, std::size_t) {
            if (ec) self->finish(false);
          });
          self->read();
        });
      });
}

void Session::read() {
  auto self = shared_from_this();
  ws.async_read(buffer, [self](beast::error_code ec, std::size_t) {
    if (ec) {
      self->open = false;
      return self->finish(false);
    }
    AgentSessions::State& s = self->state;
    ++*s.frames;
    const auto data = self->buffer.cdata();
    if (self->done || s.count_kinds) {
      v1::Envelope e;
      if (e.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
        if (e.has_event() && s.count_kinds) ++s.kinds[static_cast<int>(e.event().kind_case())];
        if (self->done && e.has_response() && e.response().has_login()) {
          self->finish(true);
        } else if (self->done && e.has_error()) {
          std::fprintf(stderr, "call_bench: login of %s refused: %s\n", self->login.c_str(),
                       e.error().message().c_str());
          self->finish(false);
        }
      }
    }
    self->buffer.consume(self->buffer.size());
    self->read();
  });
}

}  // namespace

AgentSessions::AgentSessions(std::uint16_t api_port, bool count_kinds) : s_(std::make_unique<State>()) {
  s_->port = api_port;
  s_->count_kinds = count_kinds;
  s_->frames = &frames_;
  s_->thread = std::thread([this, s = s_.get()] {
    tid_ = static_cast<int>(::gettid());
    while (!s->io.stopped()) {
      s->io.poll();
      std::this_thread::sleep_for(kReadEvery);
    }
  });
}

AgentSessions::~AgentSessions() {
  s_->on_io([s = s_.get()] {
    for (auto& session : s->sessions)
      if (session->open) session->ws.async_close(websocket::close_code::normal, [session](beast::error_code) {});
    return 0;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the close handshakes go out
  net::post(s_->io, [s = s_.get()] {
    for (auto& session : s->sessions) beast::get_lowest_layer(session->ws).close();
    s->sessions.clear();
    s->guard.reset();
    s->io.stop();
  });
  s_->thread.join();
}

std::size_t AgentSessions::login_all(const std::vector<std::string>& logins, const std::string& password,
                                     std::size_t window) {
  struct Progress {
    std::size_t next{0}, pending{0}, finished{0}, ok{0};
    std::promise<std::size_t> done;
    std::function<void()> launch;
  };
  auto progress = std::make_shared<Progress>();
  auto result = progress->done.get_future();
  State* s = s_.get();
  net::post(s->io, [s, progress, logins, password, window] {
    progress->launch = [s, progress, logins, password, window] {
      if (progress->finished == logins.size()) {
        progress->done.set_value(progress->ok);
        progress->launch = nullptr;  // breaks the cycle through the captures
        return;
      }
      while (progress->next < logins.size() && progress->pending < window) {
        ++progress->pending;
        auto session = std::make_shared<Session>(s->io, *s);
        session->login = logins[progress->next++];
        session->done = [progress, login = session->login](bool ok) {
          if (!ok) std::fprintf(stderr, "call_bench: %s could not log in\n", login.c_str());
          --progress->pending;
          ++progress->finished;
          if (ok) ++progress->ok;
          if (progress->launch) progress->launch();
        };
        s->sessions.push_back(session);
        session->start(s->port, password);
      }
    };
    progress->launch();
  });
  if (result.wait_for(std::chrono::minutes(2)) != std::future_status::ready) {
    std::fprintf(stderr, "call_bench: logins did not finish within two minutes\n");
    return 0;
  }
  return result.get();
}

std::map<std::string, std::uint64_t> AgentSessions::kinds() const {
  return s_->on_io([s = s_.get()] {
    std::map<std::string, std::uint64_t> out;
    for (auto [kind, n] : s->kinds) {
      const auto* field = v1::Event::descriptor()->FindFieldByNumber(kind);
      out[field ? field->name() : std::to_string(kind)] = n;
    }
    return out;
  });
}

std::size_t AgentSessions::open() const {
  return s_->on_io([s = s_.get()] {
    std::size_t n = 0;
    for (auto& session : s->sessions) n += session->open ? 1 : 0;
    return n;
  });
}

}  // namespace contactd::bench::call
