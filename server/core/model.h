#pragma once
// The engine's records. Plain data; the engine keeps them consistent.
#include <optional>
#include <vector>
#include <set>
#include <string>

#include "core/ids.h"
#include "core/profile.h"
#include "core/time.h"

namespace contactd::core {

struct Campaign {
  CampaignId id{};
  std::string name;
  std::set<UserId> members;
};

// A status or break an agent may set (e.g. "Lunch"). While set, the agent is
// not eligible for assignment (R-IN-4).
struct Status {
  StatusId id{};
  std::string name;
};

struct User {
  UserId id{};
  std::string login;
  std::string display_name;
  Profile profile{Profile::agent};
  std::string password_hash;  // argon2id string, opaque to the core
  std::set<CampaignId> campaigns;
  // Live state.
  std::optional<StatusId> status;
  TimePoint status_since{};
  std::set<ConnectionId> connections;  // connected iff non-empty
  TimePoint presence_since{};

  bool connected() const { return !connections.empty(); }
};

// A login session. Its token is known to the core only as a hash.
struct Session {
  SessionId id{};
  UserId user{};
  std::string token_hash;
  TimePoint expires_at{};
  std::optional<ConnectionId> connection;  // at most one live connection per session
};

// Everything needed to rebuild an engine (loaded from the store on start).
// Live connections are never restored: after a restart everyone is disconnected.
struct EngineState {
  std::vector<Campaign> campaigns;  // with members filled
  std::vector<Status> statuses;
  std::vector<User> users;  // campaigns filled; connections empty
  std::vector<Session> sessions;  // unexpired, not ended
  EventSeq last_seq{0};
  UserId last_user_id{0};
  CampaignId last_campaign_id{0};
  StatusId last_status_id{0};
  SessionId last_session_id{0};
};

}  // namespace contactd::core
