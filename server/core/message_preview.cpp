#include "core/message_preview.h"

#include <algorithm>

namespace contactd::core {

std::string utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  // Back over continuation bytes (10xxxxxx) to the start of the cut sequence.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

MessagePreview make_preview(MessageId message, Sender sender, std::string_view author_name, std::string_view text,
                            TimePoint created_at, std::size_t attachments) {
  return MessagePreview{message,    sender, std::string(author_name), utf8_prefix(text, kPreviewTextBytes),
                        created_at, static_cast<std::uint32_t>(std::min<std::size_t>(attachments, UINT32_MAX))};
}

}  // namespace contactd::core
