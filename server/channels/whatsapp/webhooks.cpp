#include "channels/whatsapp/webhooks.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>

#include "channels/whatsapp/gupshup_codec.h"
#include "channels/whatsapp/inbound_feeder.h"
#include "channels/whatsapp/inbox_items.h"
#include "channels/whatsapp/meta_codec.h"
#include "net/log_throttle.h"
#include "net/routes.h"

namespace contactd::channels::whatsapp {

namespace {

std::string_view tail_of(const std::string& path, std::string_view prefix) {
  return std::string_view(path).substr(prefix.size());
}

std::optional<core::AccountId> account_id(std::string_view text) {
  core::AccountId id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id == 0) return std::nullopt;
  return id;
}

std::string secret(const core::ProviderAccount& a, const char* name) {
  auto it = a.secrets.find(name);
  return it == a.secrets.end() ? std::string() : it->second;
}

// Refusals a client can cause are logged at most once per 10 s each.
net::LogThrottle& refusal_log() {
  static net::LogThrottle throttle{std::chrono::seconds(10)};
  return throttle;
}

void refuse(const net::Responder& r, int status, const std::string& why, const std::string& peer) {
  if (auto count = refusal_log().note())
    spdlog::warn("webhook from {} refused ({}): {}{}", peer, status, why,
                 *count > 1 ? " (" + std::to_string(*count) + " refusals since the last line)" : "");
  r.respond(net::Response::text(status, why));
}

// Stores the batch's items for `account`, answers after the commit, feeds the new ones.
void store_batch(store::PgInbox& inbox, InboundFeeder& feeder, core::AccountId account, const WebhookBatch& batch,
                 const net::Responder& responder) {
  std::vector<store::InboxItem> items;
  items.reserve(batch.messages.size() + batch.statuses.size());
  for (const auto& m : batch.messages) items.push_back({account, m.dedupe_key, "message", to_payload(m)});
  for (const auto& s : batch.statuses) items.push_back({account, s.dedupe_key, "status", to_payload(s)});
  for (const auto& skipped : batch.skipped)
    spdlog::info("webhook for account {}: {} left out: {}", account, skipped.where, skipped.reason);
  for (const auto& e : batch.errors)
    spdlog::error("provider reports a problem with account {}: {} {}: {}", account, e.code, e.title, e.details);
  if (items.empty()) {
    responder.respond(net::Response::text(200, "ok"));
    return;
  }
  auto copy = items;
  inbox.accept(std::move(items), [&feeder, responder, items = std::move(copy)](auto ids) mutable {
    if (!ids) {
      responder.respond(net::Response::text(503, "not stored; try again"));
      return;
    }
    responder.respond(net::Response::text(200, "ok"));
    for (std::size_t k = 0; k < ids->size(); ++k)
      if ((*ids)[k] != 0) feeder.feed(store::StoredInboxItem{(*ids)[k], std::move(items[k])});
  });
}

}  // namespace

void WhatsAppWebhooks::add_routes(net::RouteTable& routes) {
  constexpr std::string_view kMeta = "/hooks/whatsapp/";
  constexpr std::string_view kGupshup = "/hooks/gupshup/";
  net::BodyLimits limits{options_.max_body_bytes, std::chrono::seconds(30)};

  routes.buffered({"GET", "POST"}, std::string(kMeta) + "*", limits,
                  [this, kMeta](const net::RequestHead& head, std::string body, net::Responder responder) {
    auto id = account_id(tail_of(head.path, kMeta));
    AccountPtr account = id ? accounts_.find(*id) : nullptr;
    if (!account || (account->provider != core::Provider::meta && account->provider != core::Provider::whatsapp_business))
      return refuse(responder, 404, "no such WhatsApp account", head.peer_address);
    if (head.method == "GET") {
      std::map<std::string, std::string> query(head.query.begin(), head.query.end());
      auto answer = meta::verify_subscription(query, secret(*account, "verify_token"));
      if (const auto* challenge = std::get_if<std::string>(&answer))
        return (void)responder.respond(net::Response::text(200, *challenge));
      return refuse(responder, 403, "verification refused: " +
                                        std::string(meta::to_string(std::get<meta::SubscriptionRefusal>(answer).reason)),
                    head.peer_address);
    }
    const std::string app_secret = secret(*account, "app_secret");
    if (app_secret.empty())
      return refuse(responder, 401, "this account has no app secret: its webhooks cannot be verified",
                    head.peer_address);
    const std::string* signature = head.header("X-Hub-Signature-256");
    if (!signature || !meta::verify_signature(app_secret, body, *signature))
      return refuse(responder, 401, signature ? "wrong signature" : "missing X-Hub-Signature-256", head.peer_address);
    auto parsed = meta::parse_webhook(body);
    if (const auto* failure = std::get_if<ParseFailure>(&parsed))
      return refuse(responder, 400, "not a WhatsApp notification: " + failure->detail, head.peer_address);
    auto& batch = std::get<WebhookBatch>(parsed);
    // Another number's traffic (a shared app) is not this account's.
    if (account->provider == core::Provider::meta) {
      auto foreign = [&](const std::string& number) { return !number.empty() && number != account->phone_number_id; };
      std::erase_if(batch.messages, [&](const InboundMessage& m) {
        if (foreign(m.account)) spdlog::warn("webhook for account {}: message for number {} left out", *id, m.account);
        return foreign(m.account);
      });
      std::erase_if(batch.statuses, [&](const InboundStatus& s) { return foreign(s.account); });
    }
    store_batch(inbox_, feeder_, *id, batch, responder);
  });

  routes.buffered({"POST"}, std::string(kGupshup) + "*", limits,
                  [this, kGupshup](const net::RequestHead& head, std::string body, net::Responder responder) {
    if (!options_.gupshup_allow.empty() && !gupshup::source_allowed(head.peer_address, options_.gupshup_allow))
      return refuse(responder, 403, "address not allowed", head.peer_address);
    AccountPtr account = accounts_.find_by_callback_token(tail_of(head.path, kGupshup));
    if (!account) return refuse(responder, 404, "no such Gupshup account", head.peer_address);
    auto parsed = gupshup::parse_callback(body);
    if (const auto* failure = std::get_if<ParseFailure>(&parsed))
      return refuse(responder, 400, "not a Gupshup callback: " + failure->detail, head.peer_address);
    store_batch(inbox_, feeder_, account->id, std::get<WebhookBatch>(parsed), responder);
  });
}

}  // namespace contactd::channels::whatsapp
