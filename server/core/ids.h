#pragma once
// Identifiers. All are assigned by the engine from counters kept in its state,
// except ConnectionId, which the transport assigns.
#include <cstdint>

namespace contactd::core {

using UserId = std::uint64_t;
using CampaignId = std::uint64_t;
using StatusId = std::uint64_t;
using SessionId = std::uint64_t;
using ConnectionId = std::uint64_t;
using EventSeq = std::uint64_t;
using ContactId = std::uint64_t;   // a customer in the built-in CRM (R-FORM-1)
using AttemptId = std::uint64_t;   // an Outbound Hub contact attempt (R-DISP-3)

inline constexpr UserId kNoUser = 0;

}  // namespace contactd::core
