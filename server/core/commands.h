#pragma once
// Commands: requests to change state. Each is handled atomically by the engine.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/attempt.h"
#include "core/campaign_settings.h"
#include "core/contact.h"
#include "core/form.h"
#include "core/ids.h"
#include "core/interaction.h"
#include "core/message.h"
#include "core/model.h"
#include "core/profile.h"
#include "core/provider_account.h"
#include "core/time.h"

namespace contactd::core {

// Who issues a command. `system` is the daemon itself (seeding, the CLI, the
// transport after it has verified a password); it passes every permission check.
struct Actor {
  bool system{false};
  UserId user{kNoUser};
  static Actor System() { return Actor{true, kNoUser}; }
  static Actor User(UserId id) { return Actor{false, id}; }
};

struct CreateCampaign {
  std::string name;
  CampaignSettings settings;
};
struct UpdateCampaign {
  CampaignId campaign{};
  CampaignSettings settings;
  std::vector<SettingsField> only;  // partial update: these fields of `settings`; empty: all
};
struct CreateUser {
  std::string login;
  std::string display_name;
  Profile profile{Profile::agent};
  std::string password_hash;
};
// Archived campaigns take no new interactions and are no transfer target.
// Refused while the campaign has open interactions.
struct ArchiveCampaign {
  CampaignId campaign{};
  bool archived{true};  // false: restore
};
struct SetMembership {
  UserId user{};
  CampaignId campaign{};
  bool member{true};
  std::int32_t order{0};
  ChannelSet outbound;
};
struct DefineStatus { std::string name; };
// Rename a status, or remove it (agents who have it set are cleared).
struct UpdateStatus {
  StatusId status{};
  std::string name;     // ignored when removing
  bool removed{false};
};
// Change a user; unset fields stay as they are. Deactivating ends the user's
// sessions and returns their active interactions to the queue; a deactivated
// user cannot log in. Per-channel capacity 0 means the campaign's default.
struct UpdateUser {
  UserId user{};
  std::optional<std::string> display_name;
  std::optional<Profile> profile;
  std::optional<std::string> password_hash;
  std::optional<bool> active;
  std::optional<std::array<std::uint16_t, kChannelCount>> capacity;
  std::optional<std::string> sip_secret;  // the phone's digest secret; empty: no phone (unregisters it)
};

// Issued by the transport after the password was verified. Attaches `connection`.
struct OpenSession {
  UserId user{};
  std::string token_hash;
  TimePoint expires_at{};
  ConnectionId connection{};
};
// Resume: attach `connection` to the session holding `token_hash`. A connection
// already attached to that session is detached and told to close (superseded).
struct AttachSession {
  std::string token_hash;
  ConnectionId connection{};
};
// A transport connection went away (the session stays valid for resume).
struct DetachConnection { ConnectionId connection{}; };
// Logout: revoke the session attached to `connection`.
struct EndSession { ConnectionId connection{}; };

// Set or clear a user's status/break. `target` defaults to the actor.
struct SetStatus {
  UserId target{kNoUser};
  StatusId status{};
};
struct ClearStatus { UserId target{kNoUser}; };

// --- Inbox (R-IN, R-TR, R-FIN, R-DISP) ---

// A customer contact arrives (issued by a channel adapter). Goes to the bot
// when the campaign has one (text), else to the queue.
struct OpenInteraction {
  CampaignId campaign{};
  Channel channel{Channel::webchat};
  std::string customer;
  std::int32_t priority{0};
};
// The bot adapter forwarded a customer message: the bot must answer in time.
struct AwaitBot { InteractionId interaction{}; };
// The bot answered; with `handoff` it passes the customer to the queue.
struct BotAnswered {
  InteractionId interaction{};
  bool handoff{false};
};
struct Take { InteractionId interaction{}; };
struct Finish { InteractionId interaction{}; };
struct SaveDisposition {
  InteractionId interaction{};
  std::vector<std::uint32_t> path;
  std::string comment;
  std::optional<TimePoint> reschedule_at;
  bool close{false};  // save and close
};
struct CloseInteraction { InteractionId interaction{}; };
// Exactly one of `to_agent` / `to_campaign` / `to_number` (calls only) is
// set. Calls may be transferred `attended` to an agent: the owner talks to
// the target first, then completes or cancels (R-TR-2).
struct TransferInteraction {
  InteractionId interaction{};
  UserId to_agent{kNoUser};
  CampaignId to_campaign{0};
  std::string to_number;
  bool attended{false};
};
// R-TR-2: the owner of an attended transfer hands the caller to the agent
// they are consulting, or calls it off (then talks to the caller again).
struct CompleteTransfer { InteractionId interaction{}; };
struct CancelTransfer { InteractionId interaction{}; };
struct AcceptTransfer { InteractionId interaction{}; };

// --- Messages (R-MSG-1..4) ---

// From the channel: the customer wrote (bot, pending or active interactions).
struct CustomerMessage {
  InteractionId interaction{};
  std::string text;
  std::vector<Attachment> attachments;
};
// From the owner agent, to the customer. With `template_use` the message is
// that template (no text, no attachments; its text is the filled-in body).
// R-OUT-3: in WhatsApp, free-form messages only within 24 h of the
// customer's last message. R-MSG-6: `reply_to` quotes a message of the same
// interaction (a customer's, or an agent's or the bot's once delivered or read).
struct SendMessage {
  InteractionId interaction{};
  std::string text;
  std::vector<Attachment> attachments;
  MessageId reply_to{0};
  std::optional<TemplateUse> template_use;
};
// From the bot adapter while the interaction is with the bot.
struct BotMessage {
  InteractionId interaction{};
  std::string text;
};
// R-OUT-6: keep the caller's new-interaction form for `channel`; an empty
// draft (no campaign, no fields) deletes it.
struct SaveDraft {
  Channel channel{};
  Draft draft;
};

// From the channel: the customer closed the conversation on their side.
// R-IN-6: one no agent holds closes as abandoned.
struct CustomerLeft { InteractionId interaction{}; };
// From the channel: the customer's connection is gone but they may come back.
// R-IN-6: if no agent holds the interaction `abandon_after` from now and the
// customer has not returned, it closes as abandoned.
struct CustomerAway {
  InteractionId interaction{};
  Millis abandon_after{};
};
// From the channel: the customer who was away is back (R-IN-6).
struct CustomerReturned { InteractionId interaction{}; };
// --- Calls (issue 5). The phone module reports what happened on SIP; the
// engine decides who rings and what the interaction becomes. ---

// The call is over (a side hung up). Active: the interaction finishes
// (R-FIN-1) and its owner enters the campaign's wrap-up (R-WRAP-1). Pending
// (queued or ringing): the caller gave up; it closes as abandoned.
enum class CallEndReason : std::uint8_t {
  completed,        // talked, then a side hung up
  busy,             // outbound: the customer's side was busy
  no_answer,        // outbound: nobody answered in time
  rejected,         // outbound: refused or unreachable (the trunk's final answer)
  agent_no_answer,  // outbound: the agent's own phone did not answer
  media_timeout,    // any call: the caller sent no RTP for the inactivity timeout
};
std::string_view to_string(CallEndReason r);
struct CallEnded {
  InteractionId interaction{};
  UserId by{kNoUser};  // the agent who ended it with HangUp; kNoUser: a phone hung up
  CallEndReason reason{CallEndReason::completed};
};
// An agent's phone answered the call offered to it: the agent owns it now.
struct CallAnswered {
  InteractionId interaction{};
  UserId agent{};
};
// An agent's phone declined the offer or could not be reached: a miss.
struct CallNotAnswered {
  InteractionId interaction{};
  UserId agent{};
};
// The phone module (re)started: no call of before survives. Every call still
// queued, ringing or connected ends as CallEnded would end it.
struct ResetCalls {};
// Agent actions on their active call.
struct HoldCall {  // R-PH-2
  InteractionId interaction{};
  bool held{true};
};
struct MuteCall {  // R-PH-1
  InteractionId interaction{};
  bool muted{true};
};
struct SendDigits {  // R-PH-3: 1 to 32 of 0-9 * # A-D
  InteractionId interaction{};
  std::string digits;
};
struct HangUp { InteractionId interaction{}; };  // R-PH-6
// R-WRAP-1: the caller ends their wrap-up before its deadline.
struct EndWrapUp {};
// From the SIP module once a REGISTER's credentials checked out: binds (or
// refreshes) the user's phone until `expires_at`.
struct RegisterPhone {
  UserId user{};
  std::string contact;
  std::string source;
  TimePoint expires_at{};
};
// From the SIP module: the phone unregistered (Expires: 0).
struct UnregisterPhone { UserId user{}; };

// R-OUT-1/7: the caller starts a conversation from the new-interaction form:
// it goes straight to their Active tab and, in text channels, the first
// message is sent at once. The caller's draft for the channel is cleared.
// R-OUT-3: in WhatsApp the first message must be `template_use` (an approved
// template of the channel's account); text and attachments stay empty then.
struct StartInteraction {
  CampaignId campaign{};
  Channel channel{};
  std::string address;
  std::string text;
  std::vector<Attachment> attachments;
  std::optional<TemplateUse> template_use;
};

// --- Provider accounts and templates (administrators; provider_account.h) ---

// Create (account.id 0) or replace an account. Secrets not given are kept
// from the saved account; its provider cannot change. Answered with Created{id}.
struct SaveProviderAccount { ProviderAccount account; };
// Create or replace the template (name, language) of an account.
struct SaveTemplate {
  AccountId account{};
  Template definition;
};
struct DeleteTemplate {
  AccountId account{};
  std::string name;
  std::string language;
};
// Administrators: fetch the account's approved templates from the provider's
// listing (Meta and Cloud-API-compatible BSPs); each comes back as a
// system SaveTemplate. Gupshup accounts register theirs with SaveTemplate.
struct RefreshTemplates { AccountId account{}; };

// --- From provider adapters (system) ---

// R-IN-1: a customer's message arrived through `account`. It joins the open
// interaction of (account, customer) or opens one in the campaign whose
// channel the account serves (through the bot if the campaign has one).
// `customer` is the customer's number (WhatsApp: wa_id); empty when the
// provider withheld it, then `customer_alt_id` (BSUID) addresses them.
// Answered with Created{message id}.
struct ReceiveProviderMessage {
  AccountId account{};
  std::string customer;
  std::string customer_alt_id;
  std::string display_name;         // the customer's profile name
  std::string provider_message_id;
  std::uint64_t inbox_id{0};        // the channel_inbox row it came from (0: none)
  std::string text;
  std::vector<Attachment> attachments;  // pending until fetched (ReportAttachment)
  std::string reply_to_provider_id;     // the message the customer quoted, if any
};
// R-MSG-5: the provider reported on an agent's or bot's message (the outbox
// sender after a send, or a status callback). Merged monotonically
// (merge_state); MessageStatusChanged only when something changes.
struct ReportMessageStatus {
  InteractionId interaction{};
  MessageId message{};
  MessageState state{MessageState::sent};
  std::string provider_message_id;  // binds the provider's id to the message
  std::string error_code;           // failed: the provider's code (e.g. 131047)
  std::string error_text;           // failed: its title
};
// An inbound attachment was fetched into the media store (ready, with its
// store id as reference) or finally could not be (unavailable, with a reason).
struct ReportAttachment {
  InteractionId interaction{};
  MessageId message{};
  std::uint32_t index{0};
  Attachment attachment;
};

// --- Outbound Hub (R-DISP-3) ---

struct ContactRow {
  std::string name;
  std::string address;  // cleaned per channel (address.h)
  FormFields fields;
};
// A contact list for a campaign's channel: each row links to (or creates) a
// CRM contact by its address and becomes an attempt due at `due_at` (now if
// unset). Administrators and the campaign's supervisors. All rows or none.
struct UploadContacts {
  CampaignId campaign{};
  Channel channel{};
  std::string list;
  std::vector<ContactRow> rows;
  std::optional<TimePoint> due_at;
};
struct CancelAttempt { AttemptId attempt{}; };

// --- CRM and forms (R-FORM-1/2) ---

// Create (contact 0) or replace a contact record. With `link`, the caller's
// interaction is linked to the contact.
struct SaveContact {
  ContactId contact{0};
  std::string name;
  std::vector<ContactAddress> addresses;
  FormFields fields;
  InteractionId link{0};
};
// Save the campaign form's data: with an interaction the caller owns, or
// (interaction 0) through manual access. Clears the matching form draft.
struct SaveForm {
  CampaignId campaign{0};  // ignored with an interaction (its campaign is used)
  InteractionId interaction{0};
  FormFields fields;
};
// Keep the caller's unsaved form for a campaign; an empty draft deletes it.
struct SaveFormDraft {
  CampaignId campaign{};
  FormDraft draft;
};

using CommandBody = std::variant<CreateCampaign, UpdateCampaign, ArchiveCampaign, CreateUser, SetMembership, DefineStatus,
                                 OpenSession, AttachSession, DetachConnection, EndSession,
                                 SetStatus, ClearStatus,
                                 OpenInteraction, AwaitBot, BotAnswered, Take, Finish, SaveDisposition,
                                 CloseInteraction, TransferInteraction, AcceptTransfer, CustomerMessage,
                                 SendMessage, BotMessage, CustomerLeft, CustomerAway, CustomerReturned, SaveDraft, UpdateStatus, UpdateUser,
                                 UploadContacts, CancelAttempt, SaveContact, SaveForm, SaveFormDraft,
                                 StartInteraction, CallEnded, EndWrapUp, RegisterPhone, UnregisterPhone,
                                 CallAnswered, CallNotAnswered, ResetCalls, HoldCall, MuteCall, SendDigits, HangUp,
                                 CompleteTransfer, CancelTransfer, SaveProviderAccount, SaveTemplate, DeleteTemplate, RefreshTemplates,
                                 ReceiveProviderMessage, ReportMessageStatus, ReportAttachment>;

struct Command {
  Actor actor;
  CommandBody body;
};

}  // namespace contactd::core
