#pragma once
// The bot in front of the queue (R-IN-1), over HTTP. For every AskBot effect
// it POSTs JSON to the campaign's bot URL:
//   {"interaction": 12, "customer": "webchat-...", "event": "start"|"message", "text": "..."}
// and expects 200 with:
//   {"messages": ["text", ...], "handoff": true|false}
// The messages reach the customer as the bot's (with its name); handoff puts
// the customer in the queue. A bot that fails, answers garbage or does not
// answer within its timeout hands the customer to the queue: the customer is
// never lost. http:// only for now.
#include "host/engine_host.h"
#include "host/event_sink.h"

namespace boost::asio {
class io_context;
}

namespace contactd::channels {

class BotClient final : public host::EventSink {
 public:
  BotClient(boost::asio::io_context& io, host::EngineHost& host);

  void publish(const std::vector<core::Event>&) override {}
  void apply(const core::Effect& effect) override;

 private:
  boost::asio::io_context& io_;
  host::EngineHost& host_;
};

}  // namespace contactd::channels
