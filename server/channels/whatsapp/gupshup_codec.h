#pragma once
// Gupshup WhatsApp API (self-serve v2 callbacks, /wa/api/v1 sends), as pure
// functions. No I/O: the coordinator's webhook route and outbox sender call
// these. Base URL https://api.gupshup.io (the account's base_url overrides
// it), header "apikey: <key>".
//
// Authentication of callbacks: Gupshup does not sign them (no signature or
// HMAC header is documented for v2 or v3 callbacks; research/channels.md §3.1,
// §9). So the callback URL carries a long random per-account token
// (/hooks/gupshup/<token>), compared with verify_callback_token in constant
// time; a wrong token is answered like an unknown route and nothing is
// stored. Optionally the route also checks the peer address against an
// allow-list of Gupshup's egress addresses (source_allowed), which the
// operator configures: Gupshup publishes none we could verify. The partner
// subscription API can also add a custom header to callbacks; the token in
// the path works for self-serve apps too, so that is the one we use.
//
// Id semantics (docs.gupshup.io "message events", channels.md §3.2): the send
// API returns Gupshup's messageId. In a message-event, `payload.id` is that
// Gupshup id for `enqueued` and synchronous `failed`, and the WhatsApp id for
// sent/delivered/read (and for an asynchronous `failed`, which carries
// `gsId`); `gsId` is the Gupshup id and is missing on events more than a week
// after the send. `enqueued` carries the WhatsApp id in
// payload.payload.whatsappMessageId. InboundStatus::gupshup_id and
// ::provider_message_id are filled accordingly; correlate on gupshup_id
// first, then on the WhatsApp id learned from enqueued/sent.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "channels/whatsapp/provider_types.h"

namespace contactd::channels::whatsapp::gupshup {

struct GupshupAccount {
  std::string app_name;       // src.name
  std::string source_number;  // the business number, digits only
};

// Session messages: POST /wa/api/v1/msg, form-encoded channel=whatsapp,
// source, destination, src.name and message=<JSON>: text
// {"type":"text","text":…,"previewUrl":false}; image {"type":"image",
// "originalUrl","previewUrl","caption"}; video/audio/sticker {"type",
// "url"[,"caption"]}; documents {"type":"file","url","filename"[,"caption"]};
// a reply adds "context":{"msgId":<quoted WhatsApp id>}.
// Templates: POST /wa/api/v1/template/msg with template={"id":<Gupshup
// template UUID>,"params":[…]} and, for a media header,
// message={"type":"image","image":{"link":…}}.
// REQUIRES: media and header media by public URL (`link`): Gupshup cannot take
// an uploaded id; a template's Gupshup `id`. Voice notes go as plain audio
// (Gupshup documents no voice flag).
std::variant<HttpRequestSpec, BuildError> build_send(const OutboundMessage& message, const GupshupAccount& account);

// 2xx with {"status":"submitted"|"success","messageId":…}: accepted (the id is
// Gupshup's). {"status":"error","message":…} (even on a 2xx): permanent with
// that message. 429 and 503: retryable (Retry-After honoured); 500/502/504
// and other 5xx: unknown; other 4xx: permanent; a 2xx without an id: unknown.
SendOutcome classify_send_response(int http_status, std::string_view body, std::string_view retry_after = {});

// One v2 callback: `message` (text, quick_reply/button taps, button_reply and
// list_reply titles, image/file/audio/video/sticker with url and urlExpiry,
// location and contact as text, context id/gsId, sender phone/name/userId)
// and `message-event` (enqueued/sent/delivered/read/failed/deleted with the id
// rules above, failed code and reason in errors). `user-event`, other event
// types and unusable payloads are listed in `skipped`. A v3 (Meta-format)
// body, object "whatsapp_business_account", is parsed by the Meta codec and
// keeps its statuses' gs_id. Fails only when the body is not a JSON object
// with a string "type" (or a v3 body that the Meta codec refuses).
// Dedupe keys: "msg:<payload.id>", "st:<gupshup_id or WhatsApp id>:<status>".
std::variant<WebhookBatch, ParseFailure> parse_callback(std::string_view raw_body);

// The token from the callback path against the account's, in constant time.
// An empty configured token refuses everything.
bool verify_callback_token(std::string_view expected, std::string_view presented);

// Whether `peer` (an IPv4 or IPv6 address in text form) is in `allow_list`
// (addresses or CIDR blocks: "203.0.113.0/24", "2001:db8::/32"). An empty
// list allows every address; an unparsable peer or entry never matches.
bool source_allowed(std::string_view peer, const std::vector<std::string>& allow_list);

}  // namespace contactd::channels::whatsapp::gupshup
