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

PgInbox::PgInbox(std::string database_url, std::chrono::milliseconds patience)
    : url_(std::move(database_url)), patience_(patience) {}

PgInbox::~PgInbox() { stop(); }

void PgInbox::start() {
  thread_ = std::thread([this] { run(); });
}

void PgInbox::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PgInbox::accept(std::vector<InboxItem> items, Done done) {
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(Request{std::move(items), std::move(done), std::chrono::steady_clock::now() + patience_});
      cv_.notify_one();
      return;
    }
  }
  done(std::nullopt);
}

void PgInbox::mark_processed(InboxId id, std::string outcome) {
  std::lock_guard lock(mu_);
  marks_.emplace_back(id, std::move(outcome));
  cv_.notify_one();
}

PgInbox::Stats PgInbox::stats() const {
  std::lock_guard lock(mu_);
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

void PgInbox::write(std::deque<Request>& group, std::vector<std::pair<InboxId, std::string>>& marks) {
  if (!conn_) conn_ = connect(url_);
  std::string rows = "[";
  std::size_t count = 0;
  for (const auto& r : group)
    for (const auto& item : r.items) {
      if (count++) rows += ',';
      rows += "{\"account_id\":" + std::to_string(item.account) + ",\"dedupe_key\":";
      append_json_string(rows, item.dedupe_key);
      rows += ",\"kind\":";
      append_json_string(rows, item.kind);
      rows += ",\"payload\":" + item.payload + "}";
    }
  rows += "]";
  std::string settled = "[";
  for (std::size_t k = 0; k < marks.size(); ++k) {
    if (k) settled += ',';
    settled += "{\"id\":" + std::to_string(marks[k].first) + ",\"outcome\":";
    append_json_string(settled, marks[k].second);
    settled += '}';
  }
  settled += "]";

  pqxx::work t(*conn_);
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
  if (!marks.empty())
    t.exec_params("UPDATE channel_inbox SET processed_at = now(), outcome = NULLIF(x.outcome, '')"
                  " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, outcome text)"
                  " WHERE channel_inbox.id = x.id AND processed_at IS NULL",
                  settled);
  t.commit();
  marks.clear();

  std::uint64_t duplicates = 0;
  for (auto& r : group) {
    std::vector<InboxId> ids;
    ids.reserve(r.items.size());
    for (const auto& item : r.items) {
      auto it = inserted.find({item.account, item.dedupe_key});
      if (it == inserted.end()) {
        ids.push_back(0);
        ++duplicates;
      } else {
        ids.push_back(it->second);
        inserted.erase(it);  // a second copy in the same group is a duplicate
      }
    }
    if (r.done) r.done(std::move(ids));
  }
  std::lock_guard lock(mu_);
  ++stats_.transactions;
  stats_.items += count;
  stats_.duplicates += duplicates;
}

void PgInbox::run() {
  std::deque<Request> group;
  std::vector<std::pair<InboxId, std::string>> marks;
  auto backoff = std::chrono::milliseconds(50);
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (group.empty() && marks.empty()) {
        cv_.wait(lock, [&] { return stopping_ || !queue_.empty() || !marks_.empty(); });
        if (stopping_ && queue_.empty() && marks_.empty()) break;
      }
      while (!queue_.empty()) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      for (auto& m : marks_) marks.push_back(std::move(m));
      marks_.clear();
    }
    try {
      write(group, marks);
      group.clear();
      backoff = std::chrono::milliseconds(50);
    } catch (const std::exception& ex) {
      conn_.reset();
      spdlog::error("inbox: write failed: {}", ex.what());
      // Whoever waited past their patience is told nothing was stored (the
      // provider retries the webhook); the rest are tried again.
      const auto now = std::chrono::steady_clock::now();
      bool stopping;
      {
        std::lock_guard lock(mu_);
        stopping = stopping_;
      }
      for (auto it = group.begin(); it != group.end();) {
        if (stopping || now >= it->give_up) {
          if (it->done) it->done(std::nullopt);
          it = group.erase(it);
        } else {
          ++it;
        }
      }
      if (stopping) break;
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, backoff, [&] { return stopping_; });
      backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
    }
  }
  std::deque<Request> left;
  {
    std::lock_guard lock(mu_);
    left.swap(queue_);
  }
  for (auto& r : group)
    if (r.done) r.done(std::nullopt);
  for (auto& r : left)
    if (r.done) r.done(std::nullopt);
}

}  // namespace contactd::store
