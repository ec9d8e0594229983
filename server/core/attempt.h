#pragma once
// Outbound Hub contact attempts (R-DISP-3): a customer to contact in a
// campaign's channel at a time. When due, the engine turns the attempt into an
// outbound interaction queued for the campaign's agents with outbound
// permission in that channel.
#include <string>

#include "core/channel.h"
#include "core/ids.h"
#include "core/interaction.h"
#include "core/time.h"

namespace contactd::core {

enum class AttemptOrigin : std::uint8_t { list, reschedule };
std::string_view to_string(AttemptOrigin o);

struct Attempt {
  AttemptId id{};
  CampaignId campaign{};
  Channel channel{};
  ContactId contact{};
  std::string address;  // normalised
  std::string list;     // the contact list's name ("" for reschedules)
  TimePoint due_at{};
  AttemptOrigin origin{AttemptOrigin::list};
  InteractionId from_interaction{0};  // the rescheduled interaction
};

// Why an attempt was dropped instead of carried out.
enum class AttemptCancelReason : std::uint8_t { cancelled, campaign_archived, channel_disabled, disposition_changed };
std::string_view to_string(AttemptCancelReason r);

// Rows in one upload command; larger lists are uploaded in several commands.
inline constexpr std::size_t kMaxUploadRows = 1000;

}  // namespace contactd::core
