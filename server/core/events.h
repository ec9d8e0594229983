#pragma once
// Events: facts the engine has decided. They are persisted (journal + query
// tables) and fanned out to the users named in their audience.
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <array>

#include "core/attempt.h"
#include "core/audience.h"
#include "core/contact.h"
#include "core/model.h"
#include "core/campaign_settings.h"
#include "core/commands.h"
#include "core/ids.h"
#include "core/interaction.h"
#include "core/message.h"
#include "core/profile.h"
#include "core/time.h"

namespace contactd::core {

struct CampaignCreated { CampaignId campaign{}; std::string name; CampaignSettings settings; };
struct CampaignUpdated { CampaignId campaign{}; CampaignSettings settings; };
struct CampaignArchived { CampaignId campaign{}; bool archived{true}; };
struct UserCreated {
  UserId user{};
  std::string login;
  std::string display_name;
  Profile profile{Profile::agent};
  std::string password_hash;  // persisted to the users table only; never sent to clients
};
struct MembershipChanged {
  UserId user{};
  CampaignId campaign{};
  bool member{};
  std::int32_t order{0};
  ChannelSet outbound;
};
struct StatusDefined { StatusId status{}; std::string name; };

enum class SessionEndReason { logout, expired, deactivated };
std::string_view to_string(SessionEndReason r);

struct SessionOpened {
  SessionId session{};
  UserId user{};
  std::string token_hash;  // never sent to clients
  TimePoint expires_at{};
};
struct SessionEnded { SessionId session{}; UserId user{}; SessionEndReason reason{}; };

// A user became connected (first connection) or disconnected (last one left).
struct PresenceChanged { UserId user{}; bool connected{}; };
// A user's status/break was set (status engaged) or cleared (status empty).
struct AgentStatusChanged {
  UserId user{};
  std::optional<StatusId> status;
  UserId changed_by{kNoUser};  // kNoUser: the system
};

// --- Inbox ---

struct InteractionOpened {
  InteractionId interaction{};
  CampaignId campaign{};
  Channel channel{};
  Direction direction{};
  std::string customer;
  std::int32_t priority{0};
  InteractionState state{};  // bot or pending
  AttemptId attempt{0};      // Outbound Hub: the attempt it carries out
  ContactId contact{0};      // the CRM contact with the customer's address
  AccountId account{0};      // the provider account carrying it (not in the journal payload)
  std::string display_name;  // the customer's profile name
  std::string customer_alt_id;
};

enum class QueueReason : std::uint8_t { bot_handoff, bot_timeout, returned, transfer };
std::string_view to_string(QueueReason r);
// Entered a queue after having been elsewhere (bot, an agent, another campaign).
struct InteractionQueued {
  InteractionId interaction{};
  CampaignId campaign{};
  QueueReason reason{};
};

// The bot must answer by `deadline` or the customer goes to the queue.
struct BotDeadlineSet {
  InteractionId interaction{};
  std::optional<TimePoint> deadline;  // empty: the bot answered
};

enum class AssignHow : std::uint8_t { take, automatic, transfer, returned, started };
std::string_view to_string(AssignHow h);
struct Candidate {
  UserId agent{};
  std::int64_t score{};  // the strategy's measure; lower wins
};
// R-IN-5: every assignment records why.
struct InteractionAssigned {
  InteractionId interaction{};
  CampaignId campaign{};
  UserId agent{};
  AssignHow how{};
  Strategy strategy{};
  std::uint32_t candidates{0};        // eligible agents considered
  std::vector<Candidate> considered;  // the best few, in order
};

struct InteractionFinished {
  InteractionId interaction{};
  UserId by{};
  // Calls: why the call ended, when not a plain hang-up (busy, no answer...,
  // media timeout). One event for the outcome: no separate CallFailed.
  CallEndReason reason{CallEndReason::completed};
};
struct DispositionSaved {
  InteractionId interaction{};
  std::vector<std::uint32_t> path;
  std::string comment;
  std::optional<TimePoint> reschedule_at;
  UserId by{};
};
struct InteractionClosed { InteractionId interaction{}; UserId by{}; };

struct TransferRequested {
  InteractionId interaction{};
  UserId from{};
  UserId to_agent{kNoUser};
  CampaignId to_campaign{0};
  TimePoint deadline{};
  std::string to_number;  // calls: an external number (the call leaves the center)
  bool attended{false};
};
// Nobody took it in time: back with the agent who started it (R-TR-4).
struct TransferTimedOut { InteractionId interaction{}; UserId returned_to{}; };

struct MessagePosted {
  InteractionId interaction{};
  MessageId message{};
  Sender sender{};
  UserId author{kNoUser};   // the agent, for agent messages
  std::string author_name;  // the agent's display name, the bot's name, or the customer's (profile) name
  std::string text;         // a template's: its body with the parameters filled in
  std::vector<Attachment> attachments;
  MessageState state{MessageState::received};  // R-MSG-5
  std::string provider_message_id;  // inbound: the provider's id
  std::optional<ReplyLink> reply;   // R-MSG-6: the message it quotes
  std::optional<TemplateUse> template_use;
  std::uint64_t inbox_id{0};        // inbound: the channel_inbox row it came from
};
// R-MSG-5: a message's delivery state after a provider's report.
struct MessageStatusChanged {
  InteractionId interaction{};
  MessageId message{};
  MessageState state{};
  std::string provider_message_id;
  std::string error_code;  // failed: the provider's code
  std::string error_text;  // failed: its title
};
// An inbound attachment became ready (fetched) or unavailable.
struct AttachmentUpdated {
  InteractionId interaction{};
  MessageId message{};
  std::uint32_t index{0};
  Attachment attachment;
};

// --- Provider accounts and templates ---

// Secrets: in memory and in provider_accounts.secrets only; the journal's
// payload and clients never get them (wire mapping omits them).
struct ProviderAccountSaved { ProviderAccount account; };
struct TemplateSaved {
  AccountId account{};
  Template definition;
};
struct TemplateDeleted {
  AccountId account{};
  std::string name;
  std::string language;
};
struct CustomerDeparted { InteractionId interaction{}; };
struct DraftSaved {
  UserId user{};
  Channel channel{};
  CampaignId campaign{0};
  std::map<std::string, std::string> fields;  // empty with campaign 0: deleted
};

// An agent stopped holding an interaction: their totals for the strategies.
struct AgentLoadChanged {
  UserId user{};
  std::int64_t talk_ms{0};
  TimePoint idle_since{};
};

struct StatusUpdated {
  StatusId status{};
  std::string name;
  bool removed{false};
};
// A user's record after a change (UpdateUser).
struct UserUpdated {
  UserId user{};
  std::string display_name;
  Profile profile{};
  std::string password_hash;  // journal only: never sent to clients
  bool active{true};
  std::array<std::uint16_t, kChannelCount> capacity{};
  std::string sip_secret;     // journal only: never sent to clients
};

// --- Outbound Hub, CRM and forms ---

struct ContactSaved {
  Contact contact;
  UserId by{kNoUser};
  InteractionId linked{0};  // the interaction linked to it by this save
};
// An uploaded list: the contacts it created and the attempts it scheduled.
struct ContactsUploaded {
  CampaignId campaign{};
  Channel channel{};
  std::string list;
  UserId by{kNoUser};
  std::vector<Contact> created;
  std::vector<Attempt> attempts;
};
// One attempt scheduled by a reschedule disposition (R-DISP-3).
struct AttemptScheduled {
  Attempt attempt;
  UserId by{kNoUser};
};
struct AttemptCancelled {
  AttemptId attempt{};
  CampaignId campaign{};
  AttemptCancelReason reason{};
  UserId by{kNoUser};
};
struct FormSaved {
  CampaignId campaign{};
  InteractionId interaction{0};  // 0: saved through manual access
  UserId by{kNoUser};
  std::map<std::string, std::string> fields;
};
struct FormDraftSaved {
  UserId user{};
  CampaignId campaign{};
  std::optional<FormDraft> draft;  // empty: deleted
};

// R-WRAP-1: the agent is in wrap-up after a call until `until`: connected,
// offered no calls.
struct WrapUpStarted {
  UserId user{};
  CampaignId campaign{};
  InteractionId interaction{};  // the call that ended
  TimePoint until{};
};
struct WrapUpEnded {
  UserId user{};
  bool early{false};  // ended by the agent before the deadline
};

// The user's phone registered, moved or refreshed its registration (a pure
// refresh is journal only).
struct PhoneRegistered {
  UserId user{};
  std::string contact;
  std::string source;
  TimePoint expires_at{};
};
enum class PhoneGone : std::uint8_t { unregistered, expired, revoked };  // revoked: credentials changed or user deactivated
std::string_view to_string(PhoneGone);
struct PhoneUnregistered {
  UserId user{};
  PhoneGone reason{};
};

// --- Calls (issue 5) ---

// The call rings on these agents' phones until `until` (ring-all: several).
struct CallOffered {
  InteractionId interaction{};
  std::vector<UserId> agents;
  TimePoint until{};
};
// These agents let the offer ring out, declined it, or could not be reached.
struct CallMissed {
  InteractionId interaction{};
  std::vector<UserId> agents;
};
// The caller hung up before an agent answered; the interaction is closed.
struct CallAbandoned {
  InteractionId interaction{};
  CampaignId campaign{};
};
// R-IN-6: the customer left a text conversation before an agent held it;
// the interaction is closed (it leaves the queue or the bot).
struct InteractionAbandoned {
  InteractionId interaction{};
  CampaignId campaign{};
};
// R-TR-2: the target of an attended transfer answered; the owner talks to
// them while the caller hears hold music. Every other transfer action waits
// for CompleteTransfer or CancelTransfer.
struct ConsultationStarted { InteractionId interaction{}; UserId agent{}; };
// The owner called the transfer off, or the target's phone refused it: the
// call is back with the owner.
struct TransferCancelled { InteractionId interaction{}; UserId by{kNoUser}; };
// No longer emitted (InteractionFinished carries the reason); kept so
// journals written before issue 12 still read.
struct CallFailed {
  InteractionId interaction{};
  CallEndReason reason{};
};
struct CallHeld { InteractionId interaction{}; bool held{}; UserId by{}; };
struct CallMuted { InteractionId interaction{}; bool muted{}; UserId by{}; };
struct DigitsSent { InteractionId interaction{}; std::uint32_t count{}; UserId by{}; };  // not the digits (PINs, card numbers)

using EventBody = std::variant<CampaignCreated, CampaignUpdated, CampaignArchived, UserCreated, MembershipChanged, StatusDefined,
                               SessionOpened, SessionEnded, PresenceChanged, AgentStatusChanged,
                               InteractionOpened, InteractionQueued, BotDeadlineSet, InteractionAssigned,
                               InteractionFinished, DispositionSaved, InteractionClosed, TransferRequested,
                               TransferTimedOut, MessagePosted, CustomerDeparted, AgentLoadChanged,
                               DraftSaved, StatusUpdated, UserUpdated, ContactSaved, ContactsUploaded,
                               AttemptScheduled, AttemptCancelled, FormSaved, FormDraftSaved,
                               WrapUpStarted, WrapUpEnded, PhoneRegistered, PhoneUnregistered,
                               CallOffered, CallMissed, CallAbandoned, CallHeld, CallMuted, DigitsSent, CallFailed,
                               ConsultationStarted, TransferCancelled, InteractionAbandoned,
                               MessageStatusChanged, AttachmentUpdated, ProviderAccountSaved, TemplateSaved,
                               TemplateDeleted>;

// The interaction an event is about, if any.
inline std::optional<InteractionId> interaction_of(const EventBody& body) {
  return std::visit(
      [](const auto& e) -> std::optional<InteractionId> {
        if constexpr (requires { e.interaction; }) return e.interaction;
        else return std::nullopt;
      },
      body);
}

struct Event {
  EventSeq seq{};
  TimePoint at{};
  Audience audience;  // who may see it; empty: internal (journal only)
  EventBody body;
};

}  // namespace contactd::core
