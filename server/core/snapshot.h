#pragma once
// What a user sees on connecting: themself, their campaigns, the statuses they
// may set and, for supervisors and above, the live state of the users they oversee.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/form.h"
#include "core/ids.h"
#include "core/interaction.h"
#include "core/model.h"
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
  std::optional<TimePoint> wrap_up_until;  // R-WRAP-1: for the countdown
  bool phone_registered{false};
};

struct CampaignView {
  CampaignId id{};
  std::string name;
  bool archived{false};
  CampaignSettings settings;
};

struct StatusView {
  StatusId id{};
  std::string name;
};

using InteractionView = Interaction;

// Pending shows at most this many interactions (queue order, campaign by
// campaign); `pending_total` says how many there are.
inline constexpr std::size_t kSnapshotPendingLimit = 500;

// R-OUT-1: a channel the caller may start interactions in, and the campaigns
// that have it enabled and permit the caller in it.
struct OutboundChannel {
  Channel channel{};
  std::vector<CampaignId> campaigns;
};

struct Snapshot {
  UserView me;
  std::vector<CampaignView> campaigns;  // the caller's (all, for administrators)
  std::vector<StatusView> statuses;
  std::vector<UserView> overseen;       // empty for agents
  // The tabs (SPEC section 1).
  std::vector<InteractionView> pending;   // queues of the caller's campaigns
  std::size_t pending_total{0};
  std::vector<InteractionView> active;    // owned by the caller (incl. transfers they started)
  std::vector<InteractionView> finished;  // owned by the caller, not yet closed
  std::vector<InteractionView> offered;   // agent transfers addressed to the caller
  std::vector<OutboundChannel> outbound;  // R-OUT-1
  std::map<Channel, Draft> drafts;        // R-OUT-6
  std::map<CampaignId, FormDraft> form_drafts;  // R-FORM-2: unsaved forms
  std::vector<ManualForm> manual_forms;         // R-FORM-2
};

}  // namespace contactd::core
