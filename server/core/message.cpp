#include "core/message.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace contactd::core {
namespace {

constexpr std::uint64_t kMB = 1024 * 1024;

struct Extension {
  std::string_view ext;
  AttachmentKind kind;
};
// R-MSG-2. ("acc" is in the product guide's list alongside "aac"; both are kept.)
constexpr std::array<Extension, 26> kExtensions{{
    {"jpg", AttachmentKind::image},    {"png", AttachmentKind::image},    {"jpeg", AttachmentKind::image},
    {"gif", AttachmentKind::image},    {"webp", AttachmentKind::image},   {"svg", AttachmentKind::image},
    {"webm", AttachmentKind::image},   {"mp4", AttachmentKind::video},    {"mov", AttachmentKind::video},
    {"txt", AttachmentKind::document}, {"pdf", AttachmentKind::document}, {"rar", AttachmentKind::document},
    {"zip", AttachmentKind::document}, {"doc", AttachmentKind::document}, {"docx", AttachmentKind::document},
    {"xls", AttachmentKind::document}, {"csv", AttachmentKind::document}, {"xlsx", AttachmentKind::document},
    {"mp3", AttachmentKind::audio},    {"wav", AttachmentKind::audio},    {"ogg", AttachmentKind::audio},
    {"acc", AttachmentKind::audio},    {"m4a", AttachmentKind::audio},    {"aac", AttachmentKind::audio},
    {"flac", AttachmentKind::audio},   {"oga", AttachmentKind::audio},
}};

Error invalid(std::string m) { return Error{ErrorCode::invalid_argument, std::move(m)}; }

// Gupshup and WhatsApp Business publish the smaller limits of R-MSG-3.
bool provider_has_limits(Provider p) { return p == Provider::gupshup || p == Provider::whatsapp_business; }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string extension_of(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == filename.size()) return {};
  return lower(filename.substr(dot + 1));
}

// R-MSG-3a: what WhatsApp (Meta's Cloud API, and Gupshup and the Cloud-API
// compatible BSPs that relay to it) accepts as media, per kind, among the
// R-MSG-2 extensions, and its per-kind sizes (research/channels.md 1.6).
// Decision for the R-MSG-2 extensions WhatsApp does not carry (images gif,
// webp, svg, webm; video mov; audio wav, flac, acc; documents rar, zip,
// csv): they are REFUSED before anything is sent, with an error naming the
// types WhatsApp accepts. Sending them as documents instead was rejected:
// WhatsApp's document type is itself a closed list (txt, pdf, Office
// files), so a gif or a zip sent as a document would be accepted here and
// fail at the provider later, which R-MSG-3a forbids.
struct WhatsAppKind {
  AttachmentKind kind;
  std::array<std::string_view, 6> extensions;  // "" ends the list
  std::array<std::string_view, 6> content_types;  // sniffed types accepted; "" ends the list
  std::uint64_t max_bytes;
};
constexpr std::array<WhatsAppKind, 4> kWhatsApp{{
    {AttachmentKind::image, {"jpg", "jpeg", "png"}, {"image/jpeg", "image/jpg", "image/png"}, 5 * kMB},
    {AttachmentKind::audio, {"aac", "mp3", "m4a", "ogg", "oga"},
     {"audio/aac", "audio/mpeg", "audio/mp4", "audio/x-m4a", "audio/ogg", "audio/amr"}, 16 * kMB},
    {AttachmentKind::video, {"mp4"}, {"video/mp4", "video/3gpp"}, 16 * kMB},
    {AttachmentKind::document, {"txt", "pdf", "doc", "docx", "xls", "xlsx"}, {}, 100 * kMB},
}};
constexpr std::string_view kWhatsAppAccepts =
    "images jpg/jpeg/png, audio aac/mp3/m4a/ogg, video mp4 and documents txt/pdf/doc/docx/xls/xlsx";

