#include "core/contact_scope.h"

#include <algorithm>

namespace contactd::core {

bool InteractionScope::covers(const ContactTouch& interaction) const {
  if (only_owner != kNoUser && interaction.owner != only_owner) return false;
  if (campaigns && std::find(campaigns->begin(), campaigns->end(), interaction.campaign) == campaigns->end())
    return false;
  return true;
}

InteractionScope interaction_scope(const User& viewer) {
  InteractionScope scope;
  if (viewer.profile == Profile::agent) {
    scope.only_owner = viewer.id;
  } else if (viewer.profile == Profile::supervisor) {
    scope.campaigns = std::vector<CampaignId>(viewer.campaigns.begin(), viewer.campaigns.end());
  }
  return scope;
}

bool may_change_contact(const User& editor, const ContactReach& contact) {
  if (is_admin(editor.profile)) return true;
  if (contact.work.empty()) return editor.profile == Profile::supervisor || contact.created_by == editor.id;
  const InteractionScope scope = interaction_scope(editor);
  return std::any_of(contact.work.begin(), contact.work.end(), [&](const ContactTouch& t) { return scope.covers(t); });
}

}  // namespace contactd::core
