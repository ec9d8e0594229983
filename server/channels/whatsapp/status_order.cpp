#include "channels/whatsapp/status_order.h"

namespace contactd::channels::whatsapp {

std::string_view to_string(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::enqueued: return "enqueued";
    case DeliveryStatus::sent: return "sent";
    case DeliveryStatus::delivered: return "delivered";
    case DeliveryStatus::read: return "read";
    case DeliveryStatus::played: return "played";
    case DeliveryStatus::failed: return "failed";
    case DeliveryStatus::deleted: return "deleted";
  }
  return "?";
}

std::optional<DeliveryStatus> delivery_status_from(std::string_view s) {
  for (auto d : {DeliveryStatus::enqueued, DeliveryStatus::sent, DeliveryStatus::delivered, DeliveryStatus::read,
                 DeliveryStatus::played, DeliveryStatus::failed, DeliveryStatus::deleted})
    if (to_string(d) == s) return d;
  return std::nullopt;
}

int status_rank(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::enqueued: return 0;
    case DeliveryStatus::sent: return 1;
    case DeliveryStatus::delivered: return 2;
    case DeliveryStatus::read: return 3;
    case DeliveryStatus::played: return 4;
    case DeliveryStatus::failed:
    case DeliveryStatus::deleted: return -1;
  }
  return -1;
}

std::optional<DeliveryStatus> merge_status(std::optional<DeliveryStatus> current, DeliveryStatus incoming) {
  if (incoming == DeliveryStatus::deleted) return std::nullopt;
  if (!current) return incoming;
  const int delivered = status_rank(DeliveryStatus::delivered);
  if (incoming == DeliveryStatus::failed) {
    if (*current == DeliveryStatus::failed || status_rank(*current) >= delivered) return std::nullopt;
    return incoming;
  }
  if (*current == DeliveryStatus::failed)
    return status_rank(incoming) >= delivered ? std::optional(incoming) : std::nullopt;
  if (status_rank(incoming) > status_rank(*current)) return incoming;
  return std::nullopt;
}

}  // namespace contactd::channels::whatsapp
