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

std::optional<AttachmentKind> attachment_kind(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == filename.size()) return std::nullopt;
  std::string ext(filename.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
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
    const auto limit = size_limit(provider, *kind);
    if (a.size_bytes > limit)
      return invalid("'" + a.filename + "' is larger than the " + std::to_string(limit / kMB) + " MB " +
                     std::string(to_string(provider)) + " accepts for " + std::string(to_string(*kind)) + " files");
    if (a.reference.empty()) return invalid("attachment '" + a.filename + "' has no stored file");
  }
  return std::nullopt;
}

}  // namespace contactd::core
