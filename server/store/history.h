#pragma once
// History of closed interactions, read straight from PostgreSQL (R-SUP-2):
// search with filters and keyset pagination, and one interaction's detail
// with its whole timeline (the journal's events, messages included).
// Blocking: call from worker threads. Thread-safe.
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <variant>
#include <vector>

#include "contactd/v1/envelope.pb.h"
#include "core/contact_scope.h"
#include "core/error.h"
#include "core/ids.h"
#include "core/interaction.h"

namespace contactd::store {

struct HistoryQuery {
  std::optional<std::vector<core::CampaignId>> visible_campaigns;  // empty optional: all (administrators)
  core::UserId only_owner{core::kNoUser};                           // agents see their own only
  core::CampaignId campaign{0};
  core::UserId agent{core::kNoUser};
  std::string channel;   // "" or a channel name
  std::string customer;  // substring, case-insensitive
  std::int64_t from_ms{0};
  std::int64_t to_ms{0};  // 0: now
  std::uint32_t disposition{0};  // a node id anywhere on the saved path
  std::uint32_t limit{50};
  std::string cursor;  // from the previous page
};

class HistoryReader {
 public:
  explicit HistoryReader(std::string database_url);

  // Throws on database errors (the caller answers "unavailable").
  contactd::v1::HistoryPage search(const HistoryQuery& query);
  // Empty when the interaction does not exist or is not visible under `scope`.
  std::optional<contactd::v1::InteractionDetail> detail(core::InteractionId id, const HistoryQuery& scope);
  // The journal's events about one interaction, open or closed, up to `up_to_seq`.
  void timeline(core::InteractionId id, std::uint64_t up_to_seq, contactd::v1::InteractionDetail* out);
  // The latest form data saved with an interaction (empty if none).
  std::map<std::string, std::string> saved_form(core::InteractionId id);
  // A contact's most recent interactions under `scope` (its visibility fields
  // only: R-SEC-4/CRM), open or closed, newest first.
  std::vector<contactd::v1::Interaction> contact_interactions(std::uint64_t contact, const HistoryQuery& scope,
                                                              std::uint32_t limit);
  // R-MSG-7 (store/message_page.h): one page of an interaction's messages
  // after message `after`. With `closed_scope` (the engine no longer holds
  // the interaction), first checks it exists and the scope covers it.
  std::variant<contactd::v1::MessagePage, core::Error> messages(
      core::InteractionId id, core::MessageId after, std::uint32_t limit,
      const std::optional<core::InteractionScope>& closed_scope);

 private:
  pqxx::connection& connection();

  const std::string url_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace contactd::store
