#include "core/conversation.h"

#include <cstdio>

namespace contactd::core {

MaybeError check_reply_target(const MessageRecord& target) {
  if (target.sender == Sender::customer) return std::nullopt;
  switch (target.state) {
    case MessageState::delivered:
    case MessageState::read:
    case MessageState::played: return std::nullopt;
    case MessageState::failed:
      return Error{ErrorCode::failed_precondition, "a failed message cannot be replied to"};
    default:
      return Error{ErrorCode::failed_precondition,
                   "only delivered or read messages can be replied to (this one is " +
                       std::string(to_string(target.state)) + ")"};
  }
}

ReplyLink reply_link(const MessageRecord& target) {
  return ReplyLink{target.id, target.sender, target.author_name, target.excerpt, target.filename,
                   target.preview_reference};
}

bool has_window(Channel channel) { return channel == Channel::whatsapp; }

MaybeError check_free_form(Channel channel, std::optional<TimePoint> last_customer, TimePoint now) {
  if (!has_window(channel)) return std::nullopt;
  if (!last_customer)
    return Error{ErrorCode::failed_precondition,
                 "the customer has not written yet: the first WhatsApp message must be an approved template"};
  const TimePoint closes = *last_customer + kWhatsAppWindow;
  if (now < closes) return std::nullopt;
  return Error{ErrorCode::failed_precondition,
               "the 24-hour WhatsApp window closed at " + iso_time(closes) +
                   " (24 h after the customer's last message): send an approved template"};
}

std::string iso_time(TimePoint t) {
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
  const std::int64_t ms = to_unix_ms(t);
  std::int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rest = secs - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const std::int64_t doe = days - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = yoe + era * 400;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", static_cast<long long>(y),
                static_cast<long long>(m), static_cast<long long>(d), static_cast<long long>(rest / 3600),
                static_cast<long long>(rest % 3600 / 60), static_cast<long long>(rest % 60));
  return buf;
}

}  // namespace contactd::core
