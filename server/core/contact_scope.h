#pragma once
// R-SEC-4 for the CRM: which interactions a user may see, and who may change
// a contact record. Pure; the engine (save_contact) and the API (get_contact,
// history) ask these same functions.
//
// Rule R-SEC-4/CRM. The contact record (name, addresses, fields) is shared:
// one customer is one contact across campaigns, so every logged-in user may
// search it, read it and create contacts. What the record's customer did is
// not shared: the interactions listed with a contact are those in the
// caller's interaction scope, the scope of history (an agent: the ones they
// own; a supervisor: those of the campaigns they are a member of; an
// administrator or super user: all). Changing an existing contact
// (save_contact on it, linking an interaction included) follows the same
// scope: allowed when the caller's scope covers at least one of the contact's
// interactions, open or closed; for a contact with no interaction at all,
// allowed to supervisors and to the user who created it; administrators may
// change any contact. Anything else is PERMISSION_DENIED and changes nothing.
#include <optional>
#include <vector>

#include "core/contact.h"
#include "core/ids.h"
#include "core/model.h"

namespace contactd::core {

// The interactions a user may see.
struct InteractionScope {
  std::optional<std::vector<CampaignId>> campaigns;  // nullopt: every campaign
  UserId only_owner{kNoUser};                        // kNoUser: whoever owns them

  bool covers(const ContactTouch& interaction) const;
};

InteractionScope interaction_scope(const User& viewer);

// What save_contact needs to know about an existing contact.
struct ContactReach {
  ContactWork work;            // its interactions, open and closed
  UserId created_by{kNoUser};  // kNoUser: not known (e.g. created before a restart)
};

bool may_change_contact(const User& editor, const ContactReach& contact);

}  // namespace contactd::core
