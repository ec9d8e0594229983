#pragma once
// What a user sees on connecting: themself, their campaigns, the statuses they
// may set and, for supervisors and above, the live state of the users they oversee.
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/profile.h"
#include "core/time.h"

namespace contactd::core {

struct UserView {
  UserId id{};
  std::string login;
  std::string display_name;
  Profile profile{};
  std::vector<CampaignId> campaigns;
  bool connected{};
  TimePoint presence_since{};
  std::optional<StatusId> status;
  TimePoint status_since{};
};

struct CampaignView {
  CampaignId id{};
  std::string name;
};

struct StatusView {
  StatusId id{};
  std::string name;
};

struct Snapshot {
  UserView me;
  std::vector<CampaignView> campaigns;  // the caller's (all, for administrators)
  std::vector<StatusView> statuses;
  std::vector<UserView> overseen;       // empty for agents
};

}  // namespace contactd::core
