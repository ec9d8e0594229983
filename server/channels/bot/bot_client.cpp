#include "channels/bot/bot_client.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>
#include <optional>

namespace contactd::channels {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace json = boost::json;
using tcp = net::ip::tcp;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr const char* kCaFileVariable = "CONTACTD_BOT_CA_FILE";

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

struct Answer {
  std::vector<std::string> messages;
  bool handoff{true};
};

// Where a bot URL points.
struct BotUrl {
  bool tls{false};
  std::string host;     // as written, for the Host header
  std::string address;  // for resolution, SNI and the certificate's name check
  std::string port;
  std::string target;
};

// nullopt unless `text` is an http:// or https:// URL.
std::optional<BotUrl> parse_bot_url(const std::string& text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || (url->scheme() != "http" && url->scheme() != "https")) return std::nullopt;
  BotUrl u;
  u.tls = url->scheme() == "https";
  u.host = std::string(url->host());
  u.address = std::string(url->host_address());
  u.port = url->has_port() ? std::string(url->port()) : (u.tls ? "443" : "80");
  u.target = std::string(url->encoded_path().empty() ? "/" : url->encoded_path());
  if (url->has_query()) u.target += "?" + std::string(url->encoded_query());
  return u;
}

// The TLS client context every https request shares: peer verification on,
// the system trust store plus, if CONTACTD_BOT_CA_FILE names a readable file,
// its CAs. An unreadable file is logged and ignored.
std::shared_ptr<ssl::context> make_tls_context() {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  context->set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec) spdlog::warn("bots over https: cannot load the system trust store: {}", ec.message());
  const char* ca_file = std::getenv(kCaFileVariable);
  if (ca_file && *ca_file) {
    context->load_verify_file(ca_file, ec);
    if (ec)
      spdlog::error("bots over https: cannot load {}={}: {}; using the system trust store only", kCaFileVariable,
                    ca_file, ec.message());
    else
      spdlog::info("bots over https: also trusting the CAs in {}", ca_file);
  }
  return context;
}

// One request to the bot; reports exactly once. Stream is PlainStream or
// TlsStream; the stream's deadline (the bot's timeout) covers connect, TLS
// handshake, write and read.
template <class Stream>
class BotRequest : public std::enable_shared_from_this<BotRequest<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // REQUIRES: `tls` non-null when Stream is TlsStream.
  BotRequest(net::io_context& io, core::AskBot ask, BotUrl url, std::shared_ptr<ssl::context> tls,
             std::function<void(Answer)> done)
      : resolver_(net::make_strand(io)),
        tls_(std::move(tls)),
        stream_(open(resolver_.get_executor(), tls_.get())),
        ask_(std::move(ask)),
        url_(std::move(url)),
        done_(std::move(done)) {}

  void run() {
    if constexpr (kTls) {
      if (!prepare_tls()) return;
    }
    beast::get_lowest_layer(stream_).expires_after(ask_.timeout);
    resolver_.async_resolve(
        url_.address, url_.port,
        [self = this->shared_from_this()](beast::error_code ec, tcp::resolver::results_type r) {
          if (ec) return self->fail("resolve: " + ec.message());
          beast::get_lowest_layer(self->stream_).async_connect(r, [self](beast::error_code ec2, const tcp::endpoint&) {
            if (ec2) return self->fail("connect: " + ec2.message());
            if constexpr (kTls)
              self->handshake();
            else
              self->send();
          });
        });
  }

 private:
  static Stream open(const net::any_io_executor& executor, [[maybe_unused]] ssl::context* tls) {
    if constexpr (kTls)
      return Stream(executor, *tls);
    else
      return Stream(executor);
  }

  // SNI (host names only: RFC 6066 forbids addresses) and the check that the
  // certificate names the URL's host. False (after failing) if OpenSSL refuses.
  bool prepare_tls() {
    beast::error_code ec;
    net::ip::make_address(url_.address, ec);
    if (ec && !SSL_set_tlsext_host_name(stream_.native_handle(), url_.address.c_str())) {
      fail("TLS: cannot set the server name");
      return false;
    }
    // host_name_verification only rejects; record why, for the log.
    stream_.set_verify_callback(
        [check = ssl::host_name_verification(url_.address), address = !ec](bool preverified, ssl::verify_context& ctx) {
          if (check(preverified, ctx)) return true;
          if (preverified)
            X509_STORE_CTX_set_error(ctx.native_handle(),
                                     address ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
          return false;
        });
    return true;
  }

  void handshake() {
    stream_.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) return self->send();
      std::string why = "TLS handshake: " + ec.message();
      const long verify = SSL_get_verify_result(self->stream_.native_handle());
      if (verify != X509_V_OK) why += std::string(": ") + X509_verify_cert_error_string(verify);
      self->fail(why);
    });
  }

  void send() {
    request_ = {http::verb::post, url_.target, 11};
    request_.set(http::field::host, url_.host);
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::user_agent, "contactd");
    request_.body() = json::serialize(json::object{{"interaction", ask_.interaction},
                                                   {"customer", ask_.customer},
                                                   {"event", ask_.text.empty() ? "start" : "message"},
                                                   {"text", ask_.text}});
    request_.prepare_payload();
    http::async_write(stream_, request_, [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
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

  // Closes the connection without a TLS close_notify: the answer is complete
  // (or abandoned), so nothing more is owed to the bot.
  void finish(Answer a) {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    if (done_) std::exchange(done_, nullptr)(std::move(a));
  }

  tcp::resolver resolver_;
  std::shared_ptr<ssl::context> tls_;  // null for http://
  Stream stream_;
  core::AskBot ask_;
  BotUrl url_;
  std::function<void(Answer)> done_;
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

BotClient::BotClient(net::io_context& io, host::EngineHost& host) : io_(io), host_(host), tls_(make_tls_context()) {
}

void BotClient::apply(const core::Effect& effect) {
  const auto* ask = std::get_if<core::AskBot>(&effect);
  if (!ask) return;
  const core::InteractionId interaction = ask->interaction;
  auto done = [this, interaction](Answer answer) {
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
  };
  auto url = parse_bot_url(ask->url);
  if (!url) {
    spdlog::warn("bot for interaction {} failed (bot url must be http:// or https://): handing off to the queue",
                 interaction);
    done(Answer{{}, true});
    return;
  }
  if (url->tls)
    std::make_shared<BotRequest<TlsStream>>(io_, *ask, std::move(*url), tls_, std::move(done))->run();
  else
    std::make_shared<BotRequest<PlainStream>>(io_, *ask, std::move(*url), nullptr, std::move(done))->run();
}

}  // namespace contactd::channels
