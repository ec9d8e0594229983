#pragma once
// R-MSG-7: the last message of an open interaction, as the snapshot's lists
// show it (a preview), so a client draws its tabs without one request per row.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/message.h"
#include "core/time.h"

namespace contactd::core {

inline constexpr std::size_t kPreviewTextBytes = 200;

struct MessagePreview {
  MessageId message{0};
  Sender sender{Sender::customer};
  std::string author_name;  // the agent's display name, the bot's name, or the customer's address
  std::string text;         // at most kPreviewTextBytes, cut on a UTF-8 boundary
  TimePoint created_at{};
  std::uint32_t attachments{0};  // how many files the message carries
  friend bool operator==(const MessagePreview&, const MessagePreview&) = default;
};

// The longest prefix of `text` of at most `max_bytes` bytes that does not
// split a UTF-8 sequence. REQUIRES: `text` is valid UTF-8 (core/text.h).
std::string utf8_prefix(std::string_view text, std::size_t max_bytes);

MessagePreview make_preview(MessageId message, Sender sender, std::string_view author_name, std::string_view text,
                            TimePoint created_at, std::size_t attachments);

}  // namespace contactd::core
