#include "channels/whatsapp/provider_types.h"

namespace contactd::channels::whatsapp {

std::string_view to_string(MediaKind k) {
  switch (k) {
    case MediaKind::image: return "image";
    case MediaKind::audio: return "audio";
    case MediaKind::video: return "video";
    case MediaKind::document: return "document";
    case MediaKind::sticker: return "sticker";
  }
  return "?";
}

std::string_view to_string(SendOutcome::Kind k) {
  switch (k) {
    case SendOutcome::Kind::accepted: return "accepted";
    case SendOutcome::Kind::retryable: return "retryable";
    case SendOutcome::Kind::permanent: return "permanent";
    case SendOutcome::Kind::unknown: return "unknown";
  }
  return "?";
}

SendOutcome transport_failure(bool request_written, std::string_view what) {
  SendOutcome out;
  out.kind = request_written ? SendOutcome::Kind::unknown : SendOutcome::Kind::retryable;
  out.error_code = request_written ? "no_answer" : "not_sent";
  out.error_title = std::string(what);
  return out;
}

std::string_view to_string(InboundType t) {
  switch (t) {
    case InboundType::text: return "text";
    case InboundType::image: return "image";
    case InboundType::video: return "video";
    case InboundType::audio: return "audio";
    case InboundType::document: return "document";
    case InboundType::sticker: return "sticker";
    case InboundType::reaction: return "reaction";
    case InboundType::button: return "button";
    case InboundType::interactive: return "interactive";
    case InboundType::location: return "location";
    case InboundType::contacts: return "contacts";
  }
  return "?";
}

}  // namespace contactd::channels::whatsapp
