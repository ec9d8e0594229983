#pragma once
// The routing engine: a deterministic state machine. The same commands at the
// same times produce the same events. No I/O, no clocks, no threads: the host
// serialises calls (one strand) and supplies `now`.
#include <array>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/agent_pool.h"
#include "core/commands.h"
#include "core/contact_scope.h"
#include "core/deadlines.h"
#include "core/effects.h"
#include "core/error.h"
#include "core/events.h"
#include "core/form.h"
#include "core/id_map.h"
#include "core/model.h"
#include "core/operating_hours.h"
#include "core/snapshot.h"

namespace contactd::core {

// What a command returned to its caller, besides events.
struct SessionReply { SessionId session{}; UserId user{}; };
struct CreatedReply { std::uint64_t id{}; };
using Reply = std::variant<std::monostate, SessionReply, CreatedReply>;

// The result of handle() or tick(). If `error` is set, nothing else is: state
// is unchanged.
struct Outcome {
  std::optional<Error> error;
  std::vector<Event> events;
  std::vector<Effect> effects;
  Reply reply;

  bool ok() const { return !error.has_value(); }
  static Outcome failure(ErrorCode code, std::string message) {
    Outcome o;
    o.error = Error{code, std::move(message)};
    return o;
  }
};

struct EngineOptions {
  // Agents who disconnect keep their active interactions this long; then
  // those return to the queue.
  Millis disconnect_grace{Millis{120'000}};
  // Time-zone rules for operating hours (the host supplies the tz database;
  // null: UTC only). Must outlive the engine.
  const ZoneRules* zones{nullptr};
  std::uint64_t random_seed{0x9e3779b97f4a7c15ULL};
};

// R-TR-1, R-TR-3: where an interaction can be transferred, campaign then
// agent (the guide's flow), with availability.
struct TransferTargets {
  struct Agent {
    UserId id{};
    std::string name;
    bool available{false};  // connected, no status or break
  };
  struct Campaign {
    CampaignId id{};
    std::string name;
    bool inside_hours{false};
    // The campaign's agents (profile agent, active) but the caller, by id.
    // Supervisors and administrators are not transfer targets.
    std::vector<Agent> agents;
  };
  std::vector<Campaign> campaigns;  // not archived, with the channel enabled, by id
};

// R-MSG-7: the answer of Engine::message_access when the caller may read.
struct MessageAccess {
  // Set when the interaction is not open (closed or abandoned): the engine no
  // longer holds it, so the store decides with the rule of history detail —
  // allowed when this scope covers the closed interaction's campaign and
  // owner (InteractionScope::covers). Unset: allowed.
  std::optional<InteractionScope> closed_scope;
};

// What a login needs to verify a password, looked up by login name.
struct Credential { UserId user{}; std::string password_hash; };

class Engine {
 public:
  Engine() = default;
  explicit Engine(EngineState state, EngineOptions options = {});
  explicit Engine(EngineOptions options) : options_(options), rng_(options.random_seed) {}

  Outcome handle(const Command& command, TimePoint now);

  // The earliest time at which tick() has work, if any.
  std::optional<TimePoint> next_deadline() const;
  // Carries out everything due at or before `now`.
  Outcome tick(TimePoint now);

  // Queries. They never change state.
  std::optional<Credential> credential(std::string_view login) const;
  // REQUIRES: `viewer` exists.
  Snapshot snapshot(UserId viewer) const;
  const User* find_user(UserId id) const;
  const User* find_user_by_login(std::string_view login) const;
  const Campaign* find_campaign(CampaignId id) const;
  const Campaign* find_campaign_by_name(std::string_view name) const;
  // The campaign callers reach by dialling `number` (not archived).
  const Campaign* find_campaign_by_number(std::string_view number) const;
  const Status* find_status_by_name(std::string_view name) const;
  // The session a live connection is attached to.
  const Session* session_of(ConnectionId connection) const;
  // The session a bearer token (its hash) opens, if it is valid at `now`
  // (HTTP routes authenticated like a Resume, without a connection).
  const Session* session_of_token(std::string_view token_hash, TimePoint now) const;
  const Interaction* find_interaction(InteractionId id) const;
  // For the owner of `interaction` (or an administrator).
  std::variant<TransferTargets, Error> transfer_targets(UserId viewer, InteractionId interaction, TimePoint now) const;
  // R-MSG-7: whether `viewer` may read `interaction`'s messages. An open one:
  // its owner, the agent a pending transfer is addressed to, the supervisors
  // of its campaign, administrators, and, while it is with the bot or
  // pending, the members of its campaign (and of the campaign a transfer
  // came from) — who see its messages live (message_audience). Otherwise
  // permission_denied; an id never issued: not_found. A closed one: see
  // MessageAccess::closed_scope.
  std::variant<MessageAccess, Error> message_access(UserId viewer, InteractionId interaction) const;
  const ZoneRules& zones() const { return options_.zones ? *options_.zones : utc_only_; }
  std::size_t pending_count(CampaignId campaign, Channel channel) const;
  std::size_t interaction_count() const { return interactions_.size(); }
  EventSeq last_seq() const { return last_seq_; }
  // R-FORM-2: the forms `viewer` may open without an interaction, by campaign id.
  std::vector<ManualForm> manual_forms(UserId viewer) const;
  // Whether `viewer` may open `campaign`'s form: with an interaction they own
  // (interaction != 0), or through manual access.
  MaybeError may_open_form(UserId viewer, CampaignId campaign, InteractionId interaction) const;
  const Contact* find_contact(ContactId id) const;
  const Contact* find_contact_by_address(Channel channel, std::string_view address) const;
  // Contacts whose name contains `text` (case-insensitive ASCII) or whose
  // address starts with it; at most `limit`, by id.
  std::vector<const Contact*> search_contacts(std::string_view text, std::size_t limit) const;
  // R-SEC-4/CRM (contact_scope.h): the contact's interactions, open and
  // closed, and its creator when known. REQUIRES: the contact exists.
  ContactReach contact_reach(ContactId id) const;
  const Attempt* find_attempt(AttemptId id) const;
  // Scheduled attempts of a campaign in due order, at most `limit`.
  std::vector<Attempt> scheduled_attempts(CampaignId campaign, std::size_t limit) const;
  std::size_t attempt_count() const { return attempts_.size(); }
  // Administrators, and supervisors who are members of the campaign.
  bool supervises(UserId viewer, CampaignId campaign) const;
  // Provider accounts (with their secrets: for adapters, never for clients)
  // and their templates (engine_provider.cpp).
  const ProviderAccount* find_provider_account(AccountId id) const;
  std::vector<const ProviderAccount*> provider_accounts() const;  // by id
  std::vector<Template> templates(AccountId account) const;       // by name, then language
  const Template* find_template(AccountId account, std::string_view name, std::string_view language) const;
  // The campaign and channel an account's inbound traffic goes to: the one
  // whose enabled channel has the account (not archived).
  std::optional<std::pair<CampaignId, Channel>> served_by(AccountId account) const;
  // The open (not finished) interaction with `customer` through `account`.
  const Interaction* find_conversation(AccountId account, std::string_view customer) const;
  // The records of an open interaction's messages, in order (R-MSG-5/6);
  // null once it finished.
  const std::vector<MessageRecord>* message_records(InteractionId id) const;
  std::size_t user_count() const { return users_.size(); }

 private:
  struct Pending;  // events and effects being built by one command

  MaybeError on(const Actor&, const CreateCampaign&, Pending&);
  MaybeError on(const Actor&, const UpdateCampaign&, Pending&);
  MaybeError on(const Actor&, const ArchiveCampaign&, Pending&);
  MaybeError on(const Actor&, const OpenInteraction&, Pending&);
  MaybeError on(const Actor&, const AwaitBot&, Pending&);
  MaybeError on(const Actor&, const BotAnswered&, Pending&);
  MaybeError on(const Actor&, const Take&, Pending&);
  MaybeError on(const Actor&, const Finish&, Pending&);
  MaybeError on(const Actor&, const SaveDisposition&, Pending&);
  MaybeError on(const Actor&, const CloseInteraction&, Pending&);
  MaybeError on(const Actor&, const TransferInteraction&, Pending&);
  MaybeError on(const Actor&, const AcceptTransfer&, Pending&);
  MaybeError on(const Actor&, const CustomerMessage&, Pending&);
  MaybeError on(const Actor&, const SendMessage&, Pending&);
  MaybeError on(const Actor&, const BotMessage&, Pending&);
  MaybeError on(const Actor&, const CustomerLeft&, Pending&);
  // Customers who leave work nobody took (engine_abandonment.cpp, R-IN-6).
  MaybeError on(const Actor&, const CustomerAway&, Pending&);
  MaybeError on(const Actor&, const CustomerReturned&, Pending&);
  // Whether no agent holds `i` yet (with the bot, or queued).
  static bool unheld(const Interaction& i);
  void abandon(Interaction&, Pending&);  // closes it; REQUIRES: unheld(i)
  MaybeError on(const Actor&, const SaveDraft&, Pending&);
  MaybeError on(const Actor&, const UpdateStatus&, Pending&);
  MaybeError on(const Actor&, const UpdateUser&, Pending&);
  MaybeError on(const Actor&, const UploadContacts&, Pending&);
  MaybeError on(const Actor&, const StartInteraction&, Pending&);
  MaybeError on(const Actor&, const CancelAttempt&, Pending&);
  MaybeError on(const Actor&, const SaveContact&, Pending&);
  MaybeError on(const Actor&, const SaveForm&, Pending&);
  MaybeError on(const Actor&, const SaveFormDraft&, Pending&);
  // Provider accounts, templates, inbound provider traffic and delivery
  // reports (engine_provider.cpp).
  MaybeError on(const Actor&, const SaveProviderAccount&, Pending&);
  MaybeError on(const Actor&, const SaveTemplate&, Pending&);
  MaybeError on(const Actor&, const DeleteTemplate&, Pending&);
  MaybeError on(const Actor&, const RefreshTemplates&, Pending&);
  MaybeError on(const Actor&, const ReceiveProviderMessage&, Pending&);
  MaybeError on(const Actor&, const ReportMessageStatus&, Pending&);
  MaybeError on(const Actor&, const ReportAttachment&, Pending&);
  // Channels whose provider has accounts: each enabled one names an
  // existing account of that provider that serves no other channel. With
  // `before` (an update), only channels that changed are checked.
  MaybeError check_accounts(const CampaignSettings& s, CampaignId self, const CampaignSettings* before) const;
  // The account a new interaction of campaign `c` in `channel` goes through (0: none).
  AccountId account_for(const Campaign& c, Channel channel) const;
  Provider provider_of(const Interaction& i) const;
  // A template message through `account` on `channel`/`provider`: its text,
  // or why not. A template with header media carries exactly that file as
  // its one attachment (use.header_attachment names it), of the header's
  // kind and within the provider's limits (R-MSG-3); others carry none.
  std::variant<std::string, Error> use_template(AccountId account, const TemplateUse& use, const std::string& text,
                                                const std::vector<Attachment>& attachments, Channel channel,
                                                Provider provider) const;
  // Emits `m` to the interaction's message audience and keeps its record
  // while the interaction is open; agent and bot messages are delivered.
  void post(Interaction& i, MessagePosted m, Pending& p, std::string reply_to_provider_id = {});
  MessageRecord* find_record(InteractionId interaction, MessageId message);
  // `i` is open with its account's customer: later customer messages join it.
  void index_conversation(const Interaction& i);
  // `i` finished or closed: its message records and conversation go.
  void forget_messages(const Interaction& i);  // Calls (engine_calls.cpp).
  MaybeError on(const Actor&, const CallEnded&, Pending&);
  MaybeError on(const Actor&, const CallAnswered&, Pending&);
  MaybeError on(const Actor&, const CallNotAnswered&, Pending&);
  MaybeError on(const Actor&, const ResetCalls&, Pending&);
  MaybeError on(const Actor&, const HoldCall&, Pending&);
  MaybeError on(const Actor&, const MuteCall&, Pending&);
  MaybeError on(const Actor&, const SendDigits&, Pending&);
  MaybeError on(const Actor&, const HangUp&, Pending&);
  // The active call `actor` owns, or why not.
  Interaction* owned_call(const Actor&, InteractionId, MaybeError&);
  // Rings `agents` for pending call `i` (it leaves the queue while ringing).
  void offer_call(Interaction& i, std::vector<UserId> agents, AssignHow how, Pending&);
  // Ends the offer: no phone rings for `i` any more; the phones of all but
  // `keep` are told to stop. Returns those agents.
  std::vector<UserId> end_offer(Interaction& i, UserId keep, Pending&);
  // `agents` missed the offer: counted, maybe "No answer", the call rings on.
  void missed(Interaction& i, std::vector<UserId> agents, Pending&);
  void expire_ring(Interaction&, Pending&);
  void end_call(Interaction&, UserId by, Pending&, CallEndReason reason = CallEndReason::completed);
  // Which pool agents to ring for `i` (ring-all: every one), skipping who missed it this round.
  std::vector<UserId> ring_choice(Interaction& i, const AgentPool& pool, bool ring_all);
  // Call transfers (engine_call_transfers.cpp).
  MaybeError transfer_call(Interaction&, const TransferInteraction&, Pending&);
  MaybeError on(const Actor&, const CompleteTransfer&, Pending&);
  MaybeError on(const Actor&, const CancelTransfer&, Pending&);
  void complete_transfer(Interaction&, Pending&);  // the target owns the call now
  // The agent transfer is off: TransferCancelled, or, when `timed_out`,
  // TransferTimedOut alone (one event per outcome).
  void call_back(Interaction&, UserId by, Pending&, bool timed_out = false);
  void expire_call_transfer(Interaction&, Pending&);
  // Wrap-up (engine_wrap_up.cpp).
  MaybeError on(const Actor&, const EndWrapUp&, Pending&);
  void start_wrap_up(User&, const Campaign&, InteractionId call, Pending&);
  void end_wrap_up(User&, bool early, Pending&);
  // Phones (engine_phones.cpp).
  MaybeError on(const Actor&, const RegisterPhone&, Pending&);
  MaybeError on(const Actor&, const UnregisterPhone&, Pending&);
  void drop_phone(User&, PhoneGone, Pending&);
  // Outbound Hub internals (engine_outbound.cpp).
  void schedule(Attempt, UserId by, Pending&);
  void cancel_attempt(AttemptId, AttemptCancelReason, UserId by, Pending&);
  void carry_out(AttemptId, Pending&);
  MaybeError check_reschedule(const Interaction&, const std::optional<TimePoint>& at, TimePoint now) const;
  // Cancels the interaction's earlier reschedule, then schedules one at `at`.
  void replan(Interaction&, std::optional<TimePoint> at, UserId by, Pending&);
  Audience hub_audience(CampaignId) const;
  void index_contact(const Contact&);
  void unindex_contact(const Contact&);
  // Keeps a closing interaction's campaign and owner with its contact.
  // REQUIRES: called before the interaction loses its owner and is erased.
  void remember_closed_work(const Interaction&);
  Audience message_audience(const Interaction& i) const;
  bool reads_live(const User& viewer, const Interaction& i) const;  // message_access, open interactions
  // R-MSG-7: keeps Interaction::last_message in step with the MessagePosted
  // events of `out` (every handler's messages, whoever posted them).
  void remember_last_messages(const Outcome& out);
  MaybeError check_text(const std::string& text, bool has_attachments) const;
  MaybeError on(const Actor&, const CreateUser&, Pending&);
  MaybeError on(const Actor&, const SetMembership&, Pending&);
  MaybeError on(const Actor&, const DefineStatus&, Pending&);
  MaybeError on(const Actor&, const OpenSession&, Pending&);
  MaybeError on(const Actor&, const AttachSession&, Pending&);
  MaybeError on(const Actor&, const DetachConnection&, Pending&);
  MaybeError on(const Actor&, const EndSession&, Pending&);
  MaybeError on(const Actor&, const SetStatus&, Pending&);
  MaybeError on(const Actor&, const ClearStatus&, Pending&);

  MaybeError change_status(const Actor&, UserId target, std::optional<StatusId>, Pending&);

  // Inbox internals (engine_inbox.cpp, engine_assignment.cpp, engine_transfers.cpp).
  using PoolKey = std::uint64_t;
  // One pool and queue per (campaign, channel, lane): Outbound Hub work has
  // its own lane, served by members with outbound permission in the channel.
  static PoolKey pool_key(CampaignId c, Channel ch, bool hub = false) {
    return (c << 4) | (static_cast<PoolKey>(hub) << 3) | index(ch);
  }
  static PoolKey queue_key(const Interaction& i) { return pool_key(i.campaign, i.channel, i.hub()); }
  Audience inbox_audience(const Interaction& i) const;
  // The interaction, if the actor may act on it as its owner.
  Interaction* owned_by(const Actor&, InteractionId, MaybeError& error);
  void enqueue(Interaction&, Pending&);
  // Recomputes whether `user` is eligible in each of their pools (R-IN-4) and
  // with what score; when `assign`, serves pools that can now assign.
  void refresh_agent(User&, Pending&, bool assign = true);
  void refresh_campaign(Campaign&, Pending&);
  void drain(CampaignId, Channel, bool hub, Pending&);
  void assign(Interaction&, User& agent, AssignHow, std::uint32_t candidates, std::vector<Candidate>, Pending&);
  void release(Interaction&, Pending&);  // the owner no longer holds it
  void set_owner(Interaction&, UserId owner);  // keeps owned_ in step
  std::int64_t score(const User&, const Campaign&) const;
  std::uint16_t capacity(const User&, const Campaign&, Channel) const;
  bool eligible(const User&, const Campaign&, Channel, bool hub = false) const;
  void return_to_queue(User&, Pending&);  // disconnect grace expired
  void expire_transfer(Interaction&, Pending&);
  void expire_bot(Interaction&, Pending&);
  void await_bot(Interaction&, Pending&);  // arms the bot deadline
  void attach(Session&, ConnectionId, Pending&);
  void detach(Session&, Pending&);
  void end_session(Session&, SessionEndReason, Pending&);

  // Users who may see `user`'s live state: the user, the supervisors of an
  // agent's campaigns, and every administrator.
  Audience observers_of(const User& user) const;
  Audience presence_audience(const User& user) const;
  bool oversees(const User& viewer, const User& subject) const;
  UserView view_of(const User& user) const;
  bool may_manage(const Actor&, const User& target) const;
  User* user(UserId id);

  IdMap<UserId, User> users_;
  std::unordered_map<std::string, UserId> user_by_login_;
  std::map<CampaignId, Campaign> campaigns_;
  std::map<StatusId, Status> statuses_;
  std::map<SessionId, Session> sessions_;
  std::unordered_map<std::string, SessionId> session_by_token_;
  std::unordered_map<ConnectionId, SessionId> session_by_connection_;
  // Every timed rule's deadlines; Engine::tick fires them.
  DeadlineQueue deadlines_;

  std::unordered_map<InteractionId, Interaction> interactions_;  // not yet closed
  std::unordered_map<PoolKey, AgentPool> pools_;       // auto-assigning campaigns only
  std::unordered_map<PoolKey, PendingQueue> queues_;
  // Interactions each user owns (active or finished, not closed).
  std::unordered_map<UserId, FlatSet<InteractionId>> owned_;
  std::map<ContactId, Contact> contacts_;
  std::map<ContactId, ContactWork> closed_work_;            // per contact: its closed interactions
  std::unordered_map<ContactId, UserId> contact_creators_;  // contacts created since start
  // Per channel: address -> contact (heterogeneous lookup: no key copies).
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::array<std::unordered_map<std::string, ContactId, StringHash, std::equal_to<>>, kChannelCount> contact_by_address_;
  std::map<AttemptId, Attempt> attempts_;                           // scheduled
  ContactId last_contact_id_{0};
  AttemptId last_attempt_id_{0};
  // Provider accounts and templates; open text interactions' message records
  // and the open conversation per (account, customer).
  std::map<AccountId, ProviderAccount> accounts_;
  std::map<AccountId, std::map<std::pair<std::string, std::string>, Template>> templates_;
  std::unordered_map<InteractionId, std::vector<MessageRecord>> records_;
  std::map<std::pair<AccountId, std::string>, InteractionId> conversations_;
  AccountId last_account_id_{0};
  std::uint64_t last_interaction_id_{0};
  std::uint64_t last_message_id_{0};
  std::uint64_t queue_seq_{0};
  std::uint64_t assign_tick_{0};

  EventSeq last_seq_{0};
  UserId last_user_id_{0};
  CampaignId last_campaign_id_{0};
  StatusId last_status_id_{0};
  SessionId last_session_id_{0};
  EngineOptions options_;
  UtcOnly utc_only_;
  std::uint64_t rng_{0x9e3779b97f4a7c15ULL};
  std::uint64_t next_random();
};

}  // namespace contactd::core
