#pragma once
// The engine's records. Plain data; the engine keeps them consistent.
#include <array>
#include <map>
#include <optional>
#include <vector>
#include <set>
#include <string>

#include "core/attempt.h"
#include "core/campaign_settings.h"
#include "core/contact.h"
#include "core/conversation.h"
#include "core/flat_set.h"
#include "core/ids.h"
#include "core/interaction.h"
#include "core/profile.h"
#include "core/time.h"

namespace contactd::core {

// A user's place in a campaign.
struct Membership {
  std::int32_t order{0};  // rank for the agent_order strategy (lower first)
  ChannelSet outbound;    // channels the user may start interactions in (R-OUT-1)
};

struct Campaign {
  CampaignId id{};
  std::string name;
  std::map<UserId, Membership> members;
  CampaignSettings settings;
  bool archived{false};
  ChannelSet any_outbound;  // union of the members' outbound channels: where the hub lane has agents
};

// A status or break an agent may set (e.g. "Lunch"). While set, the agent is
// not eligible for assignment (R-IN-4).
struct Status {
  StatusId id{};
  std::string name;
};

// The new-interaction form as the user left it for one channel (R-OUT-6).
struct Draft {
  CampaignId campaign{0};
  std::map<std::string, std::string> fields;  // field name -> value, as the client sent them
};

// A form a user has open for a campaign and not saved yet (R-FORM-2).
struct FormDraft {
  std::uint64_t interaction{0};  // 0: opened through manual access
  std::map<std::string, std::string> fields;
  friend bool operator==(const FormDraft&, const FormDraft&) = default;
};

// A registered SIP phone (R-PH: an agent without one is offered no calls).
struct PhoneBinding {
  std::string contact;  // where to send its calls (the REGISTER's Contact URI)
  std::string source;   // transport and address it registered from, e.g. "udp 127.0.0.1:5062"
  TimePoint expires_at{};
};

struct User {
  UserId id{};
  std::string login;
  std::string display_name;
  Profile profile{Profile::agent};
  std::string password_hash;  // argon2id string, opaque to the core
  FlatSet<CampaignId> campaigns;
  // Live state.
  std::optional<StatusId> status;
  TimePoint status_since{};
  std::set<ConnectionId> connections;  // connected iff non-empty
  TimePoint presence_since{};
  // Inbox load, for eligibility and strategy scores (R-IN-3, R-IN-4).
  std::array<std::uint16_t, kChannelCount> active{};    // owned active interactions per channel
  std::array<std::uint16_t, kChannelCount> capacity{};  // per-user override; 0: the campaign's default
  TimePoint idle_since{};            // last time the user had nothing active
  std::int64_t talk_ms{0};           // accumulated handling time
  std::uint64_t last_assigned{0};    // assignment tick of the latest assignment
  std::uint64_t random_ticket{0};    // redrawn after every assignment
  std::optional<TimePoint> grace_until;  // disconnected with active interactions
  std::optional<TimePoint> wrap_up_until;  // R-WRAP-1: after a call; no calls offered until then
  std::string sip_secret;                  // the phone's digest secret (HA1), opaque here; empty: no phone
  std::optional<PhoneBinding> phone;       // while registered
  std::uint64_t ringing{0};                // the call ringing on that phone (an interaction id); 0: none
  std::uint16_t missed_in_row{0};          // offers let ring out since the last answered one
  std::map<Channel, Draft> drafts;
  std::map<CampaignId, FormDraft> form_drafts;
  bool deactivated{false};  // cannot log in, gets no work

  bool connected() const { return !connections.empty(); }
  std::uint32_t active_total() const {
    std::uint32_t n = 0;
    for (auto a : active) n += a;
    return n;
  }
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
  struct OpenInteraction {
    Interaction interaction;
    std::optional<TimePoint> bot_deadline;
    std::vector<MessageRecord> messages;  // not finished: its messages in order (R-MSG-5/6)
  };
  std::vector<OpenInteraction> interactions;  // not closed; pending ones in queue order
  TimePoint loaded_at{};                      // disconnect grace for owners starts here
  EventSeq last_seq{0};
  UserId last_user_id{0};
  CampaignId last_campaign_id{0};
  StatusId last_status_id{0};
  SessionId last_session_id{0};
  std::uint64_t last_interaction_id{0};
  std::uint64_t last_message_id{0};
  std::vector<Contact> contacts;
  std::map<ContactId, ContactWork> contact_work;  // closed interactions' campaigns and owners, per contact
  std::vector<Attempt> attempts;  // scheduled, not yet carried out
  ContactId last_contact_id{0};
  AttemptId last_attempt_id{0};
  std::vector<ProviderAccount> accounts;  // with their secrets
  struct AccountTemplate {
    AccountId account{};
    Template definition;
  };
  std::vector<AccountTemplate> templates;
  AccountId last_account_id{0};
};

}  // namespace contactd::core
