#pragma once
// Delivery states as the providers report them, and the order in which they
// may replace each other. Shared by the Meta and Gupshup codecs; the core's
// MessageState merge applies the same policy (see the issue 12 plan).
//
// Webhooks are at-least-once and unordered (channels.md §1.4, §3.2): a read
// may come without a delivered, a sent after a delivered, a failed after a
// delivered (multi-device users). The policy:
//   enqueued < sent < delivered < read < played   (never downgrade)
//   failed applies only while the message is not delivered/read/played,
//   and a later delivered/read/played overrides failed (delivery is evidence).
//   deleted (Gupshup: the customer deleted one of *their* messages) is not a
//   delivery state of ours and never merges.
#include <cstdint>
#include <optional>
#include <string_view>

namespace contactd::channels::whatsapp {

enum class DeliveryStatus : std::uint8_t { enqueued, sent, delivered, read, played, failed, deleted };

std::string_view to_string(DeliveryStatus s);
// "sent" -> sent... (provider spellings, lower case); nullopt for anything else.
std::optional<DeliveryStatus> delivery_status_from(std::string_view s);

// Position on the ladder enqueued(0) < sent(1) < delivered(2) < read(3) < played(4);
// failed and deleted are off the ladder: -1.
int status_rank(DeliveryStatus s);

// The state after `incoming` arrives on a message in `current` (nullopt: none
// known yet), or nullopt when the callback changes nothing (late, duplicate,
// a downgrade, failed after delivery, deleted).
std::optional<DeliveryStatus> merge_status(std::optional<DeliveryStatus> current, DeliveryStatus incoming);

}  // namespace contactd::channels::whatsapp
