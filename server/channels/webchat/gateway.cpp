#include "channels/webchat/gateway.h"

#include <boost/json.hpp>

#include "api/auth.h"

namespace contactd::channels {
namespace {

namespace json = boost::json;

api::Frame frame(const json::object& o) { return std::make_shared<std::string>(json::serialize(o)); }

api::Frame error_frame(std::string_view code, std::string_view message) {
  return frame(json::object{{"type", "error"}, {"code", code}, {"message", message}});
}

api::Frame error_frame(const core::Error& e) { return error_frame(core::to_string(e.code), e.message); }

core::Outcome failure(core::ErrorCode code, std::string message) {
  core::Outcome o;
  o.error = core::Error{code, std::move(message)};
  return o;
}

}  // namespace

WebChatGateway::WebChatGateway(host::EngineHost& host) : host_(host) {}

void WebChatGateway::on_frame(const api::PeerPtr& peer, std::string_view bytes, bool binary) {
  if (binary) return peer->send(error_frame("malformed", "send JSON text frames"));
  boost::system::error_code ec;
  json::value value = json::parse(bytes, ec);
  if (ec || !value.is_object()) return peer->send(error_frame("malformed", "each frame is one JSON object"));
  const json::object& o = value.as_object();
  const json::string* type = o.if_contains("type") ? o.at("type").if_string() : nullptr;
  if (!type) return peer->send(error_frame("malformed", "\"type\" is required"));

  if (*type == "start") {
    const json::value* campaign = o.if_contains("campaign");
    if (!campaign || !campaign->is_int64() || campaign->as_int64() <= 0)
      return peer->send(error_frame("invalid_argument", "\"campaign\" must be a campaign id"));
    return start(peer, static_cast<core::CampaignId>(campaign->as_int64()));
  }
  if (*type == "message") {
    const json::value* text = o.if_contains("text");
    if (!text || !text->is_string()) return peer->send(error_frame("invalid_argument", "\"text\" must be a string"));
    const core::ConnectionId connection = peer->id();
    std::string body(text->as_string());
    host_.execute(
        [this, connection, body](core::Engine& e, core::TimePoint now) {
          auto it = interaction_of_.find(connection);
          if (it == interaction_of_.end()) return failure(core::ErrorCode::failed_precondition, "start a conversation first");
          return e.handle(core::Command{core::Actor::System(), core::CustomerMessage{it->second, body, {}}}, now);
        },
        [peer](const core::Outcome& out) {
          if (!out.ok()) peer->send(error_frame(*out.error));
        });
    return;
  }
  if (*type == "leave") {
    const core::ConnectionId connection = peer->id();
    host_.execute(
        [this, connection](core::Engine& e, core::TimePoint now) {
          auto it = interaction_of_.find(connection);
          if (it == interaction_of_.end()) return failure(core::ErrorCode::failed_precondition, "no conversation to leave");
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
  peer->send(error_frame("malformed", "unknown type (expected start, message or leave)"));
}

void WebChatGateway::start(const api::PeerPtr& peer, core::CampaignId campaign) {
  const std::string visitor = "webchat-" + api::new_token().substr(0, 16);
  const core::ConnectionId connection = peer->id();
  host_.execute(
      [this, connection, campaign, visitor](core::Engine& e, core::TimePoint now) {
        if (interaction_of_.count(connection))
          return failure(core::ErrorCode::failed_precondition, "this connection already has a conversation");
        return e.handle(
            core::Command{core::Actor::System(), core::OpenInteraction{campaign, core::Channel::webchat, visitor, 0}},
            now);
      },
      [this, peer, visitor](const core::Outcome& out) {
        if (!out.ok()) return peer->send(error_frame(*out.error));
        const auto id = std::get<core::CreatedReply>(out.reply).id;
        customers_[id] = peer;
        interaction_of_[peer->id()] = id;
        peer->send(frame(json::object{{"type", "started"}, {"interaction", id}, {"visitor", visitor}}));
      });
}

void WebChatGateway::on_closed(const api::PeerPtr& peer) {
  const core::ConnectionId connection = peer->id();
  host_.execute(
      [this, connection](core::Engine& e, core::TimePoint now) {
        auto it = interaction_of_.find(connection);
        if (it == interaction_of_.end()) return core::Outcome{};
        const core::InteractionId id = it->second;
        forget(id);
        // Leaving by closing the page: tell the agent, unless it is over already.
        const core::Interaction* i = e.find_interaction(id);
        if (!i || i->state == core::InteractionState::finished) return core::Outcome{};
        return e.handle(core::Command{core::Actor::System(), core::CustomerLeft{id}}, now);
      },
      nullptr, /*client_work=*/false);
}

void WebChatGateway::forget(core::InteractionId interaction) {
  auto it = customers_.find(interaction);
  if (it == customers_.end()) return;
  interaction_of_.erase(it->second->id());
  customers_.erase(it);
}

void WebChatGateway::publish(const std::vector<core::Event>& events) {
  for (const auto& e : events) {
    core::InteractionId ended = 0;
    if (const auto* f = std::get_if<core::InteractionFinished>(&e.body)) ended = f->interaction;
    if (const auto* c = std::get_if<core::InteractionClosed>(&e.body)) ended = c->interaction;
    if (ended == 0) continue;
    auto it = customers_.find(ended);
    if (it == customers_.end()) continue;
    it->second->send(frame(json::object{{"type", "ended"}}));
    forget(ended);
  }
}

void WebChatGateway::apply(const core::Effect& effect) {
  const auto* deliver = std::get_if<core::DeliverMessage>(&effect);
  if (!deliver || deliver->channel != core::Channel::webchat) return;
  auto it = customers_.find(deliver->message.interaction);
  if (it == customers_.end()) return;  // the customer left; the message stays in the history
  json::array attachments;
  for (const auto& a : deliver->message.attachments)
    attachments.push_back(json::object{{"filename", a.filename}, {"size_bytes", a.size_bytes},
                                       {"reference", a.reference}, {"voice", a.voice}});
  it->second->send(frame(json::object{{"type", "message"},
                                      {"id", deliver->message.message},
                                      {"from", core::to_string(deliver->message.sender)},
                                      {"name", deliver->message.author_name},
                                      {"text", deliver->message.text},
                                      {"attachments", std::move(attachments)}}));
}

}  // namespace contactd::channels
