#pragma once
// The WhatsApp providers' webhook routes on the API port:
//   GET  /hooks/whatsapp/<account id>   Meta's verification handshake
//        (hub.mode=subscribe, hub.verify_token, hub.challenge -> the challenge)
//   POST /hooks/whatsapp/<account id>   Meta Cloud API (and Cloud-API-
//        compatible BSPs, provider whatsapp_business) notifications, signed:
//        X-Hub-Signature-256 = sha256=HMAC-SHA256(app secret, raw body)
//   POST /hooks/gupshup/<callback token> Gupshup v2 callbacks. Gupshup signs
//        nothing: the unguessable token in the URL authenticates the account
//        (compared in constant time), optionally with an address allow-list.
// A request that is unsigned, wrongly signed, for an unknown account, or not
// the provider's JSON is refused (401/404/400) and stores nothing. A good one
// is split into its items (every entry, change, message and status), which
// are stored in the inbox, deduplicated, before the answer: 200 only after
// the commit, 503 when the database cannot take them (the provider retries).
// New items are then fed to the engine (InboundFeeder).
#include <cstdint>
#include <string>
#include <vector>

#include "channels/accounts.h"
#include "store/inbox.h"

namespace contactd::net {
class RouteTable;
}

namespace contactd::channels::whatsapp {

class InboundFeeder;

struct WebhookOptions {
  std::uint64_t max_body_bytes{4 * 1024 * 1024};
  std::vector<std::string> gupshup_allow;  // addresses or CIDR blocks; empty: any
};

class WhatsAppWebhooks {
 public:
  WhatsAppWebhooks(AccountDirectory& accounts, store::PgInbox& inbox, InboundFeeder& feeder, WebhookOptions options = {})
      : accounts_(accounts), inbox_(inbox), feeder_(feeder), options_(std::move(options)) {}

  // REQUIRES: before the server starts.
  void add_routes(net::RouteTable& routes);

  struct Stats {
    std::uint64_t accepted{0}, refused{0}, items{0};
  };

 private:
  AccountDirectory& accounts_;
  store::PgInbox& inbox_;
  InboundFeeder& feeder_;
  WebhookOptions options_;
};

}  // namespace contactd::channels::whatsapp
