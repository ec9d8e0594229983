#pragma once
// The built-in CRM contact record (R-FORM-1): a customer, their addresses in
// each channel, and free fields. An address belongs to at most one contact,
// so interactions link to their customer by address.
#include <map>
#include <string>
#include <vector>

#include "core/channel.h"
#include "core/flat_set.h"
#include "core/ids.h"

namespace contactd::core {

struct ContactAddress {
  Channel channel{};
  std::string value;  // normalised (see address.h); for WebChat etc. as the channel gave it
  friend bool operator==(const ContactAddress&, const ContactAddress&) = default;
};

struct Contact {
  ContactId id{};
  std::string name;
  std::vector<ContactAddress> addresses;
  std::map<std::string, std::string> fields;  // e.g. "company", "notes"
};

inline constexpr std::size_t kMaxContactAddresses = 20;

// One of a contact's interactions as visibility sees it (contact_scope.h):
// its campaign and its owner (kNoUser when nobody holds it).
struct ContactTouch {
  CampaignId campaign{};
  UserId owner{kNoUser};
  friend auto operator<=>(const ContactTouch&, const ContactTouch&) = default;
};
// Where a contact's interactions are or were: one entry per distinct
// (campaign, owner), however many interactions share it.
using ContactWork = FlatSet<ContactTouch>;

}  // namespace contactd::core
