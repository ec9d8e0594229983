#include "harness/test_bot.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <mutex>

namespace contactd::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct TestBot::Impl {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::thread loop;
  std::mutex mu;
  std::vector<std::thread> handlers;
};

namespace {

void serve(tcp::socket socket, std::atomic<int>& requests) {
  beast::error_code ec;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::read(socket, buffer, req, ec);
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
    answer = boost::json::serialize(boost::json::object{{"messages", boost::json::array{"You said: " + text}},
                                                        {"handoff", false}});
  }
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = answer;
  res.prepare_payload();
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
}

}  // namespace

TestBot::TestBot() : impl_(std::make_unique<Impl>()) {
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->loop = std::thread([this] {
    std::function<void()> accept = [&] {
      impl_->acceptor.async_accept([&](beast::error_code ec, tcp::socket socket) {
        if (ec) return;
        std::lock_guard lock(impl_->mu);
        impl_->handlers.emplace_back(serve, std::move(socket), std::ref(requests_));
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
