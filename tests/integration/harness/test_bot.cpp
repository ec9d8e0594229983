#include "harness/test_bot.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <optional>

namespace contactd::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

struct TestBot::Impl {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::optional<ssl::context> tls;  // set: https
  std::thread loop;
  std::mutex mu;
  std::vector<std::thread> handlers;
};

namespace {

// Reads one request from `stream` and answers it.
template <class Stream>
void answer_one(Stream& stream, std::atomic<int>& requests) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::read(stream, buffer, req, ec);
  if (ec) return;
  ++requests;
  auto body = boost::json::parse(req.body(), ec);
  std::string text = (!ec && body.is_object() && body.as_object().contains("text"))
                         ? std::string(body.as_object().at("text").as_string())
                         : "";
  std::string answer;
  if (text.empty()) {
    answer = R"({"messages":["Hi, I am Sally. Ask me anything, or ask for an agent."],"handoff":false})";
  } else if (text.find("agent") != std::string::npos) {
    answer = R"({"messages":["Passing you to an agent."],"handoff":true})";
  } else if (text.find("slow") != std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    answer = R"({"messages":["Sorry, I was slow."],"handoff":false})";
  } else if (text.find("garbage") != std::string::npos) {
    answer = "this is not json";
  } else {
    answer = boost::json::serialize(
        boost::json::object{{"messages", boost::json::array{"You said: " + text}}, {"handoff", false}});
  }
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = answer;
  res.prepare_payload();
  http::write(stream, res, ec);
}

// Serves one connection; over TLS when `tls` is set (no close_notify: the
// socket is shut down after the answer, as contactd does).
void serve(tcp::socket socket, std::atomic<int>& requests, ssl::context* tls) {
  beast::error_code ec;
  if (tls) {
    ssl::stream<tcp::socket&> stream(socket, *tls);
    stream.handshake(ssl::stream_base::server, ec);
    if (!ec) answer_one(stream, requests);
  } else {
    answer_one(socket, requests);
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

TestBot::TestBot() : impl_(std::make_unique<Impl>()) {
  start();
}

TestBot::TestBot(const TestCertificates& tls) : impl_(std::make_unique<Impl>()) {
  impl_->tls.emplace(ssl::context::tls_server);
  impl_->tls->use_certificate_chain_file(tls.cert_file());
  impl_->tls->use_private_key_file(tls.key_file(), ssl::context::pem);
  start();
}

std::string TestBot::url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + "/bot";
}

void TestBot::start() {
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->loop = std::thread([this] {
    std::function<void()> accept = [&] {
      impl_->acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
        if (ec) return;
        std::lock_guard lock(impl_->mu);
        ssl::context* tls = impl_->tls ? &*impl_->tls : nullptr;
        impl_->handlers.emplace_back(serve, std::move(socket), std::ref(requests_), tls);
        accept();
      });
    };
    accept();
    impl_->io.run();
  });
}

TestBot::~TestBot() {
  net::post(impl_->io, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->loop.join();
  std::lock_guard lock(impl_->mu);
  for (auto& t : impl_->handlers) t.join();
}

}  // namespace contactd::test
