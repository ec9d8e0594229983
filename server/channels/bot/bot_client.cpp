#include "channels/bot/bot_client.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>
#include <optional>

namespace contactd::channels {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr std::size_t kConnectionsPerBot = 64;
constexpr const char* kCaFileVariable = "CONTACTD_BOT_CA_FILE";

struct Answer {
  std::vector<std::string> messages;
  bool handoff{true};
};

// Where a bot URL points.
struct BotUrl {
  std::string origin;  // "https://host:port"
  std::string target;  // path and query
};

// nullopt unless `text` is an http:// or https:// URL.
std::optional<BotUrl> parse_bot_url(const std::string& text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host_address().empty())
    return std::nullopt;
  BotUrl u;
  u.origin = std::string(url->scheme()) + "://" + std::string(url->encoded_host_and_port());
  u.target = std::string(url->encoded_path().empty() ? "/" : url->encoded_path());
  if (url->has_query()) u.target += "?" + std::string(url->encoded_query());
  return u;
}

// The bot's answer, or why it is not one.
std::variant<Answer, std::string> read_answer(const HttpResult& result) {
  if (const auto* failure = std::get_if<HttpFailure>(&result)) return failure->detail;
  const auto& res = std::get<HttpResponse>(result);
  if (res.status != 200) return "HTTP " + std::to_string(res.status);
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (ec || !v.is_object()) return std::string("answer is not a JSON object");
  const auto& o = v.as_object();
  Answer a;
  a.handoff = false;
  if (const auto* h = o.if_contains("handoff")) {
    if (!h->is_bool()) return std::string("\"handoff\" must be true or false");
    a.handoff = h->as_bool();
  }
  if (const auto* m = o.if_contains("messages")) {
    if (!m->is_array()) return std::string("\"messages\" must be an array of strings");
    for (const auto& item : m->as_array()) {
      if (!item.is_string()) return std::string("\"messages\" must be an array of strings");
      a.messages.emplace_back(item.as_string());
    }
  }
  return a;
}

// The CA file named by CONTACTD_BOT_CA_FILE if it loads; an unloadable one is
// logged and ignored (the system trust store only).
std::string bot_ca_file() {
  const char* ca_file = std::getenv(kCaFileVariable);
  if (!ca_file || !*ca_file) return {};
  if (auto why = check_ca_file(ca_file); !why.empty()) {
    spdlog::error("bots over https: cannot load {}={}: {}; using the system trust store only", kCaFileVariable,
                  ca_file, why);
    return {};
  }
  spdlog::info("bots over https: also trusting the CAs in {}", ca_file);
  return ca_file;
}

// Appends `next` to `into` (the engine handles several commands as one unit of work).
void merge(core::Outcome& into, core::Outcome next) {
  for (auto& e : next.events) into.events.push_back(std::move(e));
  for (auto& e : next.effects) into.effects.push_back(std::move(e));
}

}  // namespace

BotClient::BotClient(boost::asio::io_context& io, host::EngineHost& host)
    : io_(io), host_(host), ca_file_(bot_ca_file()) {}

HttpClient& BotClient::client_for(const std::string& origin) {
  std::lock_guard lock(mu_);
  auto& client = clients_[origin];
  if (!client) {
    HttpClientOptions options;
    options.base_url = origin;
    options.max_response_body = kMaxAnswerBytes;
    options.max_connections = kConnectionsPerBot;
    options.ca_file = ca_file_;
    client = std::make_unique<HttpClient>(io_, std::move(options));
  }
  return *client;
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
  auto handoff = [done, interaction](const std::string& why) {
    spdlog::warn("bot for interaction {} failed ({}): handing off to the queue", interaction, why);
    done(Answer{{}, true});
  };
  auto url = parse_bot_url(ask->url);
  if (!url) return handoff("bot url must be http:// or https://");
  HttpRequest request;
  request.method = "POST";
  request.target = url->target;
  request.headers = {{"Content-Type", "application/json"}};
  request.body = json::serialize(json::object{{"interaction", ask->interaction},
                                              {"customer", ask->customer},
                                              {"event", ask->text.empty() ? "start" : "message"},
                                              {"text", ask->text}});
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(ask->timeout);
  client_for(url->origin).request(std::move(request), [done, handoff](HttpResult result) {
    auto answer = read_answer(result);
    if (auto* why = std::get_if<std::string>(&answer)) return handoff(*why);
    done(std::get<Answer>(std::move(answer)));
  });
}

}  // namespace contactd::channels
