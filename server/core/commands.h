#pragma once
// Commands: requests to change state. Each is handled atomically by the engine.
#include <optional>
#include <string>
#include <variant>

#include "core/ids.h"
#include "core/profile.h"
#include "core/time.h"

namespace contactd::core {

// Who issues a command. `system` is the daemon itself (seeding, the CLI, the
// transport after it has verified a password); it passes every permission check.
struct Actor {
  bool system{false};
  UserId user{kNoUser};
  static Actor System() { return Actor{true, kNoUser}; }
  static Actor User(UserId id) { return Actor{false, id}; }
};

struct CreateCampaign { std::string name; };
struct CreateUser {
  std::string login;
  std::string display_name;
  Profile profile{Profile::agent};
  std::string password_hash;
};
struct SetMembership {
  UserId user{};
  CampaignId campaign{};
  bool member{true};
};
struct DefineStatus { std::string name; };

// Issued by the transport after the password was verified. Attaches `connection`.
struct OpenSession {
  UserId user{};
  std::string token_hash;
  TimePoint expires_at{};
  ConnectionId connection{};
};
// Resume: attach `connection` to the session holding `token_hash`. A connection
// already attached to that session is detached and told to close (superseded).
struct AttachSession {
  std::string token_hash;
  ConnectionId connection{};
};
// A transport connection went away (the session stays valid for resume).
struct DetachConnection { ConnectionId connection{}; };
// Logout: revoke the session attached to `connection`.
struct EndSession { ConnectionId connection{}; };

// Set or clear a user's status/break. `target` defaults to the actor.
struct SetStatus {
  UserId target{kNoUser};
  StatusId status{};
};
struct ClearStatus { UserId target{kNoUser}; };

using CommandBody = std::variant<CreateCampaign, CreateUser, SetMembership, DefineStatus,
                                 OpenSession, AttachSession, DetachConnection, EndSession,
                                 SetStatus, ClearStatus>;

struct Command {
  Actor actor;
  CommandBody body;
};

}  // namespace contactd::core
