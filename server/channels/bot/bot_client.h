#pragma once
// The bot in front of the queue (R-IN-1), over HTTP. For every AskBot effect
// it POSTs JSON to the campaign's bot URL:
//   {"interaction": 12, "customer": "webchat-...", "event": "start"|"message", "text": "..."}
// and expects 200 with:
//   {"messages": ["text", ...], "handoff": true|false}
// The messages reach the customer as the bot's (with its name); handoff puts
// the customer in the queue. A bot that fails, answers garbage or does not
// answer within its timeout hands the customer to the queue: the customer is
// never lost.
//
// http:// and https:// URLs. For https the bot's certificate must chain to the
// system trust store or to the CA file named by CONTACTD_BOT_CA_FILE (read
// once, at construction), and must match the URL's host; any TLS failure
// counts as a failing bot. The timeout covers the TLS handshake too.
// Requests go through one HttpClient per bot origin (scheme, host, port), so
// connections to a bot are kept alive and reused.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "channels/http_client.h"
#include "host/engine_host.h"
#include "host/event_sink.h"

namespace contactd::channels {

class BotClient final : public host::EventSink {
 public:
  BotClient(boost::asio::io_context& io, host::EngineHost& host);

  void publish(const std::vector<core::Event>&) override {}
  void apply(const core::Effect& effect) override;

 private:
  HttpClient& client_for(const std::string& origin);

  boost::asio::io_context& io_;
  host::EngineHost& host_;
  std::string ca_file_;  // CONTACTD_BOT_CA_FILE if it loads, else empty
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<HttpClient>> clients_;  // by origin; guarded by mu_
};

}  // namespace contactd::channels
