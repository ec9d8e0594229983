#pragma once
// Messages of text interactions and the attachment rules every channel shares
// (R-MSG-1..6). The core keeps no message bodies beyond the events it emits
// (and, for open interactions, the small per-message record of
// conversation.h that reply and status rules need).
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

// R-MSG-5. Customer messages are `received`; agent and bot messages in
// WebChat are `delivered` at once; messages through a provider are `queued`
// until the provider reports on them (merge_state).
enum class MessageState : std::uint8_t { received, queued, sent, delivered, read, played, failed };
std::string_view to_string(MessageState s);
std::optional<MessageState> message_state_from_string(std::string_view s);

// The monotonic merge of a provider's report into a message's state: the new
// state, or nullopt when the report changes nothing (late, duplicate, or a
// step back). queued < sent < delivered < read < played; `failed` applies
// only while the message is not delivered, read or played; delivered, read
// or played after `failed` override it (delivery is evidence). A `read`
// without a `delivered` before it is fine (Meta implies delivered).
// REQUIRES: current and reported are not `received`.
std::optional<MessageState> merge_state(MessageState current, MessageState reported);

enum class AttachmentKind : std::uint8_t { image, audio, video, document };
std::string_view to_string(AttachmentKind k);

// Whether the file behind an attachment can be served: outbound files are
// uploaded first (ready); inbound provider media is fetched after the
// message is stored (pending, then ready or unavailable).
enum class AttachmentState : std::uint8_t { ready, pending, unavailable };
std::string_view to_string(AttachmentState s);
std::optional<AttachmentState> attachment_state_from_string(std::string_view s);

struct Attachment {
  std::string filename;      // its extension decides the kind (R-MSG-2)
  std::uint64_t size_bytes{0};
  std::string reference;     // the media store's attachment id (empty while pending)
  bool voice{false};         // a recorded voice message (R-MSG-4)
  std::string content_type;  // as the media store sniffed it; empty: unknown
  AttachmentState state{AttachmentState::ready};
  std::string provider_media_id;   // inbound: the provider's media id, until fetched
  std::string unavailable_reason;  // state unavailable: why (shown to agents)
};

// The kind a file name's extension belongs to, if it is allowed at all.
std::optional<AttachmentKind> attachment_kind(std::string_view filename);
// Largest size `provider` accepts for `kind` (the R-MSG-3 table). Providers
// without a published limit (WebChat...) get the largest limit of the table.
std::uint64_t size_limit(Provider provider, AttachmentKind kind);
// The limit that applies when sending in `channel` through `provider`: the
// R-MSG-3 table as the outer limit, lowered to what the provider's API
// documents for that channel (R-MSG-3a; WhatsApp: 5/16/16/100 MB).
std::uint64_t size_limit(Channel channel, Provider provider, AttachmentKind kind);
// R-MSG-2/3/3a/4 for one message an agent sends in `channel` through `provider`.
MaybeError check_attachments(Channel channel, Provider provider, const std::vector<Attachment>& attachments);
// Attachments a customer sent (already accepted by the provider): at most 10,
// names at most 255 bytes, pending ones with the provider's media id, ready
// ones with a stored file. Nothing a customer sent is refused for its type.
MaybeError check_inbound_attachments(const std::vector<Attachment>& attachments);

// R-MSG-6: what a reply shows of the message it quotes.
struct ReplyLink {
  MessageId message{0};
  Sender sender{Sender::customer};
  std::string author_name;        // the agent, the bot's name, or the customer
  std::string text;               // excerpt, at most kReplyExcerpt bytes (whole UTF-8 characters)
  std::string filename;           // its first attachment's, if any
  std::string preview_reference;  // the media store id of that attachment
};
inline constexpr std::size_t kReplyExcerpt = 200;
// At most `limit` bytes of `text`, cut at a UTF-8 character boundary.
std::string excerpt(std::string_view text, std::size_t limit = kReplyExcerpt);

inline constexpr std::size_t kMaxMessageText = 10'000;

}  // namespace contactd::core
