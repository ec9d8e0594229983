#include "store/inbox.h"

#include <spdlog/spdlog.h>

#include <map>
#include <pqxx/pqxx>

#include "store/database.h"
#include "store/json_text.h"

namespace contactd::store {

std::vector<PendingMedia> pending_media(pqxx::connection& conn) {
  pqxx::read_transaction t(conn);
  std::vector<PendingMedia> out;
  for (const auto& r : t.exec(
           "SELECT i.account_id, m.interaction_id, m.id, (a.n - 1)::int, COALESCE(a.x->>'filename', ''),"
           " COALESCE(a.x->>'content_type', ''), COALESCE(a.x->>'provider_media_id', ''),"
           " COALESCE((a.x->>'voice')::boolean, false)"
           " FROM messages m JOIN interactions i ON i.id = m.interaction_id,"
           " jsonb_array_elements(m.attachments) WITH ORDINALITY AS a(x, n)"
           " WHERE m.sender = 'customer' AND i.account_id IS NOT NULL AND a.x->>'state' = 'pending'"
           " ORDER BY m.id, a.n")) {
    PendingMedia p;
    p.account = r[0].as<std::uint64_t>();
    p.interaction = r[1].as<core::InteractionId>();
    p.message = r[2].as<core::MessageId>();
    p.index = r[3].as<std::uint32_t>();
    p.attachment.filename = r[4].as<std::string>();
    p.attachment.content_type = r[5].as<std::string>();
    p.attachment.provider_media_id = r[6].as<std::string>();
    p.attachment.voice = r[7].as<bool>();
    p.attachment.state = core::AttachmentState::pending;
    out.push_back(std::move(p));
  }
  return out;
}

// The inbox's part of group commit: new items (deduplicated) and marks.
class PgInbox::Target final : public Writer::Target {
 public:
  explicit Target(PgInbox& inbox) : inbox_(inbox) {}

  void write(WriterConnection& conn, Writer::Iterator first, Writer::Iterator last, bool) override {
    std::string rows = "[", settled = "[";
    std::size_t count = 0, marks = 0;
    for (auto r = first; r != last; ++r) {
      for (const auto& item : r->items) {
        if (count++) rows += ',';
        rows += "{\"account_id\":" + std::to_string(item.account) + ",\"dedupe_key\":";
        append_json_string(rows, item.dedupe_key);
        rows += ",\"kind\":";
        append_json_string(rows, item.kind);
        rows += ",\"payload\":" + item.payload + "}";
      }
      if (r->mark) {
        if (marks++) settled += ',';
        settled += "{\"id\":" + std::to_string(r->mark->first) + ",\"outcome\":";
        append_json_string(settled, r->mark->second);
        settled += '}';
      }
    }
    rows += "]";
    settled += "]";

    pqxx::work t(conn.get());
    std::map<std::pair<std::uint64_t, std::string>, InboxId> inserted;
    if (count) {
      for (const auto& row : t.exec_params(
               "INSERT INTO channel_inbox (account_id, dedupe_key, kind, payload)"
               " SELECT account_id, dedupe_key, kind, payload FROM jsonb_to_recordset($1::jsonb)"
               " AS x(account_id bigint, dedupe_key text, kind text, payload jsonb)"
               " ON CONFLICT (account_id, dedupe_key) DO NOTHING RETURNING id, account_id, dedupe_key",
               rows))
        inserted.emplace(std::make_pair(row[1].as<std::uint64_t>(), row[2].as<std::string>()), row[0].as<InboxId>());
    }
    if (marks)
      t.exec_params("UPDATE channel_inbox SET processed_at = now(), outcome = NULLIF(x.outcome, '')"
                    " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, outcome text)"
                    " WHERE channel_inbox.id = x.id AND processed_at IS NULL",
                    settled);
    t.commit();

    std::uint64_t duplicates = 0;
    for (auto r = first; r != last; ++r) {
      r->ids.clear();
      r->ids.reserve(r->items.size());
      for (const auto& item : r->items) {
        auto it = inserted.find({item.account, item.dedupe_key});
        if (it == inserted.end()) {
          r->ids.push_back(0);
          ++duplicates;
        } else {
          r->ids.push_back(it->second);
          inserted.erase(it);  // a second copy in the same group is a duplicate
        }
      }
    }
    std::lock_guard lock(inbox_.stats_mu_);
    ++inbox_.stats_.transactions;
    inbox_.stats_.items += count;
    inbox_.stats_.duplicates += duplicates;
  }

  void stored(Request& r) override {
    if (r.done) r.done(std::move(r.ids));
  }

  void not_stored(Request& r, const StoreError& error) override {
    if (r.mark) {
      // Advice: a lost mark only means the item is fed again at start.
      if (error.kind == StoreError::Kind::refused)
        spdlog::error("inbox: the database refused marking item {} processed: {}", r.mark->first, error.message);
      return;
    }
    if (error.kind == StoreError::Kind::refused)
      spdlog::error("inbox: the database refused {} webhook items for their content (the provider is told to retry):"
                    " {}",
                    r.items.size(), error.message);
    if (r.done) r.done(std::nullopt);
  }

  bool expired(const Request& r, std::chrono::steady_clock::time_point now) const override {
    return !r.mark && now >= r.give_up;
  }

 private:
  PgInbox& inbox_;
};

PgInbox::PgInbox(std::string database_url, std::chrono::milliseconds patience)
    : url_(database_url),
      patience_(patience),
      target_(std::make_unique<Target>(*this)),
      writer_(std::move(database_url), *target_,
              GroupWriterOptions{"inbox", std::chrono::milliseconds(50), std::chrono::milliseconds(1000), {}}) {}

PgInbox::~PgInbox() { stop(); }

void PgInbox::start() { writer_.start(); }

void PgInbox::stop() { writer_.stop(std::chrono::milliseconds(0)); }

void PgInbox::accept(std::vector<InboxItem> items, Done done) {
  Request r{std::move(items), std::move(done), std::chrono::steady_clock::now() + patience_, {}, std::nullopt};
  if (!writer_.post(std::move(r)) && r.done) r.done(std::nullopt);
}

void PgInbox::mark_processed(InboxId id, std::string outcome) {
  // Stopping: lost, as on a crash.
  writer_.post(Request{{}, nullptr, std::chrono::steady_clock::time_point::max(), {}, std::make_pair(id, std::move(outcome))});
}

PgInbox::Stats PgInbox::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

std::vector<StoredInboxItem> PgInbox::unprocessed() {
  auto conn = connect(url_);
  pqxx::nontransaction t(*conn);
  std::vector<StoredInboxItem> out;
  for (const auto& row : t.exec("SELECT id, account_id, dedupe_key, kind, payload::text FROM channel_inbox"
                                " WHERE processed_at IS NULL ORDER BY id")) {
    out.push_back(StoredInboxItem{row[0].as<InboxId>(), InboxItem{row[1].as<std::uint64_t>(), row[2].as<std::string>(),
                                                                  row[3].as<std::string>(), row[4].as<std::string>()}});
  }
  return out;
}

}  // namespace contactd::store
