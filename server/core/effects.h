#pragma once
// Effects: instructions for adapters, carried out after the events of the same
// outcome are durable.
#include <string>
#include <variant>

#include "core/channel.h"
#include "core/events.h"
#include "core/ids.h"

namespace contactd::core {

// Close a transport connection, telling the client why (it may resume elsewhere).
struct CloseConnection {
  ConnectionId connection{};
  std::string reason;
};

// Deliver an agent's or the bot's message to the customer through the
// interaction's channel (after the message is durable).
struct DeliverMessage {
  Channel channel{};
  std::string customer;
  MessagePosted message;
};

using Effect = std::variant<CloseConnection, DeliverMessage>;

}  // namespace contactd::core
