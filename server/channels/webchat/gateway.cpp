#include "channels/webchat/gateway.h"

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>

#include "auth/tokens.h"

namespace contactd::channels {
namespace {

namespace json = boost::json;

net::Frame frame(const json::object& o) { return std::make_shared<std::string>(json::serialize(o)); }

net::Frame error_frame(std::string_view code, std::string_view message) {
  return frame(json::object{{"type", "error"}, {"code", code}, {"message", message}});
}

net::Frame error_frame(const core::Error& e) { return error_frame(core::to_string(e.code), e.message); }

// The limiter measures intervals only: a monotonic clock, whatever its epoch.
core::TimePoint monotonic_now() {
  return core::TimePoint{std::chrono::duration_cast<core::Millis>(std::chrono::steady_clock::now().time_since_epoch())};
}

// The source a per-address limit applies to: the address, or for IPv6 its
// /64 (what one customer site is given), so that one site cannot spread
// over 2^64 addresses.
std::string source_of(const std::string& address) {
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(address, ec);
  if (ec || !ip.is_v6() || ip.to_v6().is_v4_mapped()) return address;
  auto bytes = ip.to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace

WebChatGateway::WebChatGateway(boost::asio::io_context& io, host::EngineHost& host, WebChatOptions options)
    : io_(io), host_(host), options_(options), limiter_(options.limits), alive_(std::make_shared<bool>(true)) {}

WebChatGateway::WebChatGateway(boost::asio::io_context& io, host::EngineHost& host, std::chrono::seconds resume_window)
    : WebChatGateway(io, host, WebChatOptions{resume_window, resume_window, {}}) {}

WebChatGateway::~WebChatGateway() { *alive_ = false; }

void WebChatGateway::on_frame(const net::PeerPtr& peer, std::string_view bytes, bool binary) {
  if (binary) return peer->send(error_frame("malformed", "send JSON text frames"));
  boost::system::error_code ec;
  json::value value = json::parse(bytes, ec);
  if (ec || !value.is_object()) return peer->send(error_frame("malformed", "each frame is one JSON object"));
  const json::object& o = value.as_object();
  const json::string* type = o.if_contains("type") ? o.at("type").if_string() : nullptr;
  if (!type) return peer->send(error_frame("malformed", "\"type\" is required"));
  if (!admit(peer, *type == "start" || *type == "resume")) return;

  if (*type == "start") {
    const json::value* campaign = o.if_contains("campaign");
    if (!campaign || !campaign->is_int64() || campaign->as_int64() <= 0)
      return peer->send(error_frame("invalid_argument", "\"campaign\" must be a campaign id"));
    return start(peer, static_cast<core::CampaignId>(campaign->as_int64()));
  }
  if (*type == "resume") {
    const json::value* token = o.if_contains("token");
    if (!token || !token->is_string() || token->as_string().empty() || token->as_string().size() > 128)
      return peer->send(error_frame("invalid_argument", "\"token\" must be the token from \"started\""));
    return resume(peer, std::string(token->as_string()));
  }
  if (*type == "message") {
    const json::value* text = o.if_contains("text");
    if (!text || !text->is_string()) return peer->send(error_frame("invalid_argument", "\"text\" must be a string"));
    const json::value* ref = o.if_contains("ref");
    if (ref && (!ref->is_string() || ref->as_string().size() > 64))
      return peer->send(error_frame("invalid_argument", "\"ref\" must be a string of at most 64 bytes"));
    std::string reference = ref ? std::string(ref->as_string()) : std::string();
    const core::ConnectionId connection = peer->id();
    std::string body(text->as_string());
    host_.execute(
        [this, connection, body](core::Engine& e, core::TimePoint now) {
          auto it = interaction_of_.find(connection);
          if (it == interaction_of_.end()) return core::Outcome::failure(core::ErrorCode::failed_precondition, "start a conversation first");
          return e.handle(core::Command{core::Actor::System(), core::CustomerMessage{it->second, body, {}}}, now);
        },
        [peer, reference](const core::Outcome& out) {
          if (!out.ok()) return peer->send(error_frame(*out.error));
          json::object sent{{"type", "sent"}, {"id", std::get<core::CreatedReply>(out.reply).id}};
          if (!reference.empty()) sent["ref"] = reference;
          peer->send(frame(sent));  // durable: it will not be lost
        });
    return;
  }
  if (*type == "leave") {
    const core::ConnectionId connection = peer->id();
    host_.execute(
        [this, connection](core::Engine& e, core::TimePoint now) {
          auto it = interaction_of_.find(connection);
          if (it == interaction_of_.end()) return core::Outcome::failure(core::ErrorCode::failed_precondition, "no conversation to leave");
          const core::InteractionId id = it->second;
          forget(id);
          return e.handle(core::Command{core::Actor::System(), core::CustomerLeft{id}}, now);
        },
        [peer](const core::Outcome& out) {
          if (!out.ok()) return peer->send(error_frame(*out.error));
          peer->send(frame(json::object{{"type", "ended"}}));
        });
    return;
  }
  peer->send(error_frame("malformed", "unknown type (expected start, resume, message or leave)"));
}

bool WebChatGateway::admit(const net::PeerPtr& peer, bool start) {
  bool allowed = false;
  {
    std::lock_guard lock(limiter_mutex_);
    const std::string source = source_of(peer->remote_address());
    allowed = start ? limiter_.allow_start(peer->id(), source, monotonic_now())
                    : limiter_.allow_message(peer->id(), source, monotonic_now());
  }
  if (!allowed)
    peer->send(error_frame("rate_limited", start ? "too many conversations started: wait a minute"
                                                 : "too many messages: slow down"));
  return allowed;
}

void WebChatGateway::start(const net::PeerPtr& peer, core::CampaignId campaign) {
  const std::string visitor = "webchat-" + auth::new_token().substr(0, 16);
  const core::ConnectionId connection = peer->id();
  host_.execute(
      [this, connection, campaign, visitor](core::Engine& e, core::TimePoint now) {
        if (interaction_of_.count(connection))
          return core::Outcome::failure(core::ErrorCode::failed_precondition, "this connection already has a conversation");
        return e.handle(
            core::Command{core::Actor::System(), core::OpenInteraction{campaign, core::Channel::webchat, visitor, 0}},
            now);
      },
      [this, peer, visitor](const core::Outcome& out) {
        if (!out.ok()) return peer->send(error_frame(*out.error));
        const auto id = std::get<core::CreatedReply>(out.reply).id;
        Conversation& c = conversations_[id];
        c.interaction = id;
        c.token = auth::new_token();
        c.peer = peer;
        by_token_[c.token] = id;
        interaction_of_[peer->id()] = id;
        peer->mark_authenticated();
        peer->send(frame(json::object{{"type", "started"}, {"interaction", id}, {"visitor", visitor}, {"token", c.token}}));
      });
}

void WebChatGateway::resume(const net::PeerPtr& peer, std::string token) {
  const core::ConnectionId connection = peer->id();
  host_.execute(
      [this, connection, token](core::Engine& e, core::TimePoint now) {
        if (interaction_of_.count(connection))
          return core::Outcome::failure(core::ErrorCode::failed_precondition, "this connection already has a conversation");
        auto t = by_token_.find(token);
        if (t == by_token_.end())
          return core::Outcome::failure(core::ErrorCode::not_found, "unknown or expired conversation: start a new one");
        if (conversations_.at(t->second).ended) return core::Outcome{};  // over: "resumed", then "ended"
        return e.handle(core::Command{core::Actor::System(), core::CustomerReturned{t->second}}, now);
      },
      [this, peer, token](const core::Outcome& out) {
        if (!out.ok()) return peer->send(error_frame(*out.error));
        auto t = by_token_.find(token);
        if (t == by_token_.end()) return peer->send(error_frame("not_found", "unknown or expired conversation: start a new one"));
        Conversation& c = conversations_.at(t->second);
        if (c.peer) {  // the old connection is still open: this one supersedes it
          interaction_of_.erase(c.peer->id());
          c.peer->close(net::CloseCode::normal, "resumed elsewhere");
        }
        c.peer = peer;
        ++c.away_generation;  // cancels the pending expiry
        interaction_of_[peer->id()] = c.interaction;
        peer->mark_authenticated();
        peer->send(frame(json::object{{"type", "resumed"}, {"interaction", c.interaction}}));
        for (auto& f : c.outbox) peer->send(std::move(f));
        c.outbox.clear();
        if (c.ended) forget(c.interaction);
      });
}

void WebChatGateway::on_closed(const net::PeerPtr& peer) {
  const core::ConnectionId connection = peer->id();
  {
    std::lock_guard lock(limiter_mutex_);
    limiter_.forget(connection);
  }
  host_.execute(
      [this, connection](core::Engine& e, core::TimePoint now) {
        auto it = interaction_of_.find(connection);
        if (it == interaction_of_.end()) return core::Outcome{};
        Conversation& c = conversations_.at(it->second);
        interaction_of_.erase(it);
        c.peer.reset();
        // Away: the customer may resume within the window, else has left.
        const auto generation = ++c.away_generation;
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, options_.resume_window);
        timer->async_wait([this, timer, alive = alive_, id = c.interaction, generation](boost::system::error_code) {
          if (*alive) expire(id, generation);
        });
        if (c.ended) return core::Outcome{};
        // R-IN-6: if no agent holds it, the engine abandons it unless the customer is back in time.
        return e.handle(core::Command{core::Actor::System(), core::CustomerAway{c.interaction, options_.abandon_after}},
                        now);
      },
      nullptr, /*client_work=*/false);
}

void WebChatGateway::expire(core::InteractionId id, std::uint64_t generation) {
  host_.execute(
      [this, id, generation](core::Engine& e, core::TimePoint now) {
        auto it = conversations_.find(id);
        if (it == conversations_.end() || it->second.peer || it->second.away_generation != generation)
          return core::Outcome{};  // resumed, or over already
        forget(id);
        // Leaving by closing the page: tell the agent, unless it is over already.
        const core::Interaction* i = e.find_interaction(id);
        if (!i || i->state == core::InteractionState::finished) return core::Outcome{};
        return e.handle(core::Command{core::Actor::System(), core::CustomerLeft{id}}, now);
      },
      nullptr, /*client_work=*/false);
}

void WebChatGateway::send(Conversation& c, net::Frame f) {
  if (c.peer) return c.peer->send(std::move(f));
  c.outbox.push_back(std::move(f));
  if (c.outbox.size() > kOutboxFrames) c.outbox.pop_front();  // the history keeps them all
}

void WebChatGateway::forget(core::InteractionId interaction) {
  auto it = conversations_.find(interaction);
  if (it == conversations_.end()) return;
  if (it->second.peer) interaction_of_.erase(it->second.peer->id());
  by_token_.erase(it->second.token);
  conversations_.erase(it);
}

void WebChatGateway::interaction_of_token(std::string token,
                                          std::function<void(std::optional<core::InteractionId>)> done) {
  host_.lookup([this, token = std::move(token), done = std::move(done)](const core::Engine&) {
    auto it = by_token_.find(token);
    done(it == by_token_.end() ? std::nullopt : std::optional<core::InteractionId>(it->second));
  });
}

void WebChatGateway::publish(const std::vector<core::Event>& events) {
  for (const auto& e : events) {
    core::InteractionId ended = 0;
    if (const auto* f = std::get_if<core::InteractionFinished>(&e.body)) ended = f->interaction;
    if (const auto* c = std::get_if<core::InteractionClosed>(&e.body)) ended = c->interaction;
    if (const auto* a = std::get_if<core::InteractionAbandoned>(&e.body)) ended = a->interaction;
    if (ended == 0) continue;
    auto it = conversations_.find(ended);
    if (it == conversations_.end()) continue;
    send(it->second, frame(json::object{{"type", "ended"}}));
    if (it->second.peer) forget(ended);
    else it->second.ended = true;  // told on resume; forgotten when the window passes
  }
}

void WebChatGateway::apply(const core::Effect& effect) {
  const auto* deliver = std::get_if<core::DeliverMessage>(&effect);
  if (!deliver || deliver->channel != core::Channel::webchat) return;
  auto it = conversations_.find(deliver->message.interaction);
  if (it == conversations_.end()) return;  // the customer left; the message stays in the history
  json::array attachments;
  for (const auto& a : deliver->message.attachments)
    attachments.push_back(json::object{{"filename", a.filename}, {"size_bytes", a.size_bytes},
                                       {"reference", a.reference}, {"voice", a.voice}});
  send(it->second, frame(json::object{{"type", "message"},
                                      {"id", deliver->message.message},
                                      {"from", core::to_string(deliver->message.sender)},
                                      {"name", deliver->message.author_name},
                                      {"text", deliver->message.text},
                                      {"attachments", std::move(attachments)}}));
}

}  // namespace contactd::channels
