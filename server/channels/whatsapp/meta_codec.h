#pragma once
// Meta WhatsApp Cloud API, as pure functions: webhook verification and
// parsing, send/upload request building, response classification, media
// lookup and the template listing. No I/O: the coordinator's webhook routes
// and outbox sender call these and do the HTTP themselves.
//
// The same code serves the "WhatsApp Business" provider, a Cloud-API-
// compatible BSP (e.g. 360dialog at https://waba-v2.360dialog.io, header
// D360-API-KEY): its paths carry neither a Graph version nor a phone-number id
// (CloudApiEndpoint with both empty), the base URL and the auth header are the
// account's. Meta itself: base https://graph.facebook.com, header
// "Authorization: Bearer <access token>".
//
// Sources: research/channels.md §1 and Meta's pages cited there; webhook
// field names confirmed against Meta's status webhook reference
// (biz_opaque_callback_data, recipient_user_id, errors[]) and live BSUID
// payloads (contacts[].user_id, messages[].from_user_id).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

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

// ------------------------------------------------------------ requests out

struct CloudApiEndpoint {
  std::string api_version;      // "v21.0"; empty for a BSP whose paths carry none
  std::string phone_number_id;  // empty for a BSP whose key selects the number
};

// POST /<ver>/<phone_number_id>/messages with the JSON body:
//   {"messaging_product":"whatsapp","recipient_type":"individual","to":…,"type":…,…}
// text (preview_url false); template (language.code, body parameters as text,
// a header media component when given); media by id (preferred) or link,
// caption except for audio and sticker, filename for documents; voice notes
// as {"type":"audio","audio":{"id":…,"voice":true}}; "context":{"message_id"}
// when replying; "biz_opaque_callback_data" when `correlation` is set.
// REQUIRES: `to` set, and text, a template or media (template wins over media,
// media over text). Refused: no content, media with neither id nor link,
// voice on a non-audio, a template without name or language.
std::variant<HttpRequestSpec, BuildError> build_send(const OutboundMessage& message, const CloudApiEndpoint& endpoint);

// What a send's answer means. 2xx with messages[0].id: accepted (also when
// message_status is held_for_quality_assessment). Meta error codes first:
// 131047 (window closed), 131026, 131049, 131050, 131048, 131031, 131042, 190,
// 368, 100, 10, 200, 132xxx (templates), 131051-131053 (media): permanent with
// code and title; 130429, 131056, 4, 80007, 80008, 613, 2, 131016: retryable.
// Then by HTTP status: 429 and 503 retryable (Retry-After honoured, given as
// the header's value), 500/502/504 unknown (the send may have happened), other
// 4xx permanent, a 2xx without an id unknown.
SendOutcome classify_send_response(int http_status, std::string_view body, std::string_view retry_after = {});

// ------------------------------------------------------------------ media

// GET /<ver>/<media_id> (what a webhook's media id resolves to).
HttpRequestSpec media_lookup_request(const CloudApiEndpoint& endpoint, std::string_view media_id);
struct MediaLookup {
  std::string url;  // short-lived (minutes); GET it with the same auth header
  std::string mime_type;
  std::string sha256;
  std::int64_t file_size{0};
  std::string id;
};
std::variant<MediaLookup, ParseFailure> parse_media_lookup(std::string_view body);

// POST /<ver>/<phone_number_id>/media, multipart/form-data with
// messaging_product=whatsapp, type=<mime> and the file part. The file itself is
// not copied: the body is head + file bytes + tail, so the sender can stream
// the file between them. REQUIRES: `boundary` 1..70 characters of
// [A-Za-z0-9'()+_,-./:=?] and absent from the file (the caller picks a random one).
struct MultipartUpload {
  std::string path;
  std::string content_type;  // multipart/form-data; boundary=…
  std::string head;
  std::string tail;
  std::uint64_t content_length(std::uint64_t file_size) const { return head.size() + file_size + tail.size(); }
};
std::variant<MultipartUpload, BuildError> build_media_upload(const CloudApiEndpoint& endpoint, std::string_view mime_type,
                                                             std::string_view filename, std::string_view boundary);
// The whole body for a small file held in memory (tests, stickers).
std::string multipart_body(const MultipartUpload& upload, std::string_view file_bytes);
// {"id":"…"} → accepted with media_id; errors classified as for a send.
struct MediaUploadOutcome {
  SendOutcome result;
  std::string media_id;
};
MediaUploadOutcome parse_media_upload_response(int http_status, std::string_view body,
                                               std::string_view retry_after = {});

// -------------------------------------------------------------- templates

// GET /<ver>/<waba_id>/message_templates?fields=…&limit=…[&after=<cursor>]
HttpRequestSpec template_listing_request(const CloudApiEndpoint& endpoint, std::string_view business_account_id,
                                         std::string_view after_cursor = {}, int limit = 100);
struct ProviderTemplate {
  std::string id;
  std::string name;
  std::string language;
  std::string status;    // APPROVED, PENDING, REJECTED, PAUSED, DISABLED… (as Meta says)
  std::string category;  // MARKETING, UTILITY, AUTHENTICATION
  std::string body;      // BODY text with {{1}}..{{n}} (or named {{name}})
  int parameter_count{0};  // distinct {{…}} placeholders in body
  std::string header_format;  // "", TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION
  std::string header_text;
  std::vector<std::string> buttons;  // button texts
  bool usable() const { return status == "APPROVED"; }
};
struct TemplatePage {
  std::vector<ProviderTemplate> templates;  // every status; only usable() ones may be sent
  std::string next_cursor;  // paging.cursors.after when paging.next exists; "" on the last page
  std::vector<SkippedItem> skipped;
};
std::variant<TemplatePage, ParseFailure> parse_template_listing(std::string_view body);

}  // namespace contactd::channels::whatsapp::meta
