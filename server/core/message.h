#pragma once
// Messages of text interactions and the attachment rules every channel shares
// (R-MSG-1..4). The core keeps no message bodies beyond the events it emits.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/channel.h"
#include "core/error.h"

namespace contactd::core {

using MessageId = std::uint64_t;

enum class Sender : std::uint8_t { customer, agent, bot };
std::string_view to_string(Sender s);

enum class AttachmentKind : std::uint8_t { image, audio, video, document };
std::string_view to_string(AttachmentKind k);

struct Attachment {
  std::string filename;      // its extension decides the kind (R-MSG-2)
  std::uint64_t size_bytes{0};
  std::string reference;     // where the file is stored (opaque to the core)
  bool voice{false};         // a recorded voice message (R-MSG-4)
};

// The kind a file name's extension belongs to, if it is allowed at all.
std::optional<AttachmentKind> attachment_kind(std::string_view filename);
// Largest size `provider` accepts for `kind` (R-MSG-3). Providers without a
// published limit (WebChat...) get the largest limit of the table.
std::uint64_t size_limit(Provider provider, AttachmentKind kind);
// R-MSG-2/3/4 for one message sent in `channel` through `provider`.
MaybeError check_attachments(Channel channel, Provider provider, const std::vector<Attachment>& attachments);

inline constexpr std::size_t kMaxMessageText = 10'000;

}  // namespace contactd::core
