#pragma once
// Who may see an event. The engine states it as a descriptor, so that an
// event for "every member of campaign Sales" costs the same whether Sales has
// ten agents or ten thousand; the fan-out resolves it with an AudienceIndex
// kept in step with the published events.
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "core/ids.h"
#include "core/profile.h"

namespace contactd::core {

struct Event;
struct EngineState;

struct Audience {
  std::vector<UserId> users;              // these users
  std::vector<CampaignId> members_of;     // every member of these campaigns
  std::vector<CampaignId> supervisors_of; // the supervisors of these campaigns
  bool administrators{false};             // every administrator and super user
  bool everyone{false};                   // every user
  std::vector<UserId> except;             // never these users

  bool empty() const {
    return users.empty() && members_of.empty() && supervisors_of.empty() && !administrators && !everyone;
  }
};

// Users' profiles and campaign memberships, enough to resolve an Audience.
class AudienceIndex {
 public:
  AudienceIndex() = default;
  explicit AudienceIndex(const EngineState& state);

  // Follows the directory events (users created, memberships changed).
  void apply(const Event& event);

  // Sorted, without duplicates.
  std::vector<UserId> resolve(const Audience& audience) const;
  bool includes(const Audience& audience, UserId user) const;

 private:
  void add_user(UserId user, Profile profile);
  void set_membership(UserId user, CampaignId campaign, bool member);

  std::unordered_map<UserId, Profile> profiles_;
  std::unordered_map<UserId, std::set<CampaignId>> campaigns_of_;
  std::unordered_map<CampaignId, std::set<UserId>> members_;
  std::unordered_map<CampaignId, std::set<UserId>> supervisors_;
  std::set<UserId> administrators_;
};

}  // namespace contactd::core
