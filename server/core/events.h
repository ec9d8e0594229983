#pragma once
// Events: facts the engine has decided. They are persisted (journal + query
// tables) and fanned out to the users named in their audience.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/audience.h"
#include "core/ids.h"
#include "core/profile.h"
#include "core/time.h"

namespace contactd::core {

struct CampaignCreated { CampaignId campaign{}; std::string name; };
struct UserCreated {
  UserId user{};
  std::string login;
  std::string display_name;
  Profile profile{Profile::agent};
  std::string password_hash;  // persisted to the users table only; never sent to clients
};
struct MembershipChanged { UserId user{}; CampaignId campaign{}; bool member{}; };
struct StatusDefined { StatusId status{}; std::string name; };

enum class SessionEndReason { logout, expired };
std::string_view to_string(SessionEndReason r);

struct SessionOpened {
  SessionId session{};
  UserId user{};
  std::string token_hash;  // never sent to clients
  TimePoint expires_at{};
};
struct SessionEnded { SessionId session{}; UserId user{}; SessionEndReason reason{}; };

// A user became connected (first connection) or disconnected (last one left).
struct PresenceChanged { UserId user{}; bool connected{}; };
// A user's status/break was set (status engaged) or cleared (status empty).
struct AgentStatusChanged {
  UserId user{};
  std::optional<StatusId> status;
  UserId changed_by{kNoUser};  // kNoUser: the system
};

using EventBody = std::variant<CampaignCreated, UserCreated, MembershipChanged, StatusDefined,
                               SessionOpened, SessionEnded, PresenceChanged, AgentStatusChanged>;

struct Event {
  EventSeq seq{};
  TimePoint at{};
  Audience audience;  // who may see it; empty: internal (journal only)
  EventBody body;
};

}  // namespace contactd::core
