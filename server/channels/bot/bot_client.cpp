#include "channels/bot/bot_client.h"

#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace contactd::channels {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace json = boost::json;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;

struct Answer {
  std::vector<std::string> messages;
  bool handoff{true};
};

// One request to the bot; reports exactly once.
class BotRequest : public std::enable_shared_from_this<BotRequest> {
 public:
  BotRequest(net::io_context& io, core::AskBot ask, std::function<void(Answer)> done)
      : resolver_(net::make_strand(io)), stream_(resolver_.get_executor()), ask_(std::move(ask)), done_(std::move(done)) {}

  void run() {
    auto url = boost::urls::parse_uri(ask_.url);
    if (!url || url->scheme() != "http") return fail("bot url must be http://");
    host_ = std::string(url->host());
    const std::string port = url->has_port() ? std::string(url->port()) : "80";
    target_ = std::string(url->encoded_path().empty() ? "/" : url->encoded_path());
    if (url->has_query()) target_ += "?" + std::string(url->encoded_query());
    stream_.expires_after(ask_.timeout);
    resolver_.async_resolve(host_, port, [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
      if (ec) return self->fail("resolve: " + ec.message());
      self->stream_.async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
        if (ec2) return self->fail("connect: " + ec2.message());
        self->send();
      });
    });
  }

 private:
  void send() {
    request_ = {http::verb::post, target_, 11};
    request_.set(http::field::host, host_);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::user_agent, "contactd");
    request_.body() = json::serialize(json::object{{"interaction", ask_.interaction},
                                                   {"customer", ask_.customer},
                                                   {"event", ask_.text.empty() ? "start" : "message"},
                                                   {"text", ask_.text}});
    request_.prepare_payload();
    http::async_write(stream_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write: " + ec.message());
      self->parser_.body_limit(kMaxAnswerBytes);
      http::async_read(self->stream_, self->buffer_, self->parser_, [self](beast::error_code ec2, std::size_t) {
        if (ec2) return self->fail("read: " + ec2.message());
        self->parse(self->parser_.get());
      });
    });
  }

  void parse(const http::response<http::string_body>& res) {
    if (res.result() != http::status::ok) return fail("HTTP " + std::to_string(res.result_int()));
    boost::system::error_code ec;
    json::value v = json::parse(res.body(), ec);
    if (ec || !v.is_object()) return fail("answer is not a JSON object");
    const auto& o = v.as_object();
    Answer a;
    a.handoff = false;
    if (const auto* h = o.if_contains("handoff")) {
      if (!h->is_bool()) return fail("\"handoff\" must be true or false");
      a.handoff = h->as_bool();
    }
    if (const auto* m = o.if_contains("messages")) {
      if (!m->is_array()) return fail("\"messages\" must be an array of strings");
      for (const auto& item : m->as_array()) {
        if (!item.is_string()) return fail("\"messages\" must be an array of strings");
        a.messages.emplace_back(item.as_string());
      }
    }
    finish(std::move(a));
  }

  void fail(const std::string& why) {
    spdlog::warn("bot for interaction {} failed ({}): handing off to the queue", ask_.interaction, why);
    finish(Answer{{}, true});
  }

  void finish(Answer a) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (done_) std::exchange(done_, nullptr)(std::move(a));
  }

  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  core::AskBot ask_;
  std::function<void(Answer)> done_;
  std::string host_;
  std::string target_;
  http::request<http::string_body> request_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
};

// Appends `next` to `into` (the engine handles several commands as one unit of work).
void merge(core::Outcome& into, core::Outcome next) {
  for (auto& e : next.events) into.events.push_back(std::move(e));
  for (auto& e : next.effects) into.effects.push_back(std::move(e));
}

}  // namespace

BotClient::BotClient(net::io_context& io, host::EngineHost& host) : io_(io), host_(host) {}

void BotClient::apply(const core::Effect& effect) {
  const auto* ask = std::get_if<core::AskBot>(&effect);
  if (!ask) return;
  const core::InteractionId interaction = ask->interaction;
  auto request = std::make_shared<BotRequest>(io_, *ask, [this, interaction](Answer answer) {
    host_.execute(
        [interaction, answer = std::move(answer)](core::Engine& e, core::TimePoint now) {
          // The bot's messages, then its decision, as one unit. If the customer
          // already left the bot (its deadline passed), nothing happens.
          core::Outcome all;
          for (const auto& text : answer.messages) {
            auto o = e.handle(core::Command{core::Actor::System(), core::BotMessage{interaction, text}}, now);
            if (!o.ok()) return all;
            merge(all, std::move(o));
          }
          auto o = e.handle(core::Command{core::Actor::System(), core::BotAnswered{interaction, answer.handoff}}, now);
          if (o.ok()) merge(all, std::move(o));
          return all;
        },
        nullptr, /*client_work=*/false);
  });
  request->run();
}

}  // namespace contactd::channels
