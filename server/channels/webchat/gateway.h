#pragma once
// The WebChat channel: customers connect to /webchat/v1 with a browser
// WebSocket and speak JSON (text frames), version 1:
//
//   customer -> server
//     {"type":"start","campaign":<id>}          open a conversation (R-IN-1)
//     {"type":"resume","token":"..."}           reattach after a reconnect
//     {"type":"message","text":"...","ref":"..."}  write to the agent or bot (ref: optional, echoed)
//     {"type":"leave"}                          end it from the customer's side
//   server -> customer
//     {"type":"started","interaction":<id>,"visitor":"webchat-...","token":"..."}
//     {"type":"resumed","interaction":<id>}     then what was sent meanwhile
//     {"type":"sent","id":<message id>,"ref":"..."}  the customer's message is stored
//     {"type":"message","id":<id>,"from":"agent"|"bot","name":"...","text":"...","attachments":[...]}
//     {"type":"ended"}                          the agent finished the conversation
//     {"type":"error","code":"invalid_argument"|"rate_limited"|...,"message":"..."}
//
// Customers need no login, so their pace is limited (WebChatLimits): starts
// and resumes, and every other frame, take a token per connection and per
// source address; a frame without one is answered "rate_limited" and does
// nothing. A connection that starts or resumes a conversation is
// authenticated for the transport's caps (Peer::mark_authenticated).
//
// A connection carries one conversation at a time. A customer whose
// connection drops may resume with the token within the resume window; the
// messages sent meanwhile (at most kOutboxFrames) follow "resumed". Past the
// window, or on "leave", the customer has left. R-IN-6: a conversation no
// agent holds is abandoned when its customer has left, or has been away for
// WebChatOptions::abandon_after. Conversations are held in memory: after a
// restart a resume is refused and the customer starts anew.
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/peer.h"
#include "channels/webchat/options.h"
#include "core/effects.h"
#include "core/events.h"
#include "host/engine_host.h"
#include "host/event_sink.h"

namespace boost::asio {
class io_context;
}

namespace contactd::channels {

class WebChatGateway final : public net::FrameHandler, public host::EventSink {
 public:
  static constexpr std::size_t kOutboxFrames = 200;

  WebChatGateway(boost::asio::io_context& io, host::EngineHost& host, WebChatOptions options);
  // Default limits; abandonment after the resume window.
  WebChatGateway(boost::asio::io_context& io, host::EngineHost& host, std::chrono::seconds resume_window);
  ~WebChatGateway();

  void on_frame(const net::PeerPtr& peer, std::string_view bytes, bool binary) override;
  void on_closed(const net::PeerPtr& peer) override;

  // The conversation a customer's token opens (for their attachment
  // downloads); `done` runs on the engine strand. Thread-safe.
  void interaction_of_token(std::string token, std::function<void(std::optional<core::InteractionId>)> done);

  // On the engine strand, after durability (through the host's sink).
  void publish(const std::vector<core::Event>& events) override;
  void apply(const core::Effect& effect) override;

 private:
  struct Conversation {
    core::InteractionId interaction{};
    std::string token;
    net::PeerPtr peer;                  // null while the customer is away
    std::deque<net::Frame> outbox;      // sent while away
    bool ended{false};                  // the agent finished it while the customer was away
    std::uint64_t away_generation{0};   // which disconnect the pending expiry belongs to
  };

  void start(const net::PeerPtr& peer, core::CampaignId campaign);
  void resume(const net::PeerPtr& peer, std::string token);
  void send(Conversation& c, net::Frame frame);
  void forget(core::InteractionId interaction);
  void expire(core::InteractionId interaction, std::uint64_t generation);
  // Takes a start (or message) token for `peer`; false: answered rate_limited.
  bool admit(const net::PeerPtr& peer, bool start);

  boost::asio::io_context& io_;
  host::EngineHost& host_;
  WebChatOptions options_;
  std::mutex limiter_mutex_;  // frames arrive on every connection's strand
  WebChatRateLimiter limiter_;
  // Engine-strand state (touched only inside host work and callbacks).
  std::unordered_map<core::InteractionId, Conversation> conversations_;
  std::unordered_map<std::string, core::InteractionId> by_token_;
  std::unordered_map<core::ConnectionId, core::InteractionId> interaction_of_;
  std::shared_ptr<bool> alive_;  // timers outliving the gateway do nothing
};

}  // namespace contactd::channels
