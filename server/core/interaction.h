#pragma once
// One conversation with one customer in one channel and one campaign.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/channel.h"
#include "core/ids.h"
#include "core/message_preview.h"
#include "core/time.h"

namespace contactd::core {

using InteractionId = std::uint64_t;

// bot -> pending -> active -> finished -> closed (SPEC section 1).
enum class InteractionState : std::uint8_t { bot, pending, active, finished, closed };
enum class Direction : std::uint8_t { inbound, outbound };
std::string_view to_string(InteractionState s);
std::string_view to_string(Direction d);

// A transfer waiting for its target (R-TR-1, R-TR-4).
struct PendingTransfer {
  UserId from{kNoUser};             // returns to this agent on timeout
  UserId to_agent{kNoUser};         // set for agent transfers
  CampaignId to_campaign{0};        // the campaign whose queue holds it (campaign transfers)
  CampaignId from_campaign{0};
  TimePoint deadline{};
  bool attended{false};    // calls: the owner consults the target first
  bool consulting{false};  // attended: the target answered; no deadline any more
};

// A phone interaction's call as the engine sees it (issue 5). The phone
// module owns the SIP dialogs and media; the engine decides who rings.
struct CallState {
  std::vector<UserId> ringing;  // agents whose phones ring for it now (pending only)
  TimePoint ring_until{};       // then the offer lapses: a miss for each of them
  std::vector<UserId> missed;   // let it ring out this round; skipped until every eligible agent has
  std::uint8_t offer_how{0};    // AssignHow recorded when it is answered
  bool held{false};             // R-PH-2: the customer hears hold music
  bool muted{false};            // R-PH-1: the customer does not hear the agent

  bool ringing_for(UserId agent) const {
    for (UserId u : ringing)
      if (u == agent) return true;
    return false;
  }
};

struct SavedDisposition {
  std::vector<std::uint32_t> path;
  std::string comment;
  std::optional<TimePoint> reschedule_at;
};

struct Interaction {
  InteractionId id{};
  CampaignId campaign{};
  Channel channel{Channel::webchat};
  Direction direction{Direction::inbound};
  InteractionState state{InteractionState::pending};
  std::string customer;      // address in the channel: visitor id, phone number, email...
  std::int32_t priority{0};  // higher is served first
  std::uint64_t queue_seq{0};  // arrival order among equal priorities
  UserId owner{kNoUser};
  TimePoint created_at{};
  TimePoint assigned_at{};
  std::optional<PendingTransfer> transfer;
  std::optional<SavedDisposition> disposition;
  std::uint64_t attempt{0};  // the Outbound Hub attempt it carries out; 0: not a hub interaction
  std::uint64_t contact{0};  // the CRM contact (R-FORM-1); 0: not linked
  std::uint64_t next_attempt{0};  // scheduled by its reschedule disposition (R-DISP-3)
  CallState call;                 // phone only
  // Text channels through a provider account (issue 12).
  std::uint64_t account{0};       // the provider account that carries it (its number); 0: none
  std::string display_name;       // the customer's profile name, as the provider gave it
  std::string customer_alt_id;    // the provider's other id for the customer (WhatsApp BSUID)
  std::optional<TimePoint> last_customer_message_at;  // R-OUT-3: the 24 h window runs from here
  std::optional<MessagePreview> last_message;  // R-MSG-7: text only; kept on MessagePosted

  bool hub() const { return attempt != 0; }
};

}  // namespace contactd::core