bool whatsapp_provider(Channel channel, Provider provider) {
  return channel == Channel::whatsapp &&
         (provider == Provider::meta || provider == Provider::gupshup || provider == Provider::whatsapp_business);
}

const WhatsAppKind& whatsapp_kind(AttachmentKind kind) {
  for (const auto& k : kWhatsApp)
    if (k.kind == kind) return k;
  return kWhatsApp.back();
}

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& list, std::string_view value) {
  for (auto v : list)
    if (!v.empty() && v == value) return true;
  return false;
}

// The media type without parameters ("audio/ogg; codecs=opus" -> "audio/ogg").
std::string media_type(std::string_view content_type) {
  auto semicolon = content_type.find(';');
  std::string out = lower(content_type.substr(0, semicolon));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// R-MSG-3a for one file sent through a WhatsApp provider.
MaybeError check_whatsapp(Provider provider, const Attachment& a, AttachmentKind kind) {
  const std::string p(to_string(provider));
  const WhatsAppKind& accepted = whatsapp_kind(kind);
  if (!listed(accepted.extensions, extension_of(a.filename)))
    return invalid("WhatsApp (" + p + ") does not accept '" + a.filename + "': it accepts " + std::string(kWhatsAppAccepts));
  const std::string type = media_type(a.content_type);
  if (!type.empty() && kind != AttachmentKind::document && !listed(accepted.content_types, type))
    return invalid("WhatsApp (" + p + ") does not accept '" + a.filename + "' (its content is " + type +
                   "): it accepts " + std::string(kWhatsAppAccepts));
  // R-MSG-4: WhatsApp plays voice notes only from Ogg (Opus).
  if (a.voice && extension_of(a.filename) != "ogg" && extension_of(a.filename) != "oga")
    return invalid("a WhatsApp voice message must be an Ogg (Opus) file");
  if (a.voice && !type.empty() && type != "audio/ogg")
    return invalid("a WhatsApp voice message must be an Ogg (Opus) file, not " + type);
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Sender s) {
  switch (s) {
    case Sender::customer: return "customer";
    case Sender::agent: return "agent";
    case Sender::bot: return "bot";
  }
  return "customer";
}

std::string_view to_string(AttachmentKind k) {
  switch (k) {
    case AttachmentKind::image: return "image";
    case AttachmentKind::audio: return "audio";
    case AttachmentKind::video: return "video";
    case AttachmentKind::document: return "document";
  }
  return "document";
}

std::string_view to_string(MessageState s) {
  switch (s) {
    case MessageState::received: return "received";
    case MessageState::queued: return "queued";
    case MessageState::sent: return "sent";
    case MessageState::delivered: return "delivered";
    case MessageState::read: return "read";
    case MessageState::played: return "played";
    case MessageState::failed: return "failed";
  }
  return "received";
}

std::optional<MessageState> message_state_from_string(std::string_view s) {
  for (auto state : {MessageState::received, MessageState::queued, MessageState::sent, MessageState::delivered,
                     MessageState::read, MessageState::played, MessageState::failed})
    if (to_string(state) == s) return state;
  return std::nullopt;
}

std::optional<MessageState> merge_state(MessageState current, MessageState reported) {
  auto rank = [](MessageState s) { return static_cast<int>(s); };  // queued 1 .. played 5
  const bool evidence = reported == MessageState::delivered || reported == MessageState::read ||
                        reported == MessageState::played;
  if (reported == current) return std::nullopt;
  if (reported == MessageState::failed) {
    if (current == MessageState::queued || current == MessageState::sent) return reported;
    return std::nullopt;
  }
  if (current == MessageState::failed) return evidence ? std::optional(reported) : std::nullopt;
  if (rank(reported) > rank(current)) return reported;
  return std::nullopt;
}

std::string_view to_string(AttachmentState s) {
  switch (s) {
    case AttachmentState::ready: return "ready";
    case AttachmentState::pending: return "pending";
    case AttachmentState::unavailable: return "unavailable";
  }
  return "ready";
}

std::optional<AttachmentState> attachment_state_from_string(std::string_view s) {
  for (auto state : {AttachmentState::ready, AttachmentState::pending, AttachmentState::unavailable})
    if (to_string(state) == s) return state;
  return std::nullopt;
}

std::string excerpt(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  // Back up over continuation bytes so no character is cut in half.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::optional<AttachmentKind> attachment_kind(std::string_view filename) {
  const std::string ext = extension_of(filename);
  if (ext.empty()) return std::nullopt;
  for (const auto& e : kExtensions)
    if (e.ext == ext) return e.kind;
  return std::nullopt;
}

std::uint64_t size_limit(Provider provider, AttachmentKind kind) {
  // image / audio / video / document (R-MSG-3)
  const bool meta = provider == Provider::meta;
  switch (kind) {
    case AttachmentKind::image: return (meta ? 8 : provider_has_limits(provider) ? 5 : 8) * kMB;
    case AttachmentKind::audio:
    case AttachmentKind::video: return (meta ? 25 : provider_has_limits(provider) ? 16 : 25) * kMB;
    case AttachmentKind::document: return 100 * kMB;
  }
  return 100 * kMB;
}

std::uint64_t size_limit(Channel channel, Provider provider, AttachmentKind kind) {
  const std::uint64_t outer = size_limit(provider, kind);
  if (!whatsapp_provider(channel, provider)) return outer;
  return std::min(outer, whatsapp_kind(kind).max_bytes);
}

MaybeError check_inbound_attachments(const std::vector<Attachment>& attachments) {
  if (attachments.size() > 10) return invalid("at most 10 attachments per message");
  for (const auto& a : attachments) {
    if (a.filename.size() > 255) return invalid("attachment file names are at most 255 bytes");
    if (a.provider_media_id.size() > 512) return invalid("provider media ids are at most 512 bytes");
    switch (a.state) {
      case AttachmentState::pending:
        if (a.provider_media_id.empty()) return invalid("a pending attachment needs the provider's media id");
        break;
      case AttachmentState::ready:
        if (a.reference.empty()) return invalid("a ready attachment needs its stored file");
        break;
      case AttachmentState::unavailable: break;
    }
  }
  return std::nullopt;
}

MaybeError check_attachments(Channel channel, Provider provider, const std::vector<Attachment>& attachments) {
  if (attachments.empty()) return std::nullopt;
  if (channel == Channel::phone) return invalid("phone interactions have no messages");
  if (channel == Channel::sms || channel == Channel::instagram)
    return invalid(std::string(to_string(channel)) + " does not support attachments");
  if (attachments.size() > 10) return invalid("at most 10 attachments per message");
  for (const auto& a : attachments) {
    auto kind = attachment_kind(a.filename);
    if (!kind) return invalid("'" + a.filename + "' is not an allowed file type");
    if (a.voice) {
      if (*kind != AttachmentKind::audio) return invalid("a voice message must be audio");
      if (channel == Channel::email) return invalid("email takes audio files as attachments, not voice messages");
    }
    if (a.size_bytes == 0) return invalid("'" + a.filename + "' is empty");
    if (a.state != AttachmentState::ready) return invalid("attachment '" + a.filename + "' is not uploaded yet");
    if (whatsapp_provider(channel, provider))
      if (auto e = check_whatsapp(provider, a, *kind)) return e;
    const auto limit = size_limit(channel, provider, *kind);
    if (a.size_bytes > limit)
      return invalid("'" + a.filename + "' is larger than the " + std::to_string(limit / kMB) + " MB " +
                     std::string(to_string(provider)) + " accepts for " + std::string(to_string(*kind)) + " files");
    if (a.reference.empty()) return invalid("attachment '" + a.filename + "' has no stored file");
  }
  return std::nullopt;
}

}  // namespace contactd::core
