#pragma once
// Customer addresses per channel: how they are cleaned and checked before
// contactd starts a conversation with them (R-OUT-2..5).
#include <string>
#include <string_view>
#include <variant>

#include "core/channel.h"
#include "core/error.h"

namespace contactd::core {

// Whether contactd can open a conversation in `c` (phone, WhatsApp, SMS,
// Email). WebChat, Instagram and Messenger conversations start with the customer.
bool can_start(Channel c);

// The address as it will be dialled or written to, or why it is not valid:
// phone keeps digits, `#` and `*` and needs at least 5 digits (R-OUT-2);
// WhatsApp and SMS keep digits (a leading `+` is dropped), 5 to 15 of them;
// email is `local@domain` without spaces, at most 320 bytes, lower-cased domain.
// REQUIRES: can_start(c).
std::variant<std::string, Error> normalize_address(Channel c, std::string_view raw);

}  // namespace contactd::core
