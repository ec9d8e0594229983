#pragma once
// Effects: instructions for adapters, carried out after the events of the same
// outcome are durable.
#include <string>
#include <variant>

#include "core/ids.h"

namespace contactd::core {

// Close a transport connection, telling the client why (it may resume elsewhere).
struct CloseConnection {
  ConnectionId connection{};
  std::string reason;
};

using Effect = std::variant<CloseConnection>;

}  // namespace contactd::core
