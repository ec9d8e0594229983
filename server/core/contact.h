#pragma once
// The built-in CRM contact record (R-FORM-1): a customer, their addresses in
// each channel, and free fields. An address belongs to at most one contact,
// so interactions link to their customer by address.
#include <map>
#include <string>
#include <vector>

#include "core/channel.h"
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

}  // namespace contactd::core
