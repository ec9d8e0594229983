#pragma once
// The WebChat channel: customers connect to /webchat/v1 with a browser
// WebSocket and speak JSON (text frames), version 1:
//
//   customer -> server
//     {"type":"start","campaign":<id>}          open a conversation (R-IN-1)
//     {"type":"message","text":"..."}           write to the agent or bot
//     {"type":"leave"}                          end it from the customer's side
//   server -> customer
//     {"type":"started","interaction":<id>,"visitor":"webchat-..."}
//     {"type":"message","id":<id>,"from":"agent"|"bot","name":"...","text":"...","attachments":[...]}
//     {"type":"ended"}                          the agent finished the conversation
//     {"type":"error","code":"invalid_argument"|...,"message":"..."}
//
// A customer's connection carries one conversation at a time. Closing the
// connection counts as leaving.
#include <unordered_map>
#include <vector>

#include "api/peer.h"
#include "core/effects.h"
#include "core/events.h"
#include "host/engine_host.h"
#include "host/event_sink.h"

namespace contactd::channels {

class WebChatGateway final : public api::FrameHandler, public host::EventSink {
 public:
  explicit WebChatGateway(host::EngineHost& host);

  void on_frame(const api::PeerPtr& peer, std::string_view bytes, bool binary) override;
  void on_closed(const api::PeerPtr& peer) override;

  // On the engine strand, after durability (through the host's sink).
  void publish(const std::vector<core::Event>& events) override;
  void apply(const core::Effect& effect) override;

 private:
  void start(const api::PeerPtr& peer, core::CampaignId campaign);
  void forget(core::InteractionId interaction);

  host::EngineHost& host_;
  // Engine-strand state: who is connected for which conversation.
  std::unordered_map<core::InteractionId, api::PeerPtr> customers_;
  std::unordered_map<core::ConnectionId, core::InteractionId> interaction_of_;
};

}  // namespace contactd::channels
