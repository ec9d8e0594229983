#pragma once
// Meta WhatsApp Cloud API webhooks in, as pure functions: the
// X-Hub-Signature-256 check, the GET subscription handshake and the
// notification parser. No I/O: the webhook routes do the HTTP. (Requests out
// are in meta_send.h; meta_codec.h brings both.)
//
// Sources: research/channels.md §1 and Meta's pages cited there; webhook
// field names confirmed against Meta's status webhook reference
// (biz_opaque_callback_data, recipient_user_id, errors[]) and live BSUID
// payloads (contacts[].user_id, messages[].from_user_id).
#include <map>
#include <string>
#include <string_view>
#include <variant>

#include "channels/whatsapp/provider_types.h"

namespace contactd::channels::whatsapp::meta {

// ------------------------------------------------------------ webhooks in

// X-Hub-Signature-256 check: `header_value` must be "sha256=" followed by 64
// hex digits (either case), equal to HMAC-SHA256(app_secret, raw_body) over
// the raw bytes as received (never re-serialised JSON). Constant-time
// compare (CRYPTO_memcmp). False for a missing or malformed header, a wrong
// prefix ("sha1=", "SHA256=") and an empty app secret.
bool verify_signature(std::string_view app_secret, std::string_view raw_body, std::string_view header_value);
// The header value Meta would send for `raw_body` (tests, fake providers, bench).
std::string sign(std::string_view app_secret, std::string_view raw_body);

// GET <callback>?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…
// (query parameters already percent-decoded by the route).
struct SubscriptionRefusal {
  enum class Reason : std::uint8_t { wrong_mode, wrong_token, bad_challenge };
  Reason reason;
};
std::string_view to_string(SubscriptionRefusal::Reason r);
// The challenge to echo (answer 200 text/plain), or a refusal (answer 403).
// The token is compared in constant time; an empty configured token refuses.
// The challenge is echoed only when it is 1..128 characters of [A-Za-z0-9._-]
// (Meta sends digits): the route never reflects arbitrary text.
std::variant<std::string, SubscriptionRefusal> verify_subscription(const std::map<std::string, std::string>& query,
                                                                   std::string_view verify_token);

// Every entry, change, message and status of a POSTed notification
// (`object: whatsapp_business_account`, entry[].changes[].value.{metadata,
// contacts, messages, statuses, errors}), in order. Items that cannot be used
// (unsupported or ephemeral types, an entry that is not an object, a message
// without id or sender, a status with an unknown value, changes of other
// fields) are listed in `skipped` with the reason; the rest of the batch
// stands. Fails only when the body is not JSON, not an object, or another
// product's notification (object != whatsapp_business_account).
//
// Messages: text, image, video, audio (voice flag), document (filename),
// sticker, reaction (emoji; target in context_provider_id), button (template
// quick reply: its text), interactive (button_reply/list_reply title),
// location and contacts (as text). `from` is the wa_id, `user_id` the BSUID
// (messages[].from_user_id or the matching contact's user_id); either may be
// missing, not both. profile_name comes from contacts[] matched by wa_id or
// user_id. Statuses keep errors[], biz_opaque_callback_data (correlation),
// recipient_user_id and Gupshup v3's gs_id. Dedupe keys: "msg:<wamid>",
// "st:<wamid>:<status>".
std::variant<WebhookBatch, ParseFailure> parse_webhook(std::string_view raw_body);

}  // namespace contactd::channels::whatsapp::meta
