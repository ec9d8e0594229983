#pragma once
// The routing engine: a deterministic state machine. The same commands at the
// same times produce the same events. No I/O, no clocks, no threads: the host
// serialises calls (one strand) and supplies `now`.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/commands.h"
#include "core/effects.h"
#include "core/error.h"
#include "core/events.h"
#include "core/model.h"
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
};

// What a login needs to verify a password, looked up by login name.
struct Credential { UserId user{}; std::string password_hash; };

class Engine {
 public:
  Engine() = default;
  explicit Engine(EngineState state);

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
  const Status* find_status_by_name(std::string_view name) const;
  // The session a live connection is attached to.
  const Session* session_of(ConnectionId connection) const;
  EventSeq last_seq() const { return last_seq_; }
  std::size_t user_count() const { return users_.size(); }

 private:
  struct Pending;  // events and effects being built by one command

  MaybeError on(const Actor&, const CreateCampaign&, Pending&);
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

  std::map<UserId, User> users_;
  std::unordered_map<std::string, UserId> user_by_login_;
  std::map<CampaignId, Campaign> campaigns_;
  std::map<StatusId, Status> statuses_;
  std::map<SessionId, Session> sessions_;
  std::unordered_map<std::string, SessionId> session_by_token_;
  std::unordered_map<ConnectionId, SessionId> session_by_connection_;
  std::set<std::pair<TimePoint, SessionId>> session_expiries_;

  EventSeq last_seq_{0};
  UserId last_user_id_{0};
  CampaignId last_campaign_id_{0};
  StatusId last_status_id_{0};
  SessionId last_session_id_{0};
};

}  // namespace contactd::core
