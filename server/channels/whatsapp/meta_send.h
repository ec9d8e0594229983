#pragma once
// Meta WhatsApp Cloud API requests out, as pure functions: message sends and
// the classification of their answers, media lookup and upload, the template
// listing. No I/O: the outbox sender's link, the media fetcher and the
// template sync do the HTTP. (Webhooks in are in meta_webhook.h; meta_codec.h
// brings both.)
//
// The same code serves the "WhatsApp Business" provider, a Cloud-API-
// compatible BSP (e.g. 360dialog at https://waba-v2.360dialog.io, header
// D360-API-KEY): its paths carry neither a Graph version nor a phone-number id
// (CloudApiEndpoint with both empty), the base URL and the auth header are the
// account's. Meta itself: base https://graph.facebook.com, header
// "Authorization: Bearer <access token>".
//
// Sources: research/channels.md §1 and Meta's pages cited there.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "channels/whatsapp/provider_types.h"

namespace contactd::channels::whatsapp::meta {

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
