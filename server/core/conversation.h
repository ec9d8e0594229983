#pragma once
// What the engine keeps of an open text interaction's messages: one small
// record per message, enough for the reply rule (R-MSG-6), the status merge
// (R-MSG-5) and the WhatsApp customer-service window (R-OUT-3). Records are
// dropped when the interaction finishes.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/channel.h"
#include "core/error.h"
#include "core/message.h"
#include "core/time.h"

namespace contactd::core {

struct MessageRecord {
  MessageId id{};
  Sender sender{};
  MessageState state{};
  std::string provider_message_id;  // empty until the provider names it
  std::string author_name;
  std::string excerpt;              // the text's first kReplyExcerpt bytes
  std::string filename;             // first attachment's, if any
  std::string preview_reference;    // first attachment's store id
  std::vector<AttachmentState> attachments;  // each attachment's state
};

// R-MSG-6: whether an agent may quote `target`: customer messages always;
// agent and bot messages once delivered, read or played (a single check or a
// failure cannot be replied to). Else failed_precondition.
MaybeError check_reply_target(const MessageRecord& target);
ReplyLink reply_link(const MessageRecord& target);

// --- R-OUT-3: WhatsApp's customer-service window ---

inline constexpr Millis kWhatsAppWindow{Millis{24LL * 3600 * 1000}};
// Whether free-form messages in `channel` are limited to a window after the
// customer's last message (WhatsApp: 24 h).
bool has_window(Channel channel);
// Free-form messages are allowed in `channel` at `now` when the channel has no
// window, or the customer wrote at `last_customer` and now < last_customer +
// 24 h. Otherwise failed_precondition: the customer never wrote (start with a
// template), or the window closed at the ISO time it names.
MaybeError check_free_form(Channel channel, std::optional<TimePoint> last_customer, TimePoint now);

// "2026-09-21T14:40:00Z" (UTC, whole seconds).
std::string iso_time(TimePoint t);

}  // namespace contactd::core
