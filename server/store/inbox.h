#pragma once
// The provider channels' inbox (channel_inbox, migration 0014): webhook items
// are stored here before the webhook is answered, deduplicated by
// (account, dedupe key) in the transaction that stores them. Group commit
// (store/group_writer.h): every accept() queued while a transaction runs goes
// into the next one.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "core/message.h"
#include "core/interaction.h"
#include "store/group_writer.h"


namespace contactd::store {

using InboxId = std::uint64_t;

struct InboxItem {
  std::uint64_t account{};
  std::string dedupe_key;  // e.g. "msg:<provider message id>"; unique per account
  std::string kind;        // "message" or "status"
  std::string payload;     // the normalised item as JSON (an object)
};

struct StoredInboxItem {
  InboxId id{};
  InboxItem item;
};

// An inbound attachment whose download had not finished when the daemon
// stopped (messages.attachments[index].state = 'pending').
struct PendingMedia {
  std::uint64_t account{};
  core::InteractionId interaction{};
  core::MessageId message{};
  std::uint32_t index{0};
  core::Attachment attachment;
};
std::vector<PendingMedia> pending_media(pqxx::connection& conn);

class PgInbox {
 public:
  // One id per item, in order; 0 for an item already stored (a duplicate,
  // also within the same call). std::nullopt: nothing was stored (the
  // database stayed unreachable for `patience`, refused the items for their
  // content, or the inbox is stopping): the caller answers so that the
  // provider retries.
  using Done = std::function<void(std::optional<std::vector<InboxId>>)>;

  explicit PgInbox(std::string database_url, std::chrono::milliseconds patience = std::chrono::seconds(5));
  ~PgInbox();
  PgInbox(const PgInbox&) = delete;
  PgInbox& operator=(const PgInbox&) = delete;

  void start();
  // Writes what is queued while the database answers, then stops; accept()s
  // not written are answered std::nullopt.
  void stop();

  // Thread-safe. `done` runs on the inbox thread after the commit.
  void accept(std::vector<InboxItem> items, Done done);
  // Marks items settled (with why they changed nothing, if so). Batched into
  // the next transaction; lost on a crash, which only means the item is fed
  // again at start (statuses merge monotonically, refusals repeat).
  void mark_processed(InboxId id, std::string outcome);
  // Items not processed yet, oldest first. Blocking; for start-up.
  // REQUIRES: not started (or from another connection's point of view).
  std::vector<StoredInboxItem> unprocessed();

  struct Stats {
    std::uint64_t transactions{0};
    std::uint64_t items{0};
    std::uint64_t duplicates{0};
  };
  Stats stats() const;

 private:
  // An accept() (with its ids once written) or a mark_processed().
  struct Request {
    std::vector<InboxItem> items;
    Done done;
    std::chrono::steady_clock::time_point give_up;
    std::vector<InboxId> ids;
    std::optional<std::pair<InboxId, std::string>> mark;
  };
  using Writer = GroupWriter<Request>;
  class Target;

  const std::string url_;
  const std::chrono::milliseconds patience_;
  mutable std::mutex stats_mu_;
  Stats stats_;
  std::unique_ptr<Target> target_;
  Writer writer_;
};

}  // namespace contactd::store
