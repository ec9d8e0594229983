#pragma once
// Webhook items as they are kept in the inbox (store/inbox.h): the codecs'
// normalised InboundMessage / InboundStatus as JSON, and back. Only what the
// feeder needs is kept; the raw webhook body is not.
#include <optional>
#include <string>
#include <string_view>

#include "channels/whatsapp/provider_types.h"

namespace contactd::channels::whatsapp {

std::string to_payload(const InboundMessage& m);
std::string to_payload(const InboundStatus& s);
std::optional<InboundMessage> message_from_payload(std::string_view json);
std::optional<InboundStatus> status_from_payload(std::string_view json);

}  // namespace contactd::channels::whatsapp
