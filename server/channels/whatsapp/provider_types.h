#pragma once
// Plain values exchanged with the WhatsApp provider codecs (meta_codec.h,
// gupshup_codec.h). Strings and integers only: the codecs know nothing of the
// engine, the store or the network, so the coordinator maps these to core
// types (ProviderAccount, TemplateUse, MessageState...) at the adapter edge.
//
// Ids, as the providers name them:
//   - WhatsApp message id ("wamid.…" on Meta; Gupshup's inbound payload.id and
//     DLR payload.id are also WhatsApp ids): `provider_message_id`.
//   - Gupshup's own message id (the send API's messageId, a UUID; `gsId` in
//     callbacks): `gupshup_id`.
//   - our outbox id, echoed by Meta as biz_opaque_callback_data: `correlation`.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "channels/whatsapp/status_order.h"

namespace contactd::channels::whatsapp {

enum class MediaKind : std::uint8_t { image, audio, video, document, sticker };
std::string_view to_string(MediaKind k);

// ---------------------------------------------------------------- outbound

struct OutboundMessage {
  std::string to;    // wa_id / E.164 digits without '+'
  std::string text;  // free-form text; ignored when template_message or media is set

  // An approved template (HSM). Meta addresses it by name + language; Gupshup
  // by its own template UUID (`id`), which pins the language.
  struct Template {
    std::string name;
    std::string language;                 // "en_US"
    std::string id;                       // Gupshup template UUID (required for Gupshup; unused by Meta)
    std::vector<std::string> parameters;  // body {{1}}..{{n}}, in order
    std::optional<MediaKind> header_media;  // image, video or document header
    std::string header_media_id;          // Meta: uploaded media id ...
    std::string header_media_link;        // ... or a public URL (Gupshup: URL only)
  };
  std::optional<Template> template_message;

  struct Media {
    MediaKind kind{MediaKind::document};
    std::string provider_media_id;  // Meta: uploaded media id (preferred)
    std::string link;               // public URL (Gupshup: required)
    std::string filename;           // documents
    std::string caption;            // image, video, document (dropped for audio and sticker)
    bool voice{false};              // audio only: a voice note (Ogg/Opus)
  };
  std::optional<Media> media;

  std::string reply_to_provider_id;  // quoted message: Meta context.message_id / Gupshup context.msgId
  std::string correlation;           // our outbox id (Meta biz_opaque_callback_data)
};

// What a provider's answer to a send (or upload) means for the outbox.
struct SendOutcome {
  enum class Kind : std::uint8_t {
    accepted,   // the provider took it: provider_message_id is set
    retryable,  // it was not acted on: send again after retry_after (0: the sender's backoff)
    permanent,  // it will never succeed as is: the message fails with error_code/error_title
    unknown,    // it may have been acted on (5xx, garbled 2xx): do not resend blindly
  };
  Kind kind{Kind::unknown};
  std::string provider_message_id;  // Meta wamid; Gupshup messageId (its own UUID)
  std::string error_code;           // "131047", "http_500", "gupshup_error"...
  std::string error_title;          // the provider's words, for the agent (R-MSG-5)
  std::string error_details;        // Meta error_data.details, when given
  std::chrono::seconds retry_after{0};
};
std::string_view to_string(SendOutcome::Kind k);

// A send that got no HTTP answer: refused or reset before the request was
// written is retryable (nothing reached the provider); a timeout or a reset
// after it was written is unknown (it may have been acted on; no provider
// documents an idempotency key, so it is not resent blindly).
SendOutcome transport_failure(bool request_written, std::string_view what);

// An HTTP request the sender makes; the base URL and auth header come from
// the provider account, not from here.
struct HttpRequestSpec {
  std::string method{"POST"};
  std::string path;          // starts with '/', may carry a query
  std::string content_type;  // empty for GET
  std::string body;
};

// Why a request could not be built (refused before anything is sent).
struct BuildError {
  std::string reason;
};

// ----------------------------------------------------------------- inbound

struct ProviderError {
  std::string code;  // as text: Meta numbers, Gupshup numbers
  std::string title;
  std::string message;
  std::string details;
};

enum class InboundType : std::uint8_t {
  text, image, video, audio, document, sticker, reaction, button, interactive, location, contacts
};
std::string_view to_string(InboundType t);

struct InboundMedia {
  std::string provider_media_id;  // Meta: fetch with lookup (expires after 7 days)
  std::string url;                // Gupshup: direct URL (expires: url_expiry_ms)
  std::int64_t url_expiry_ms{0};
  std::string mime_type;
  std::string sha256;  // Meta only
  std::string filename;
  bool voice{false};
};

struct InboundMessage {
  std::string account;               // Meta metadata.phone_number_id; Gupshup app name
  std::string business_account_id;   // Meta entry.id (WABA); empty for Gupshup
  std::string from;                  // wa_id / phone; may be empty for username users (then user_id is set)
  std::string user_id;               // business-scoped user id (BSUID) when present
  std::string profile_name;
  std::string provider_message_id;   // WhatsApp message id
  std::int64_t timestamp{0};         // unix seconds (0: not given)
  InboundType type{InboundType::text};
  std::string text;                  // body, caption, button/interactive title, reaction emoji, location/contact summary
  std::optional<InboundMedia> media;
  std::string context_provider_id;   // the quoted message's WhatsApp id (a reaction's target too)
  std::string context_gupshup_id;    // Gupshup: the quoted message's Gupshup id (our send's messageId)
  std::string dedupe_key;            // "msg:<provider_message_id>"
};

struct InboundStatus {
  std::string account;
  std::string provider_message_id;  // WhatsApp id (Gupshup sync failures: empty)
  std::string gupshup_id;           // Gupshup: gsId, or payload.id for enqueued/sync failed; Meta via Gupshup v3: gs_id
  DeliveryStatus status{DeliveryStatus::sent};
  std::int64_t timestamp{0};
  std::string recipient;            // recipient_id / destination
  std::string recipient_user_id;    // BSUID when present
  std::vector<ProviderError> errors;
  std::string correlation;          // biz_opaque_callback_data
  std::string dedupe_key;           // "st:<id>:<status>"
};

// An item of a batch that was left out, and why; the rest of the batch stands.
struct SkippedItem {
  std::string where;   // "entry[0].changes[1].messages[2]"
  std::string reason;  // "unsupported message type: ephemeral"
  std::string provider_id;  // the item's id when it had one
};

struct WebhookBatch {
  std::vector<InboundMessage> messages;
  std::vector<InboundStatus> statuses;
  std::vector<ProviderError> errors;  // Meta value.errors[] (account-level problems)
  std::vector<SkippedItem> skipped;
};

// The body as a whole is not what the route expects.
struct ParseFailure {
  enum class Kind : std::uint8_t { not_json, not_an_object, wrong_object, malformed };
  Kind kind{Kind::malformed};
  std::string detail;
};

}  // namespace contactd::channels::whatsapp
