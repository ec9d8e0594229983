#include "core/audience.h"

#include <algorithm>

#include "core/events.h"
#include "core/model.h"

namespace contactd::core {

AudienceIndex::AudienceIndex(const EngineState& state) {
  for (const auto& u : state.users) {
    add_user(u.id, u.profile);
    for (CampaignId c : u.campaigns) set_membership(u.id, c, true);
  }
}

void AudienceIndex::add_user(UserId user, Profile profile) {
  profiles_[user] = profile;
  if (is_admin(profile)) administrators_.insert(user);
}

void AudienceIndex::set_membership(UserId user, CampaignId campaign, bool member) {
  const bool supervisor = profiles_.count(user) && profiles_.at(user) == Profile::supervisor;
  if (member) {
    members_[campaign].insert(user);
    campaigns_of_[user].insert(campaign);
    if (supervisor) supervisors_[campaign].insert(user);
  } else {
    members_[campaign].erase(user);
    campaigns_of_[user].erase(campaign);
    supervisors_[campaign].erase(user);
  }
}

void AudienceIndex::apply(const Event& event) {
  if (const auto* created = std::get_if<UserCreated>(&event.body)) add_user(created->user, created->profile);
  if (const auto* changed = std::get_if<MembershipChanged>(&event.body))
    set_membership(changed->user, changed->campaign, changed->member);
}

std::vector<UserId> AudienceIndex::resolve(const Audience& a) const {
  std::vector<UserId> out = a.users;
  auto add_all = [&](const std::unordered_map<CampaignId, std::set<UserId>>& index, CampaignId c) {
    auto it = index.find(c);
    if (it != index.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  };
  for (CampaignId c : a.members_of) add_all(members_, c);
  for (CampaignId c : a.supervisors_of) add_all(supervisors_, c);
  if (a.administrators) out.insert(out.end(), administrators_.begin(), administrators_.end());
  if (a.everyone)
    for (const auto& [user, profile] : profiles_) out.push_back(user);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (!a.except.empty())
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](UserId u) { return std::find(a.except.begin(), a.except.end(), u) != a.except.end(); }),
              out.end());
  return out;
}

bool AudienceIndex::includes(const Audience& a, UserId user) const {
  const auto all = resolve(a);
  return std::binary_search(all.begin(), all.end(), user);
}

}  // namespace contactd::core
