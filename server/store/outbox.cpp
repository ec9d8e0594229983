#include "store/outbox.h"

#include <spdlog/spdlog.h>

#include <map>

#include "store/database.h"
#include "store/json_text.h"

namespace contactd::store {

namespace {

std::string_view state_name(OutboxUpdate::State s) {
  switch (s) {
    case OutboxUpdate::State::pending: return "pending";
    case OutboxUpdate::State::sent: return "sent";
    case OutboxUpdate::State::failed: return "failed";
    case OutboxUpdate::State::unknown: return "unknown";
  }
  return "pending";
}

constexpr const char* kRowColumns =
    "message_id, interaction_id, account_id, state, attempts, "
    "round(extract(epoch from next_attempt_at) * 1000)::bigint, COALESCE(provider_message_id, '')";

OutboxRow row_of(const pqxx::row& r) {
  return OutboxRow{r[0].as<std::uint64_t>(), r[1].as<std::uint64_t>(), r[2].as<std::uint64_t>(),
                   r[3].as<std::string>(),   r[4].as<int>(),           core::from_unix_ms(r[5].as<std::int64_t>()),
                   r[6].as<std::string>()};
}

}  // namespace

// The outbox's part of group commit: state records, then claims and lookups.
class PgOutbox::Target final : public Writer::Target {
 public:
  void write(WriterConnection& conn, Writer::Iterator first, Writer::Iterator last, bool) override {
    pqxx::work t(conn.get());
    std::string rows = "[";
    for (auto it = first; it != last; ++it) {
      if (!it->record) continue;
      const auto& u = *it->record;
      rows += (rows.size() > 1 ? ",{" : "{") + std::string("\"id\":") + std::to_string(u.message) + ",\"state\":\"" +
              std::string(state_name(u.state)) + "\",\"next\":" + std::to_string(core::to_unix_ms(u.next_attempt)) +
              ",\"provider_id\":";
      append_json_string(rows, u.provider_message_id);
      rows += ",\"error\":";
      append_json_string(rows, u.error);
      rows += "}";
    }
    rows += "]";
    // In order: a later record of the same row wins. 'sent' and 'failed'
    // are final; 'unknown' may still learn its provider id and become sent.
    if (rows.size() > 2)
      t.exec_params(
          "UPDATE outbox o SET state = x.state, updated_at = now(),"
          " next_attempt_at = CASE WHEN x.state = 'pending' THEN to_timestamp(x.next / 1000.0) ELSE o.next_attempt_at END,"
          " provider_message_id = COALESCE(NULLIF(x.provider_id, ''), o.provider_message_id),"
          " last_error = COALESCE(NULLIF(x.error, ''), o.last_error)"
          " FROM (SELECT DISTINCT ON (id) * FROM ROWS FROM (jsonb_to_recordset($1::jsonb)"
          "       AS (id bigint, state text, next bigint, provider_id text, error text)) WITH ORDINALITY"
          "       AS r(id, state, next, provider_id, error, n) ORDER BY id, n DESC) x"
          " WHERE o.message_id = x.id AND o.state NOT IN ('sent', 'failed')",
          rows);
    for (auto it = first; it != last; ++it)
      if (it->run) it->after = it->run(t);
    t.commit();
  }
  void stored(Item& item) override {
    if (item.after) item.after();
  }
  void not_stored(Item& item, const StoreError& error) override {
    if (item.record) {
      if (error.kind == StoreError::Kind::refused)
        spdlog::error("outbox: the database refused the state record of message {} (dropped): {}",
                      item.record->message, error.message);
      return;
    }
    if (error.kind == StoreError::Kind::refused)
      spdlog::error("outbox: the database refused a claim or lookup: {}", error.message);
    if (item.fail) item.fail(error);
  }
};

PgOutbox::PgOutbox(std::string database_url)
    : url_(database_url),
      target_(std::make_unique<Target>()),
      writer_(std::move(database_url), *target_,
              GroupWriterOptions{"outbox", std::chrono::milliseconds(50), std::chrono::milliseconds(2000), {}}) {}

PgOutbox::~PgOutbox() { stop(std::chrono::milliseconds(0)); }

std::vector<OutboxRow> PgOutbox::recover() {
  auto conn = connect(url_);
  pqxx::work t(*conn);
  t.exec("UPDATE outbox SET state = 'unknown', updated_at = now(),"
         " last_error = 'the daemon stopped while this message was being sent' WHERE state = 'in_flight'");
  std::vector<OutboxRow> rows;
  for (const auto& r : t.exec(std::string("SELECT ") + kRowColumns +
                              " FROM outbox WHERE state IN ('pending', 'unknown') ORDER BY message_id"))
    rows.push_back(row_of(r));
  t.commit();
  return rows;
}

std::vector<DueDelivery> PgOutbox::deliveries(const std::vector<OutboxRow>& rows) {
  std::vector<DueDelivery> out;
  std::map<core::MessageId, const OutboxRow*> row_of_message;
  std::string ids = "{";
  for (const auto& r : rows) {
    if (r.state != "pending") continue;
    ids += (ids.size() > 1 ? "," : "") + std::to_string(r.message);
    row_of_message[r.message] = &r;
  }
  ids += "}";
  if (ids == "{}") return out;
  auto conn = connect(url_);
  pqxx::read_transaction t(*conn);
  std::map<core::MessageId, std::size_t> at;
  for (const auto& r : t.exec_params(
           "SELECT m.id, m.interaction_id, i.channel, i.customer, i.account_id, a.provider, m.sender,"
           " COALESCE(m.author_id, 0), m.author_name, m.body, m.state,"
           " COALESCE(q.provider_message_id, ''), COALESCE(m.template->>'name', ''),"
           " COALESCE(m.template->>'language', ''), COALESCE(m.template->>'header_attachment', ''), m.template IS NOT NULL"
           " FROM messages m JOIN interactions i ON i.id = m.interaction_id"
           " JOIN provider_accounts a ON a.id = i.account_id"
           " LEFT JOIN messages q ON q.id = (m.reply->>'message_id')::bigint"
           " WHERE m.id = ANY($1::bigint[]) ORDER BY m.id",
           ids)) {
    core::DeliverMessage d;
    d.channel = core::channel_from_string(r[2].as<std::string>()).value_or(core::Channel::whatsapp);
    d.customer = r[3].as<std::string>();
    d.account = r[4].as<core::AccountId>();
    d.provider = core::provider_from_string(r[5].as<std::string>()).value_or(core::Provider::meta);
    d.reply_to_provider_id = r[11].as<std::string>();
    auto& m = d.message;
    m.message = r[0].as<core::MessageId>();
    m.interaction = r[1].as<core::InteractionId>();
    m.sender = r[6].as<std::string>() == "bot" ? core::Sender::bot : core::Sender::agent;
    m.author = r[7].as<core::UserId>();
    m.author_name = r[8].as<std::string>();
    m.text = r[9].as<std::string>();
    m.state = core::message_state_from_string(r[10].as<std::string>()).value_or(core::MessageState::queued);
    if (r[15].as<bool>())
      m.template_use = core::TemplateUse{r[12].as<std::string>(), r[13].as<std::string>(), {}, r[14].as<std::string>()};
    at[m.message] = out.size();
    const OutboxRow& row = *row_of_message.at(m.message);
    out.push_back(DueDelivery{std::move(d), row.attempts, row.next_attempt});
  }
  for (const auto& r : t.exec_params(
           "SELECT m.id, p.value FROM messages m, jsonb_array_elements_text(m.template->'parameters')"
           " WITH ORDINALITY AS p(value, n) WHERE m.id = ANY($1::bigint[]) ORDER BY m.id, p.n",
           ids))
    if (auto it = at.find(r[0].as<core::MessageId>()); it != at.end() && out[it->second].delivery.message.template_use)
      out[it->second].delivery.message.template_use->parameters.push_back(r[1].as<std::string>());
  for (const auto& r : t.exec_params(
           "SELECT m.id, a.filename, COALESCE(a.size_bytes, 0), COALESCE(a.reference, ''), COALESCE(a.voice, false),"
           " COALESCE(a.content_type, '') FROM messages m, ROWS FROM (jsonb_to_recordset(m.attachments)"
           " AS (filename text, size_bytes bigint, reference text, voice boolean, content_type text)) WITH ORDINALITY"
           " AS a(filename, size_bytes, reference, voice, content_type, n)"
           " WHERE m.id = ANY($1::bigint[]) ORDER BY m.id, a.n",
           ids)) {
    auto it = at.find(r[0].as<core::MessageId>());
    if (it == at.end()) continue;
    core::Attachment a;
    a.filename = r[1].as<std::string>();
    a.size_bytes = r[2].as<std::uint64_t>();
    a.reference = r[3].as<std::string>();
    a.voice = r[4].as<bool>();
    a.content_type = r[5].as<std::string>();
    out[it->second].delivery.message.attachments.push_back(std::move(a));
  }
  return out;
}

void PgOutbox::start() { writer_.start(); }

void PgOutbox::stop(std::chrono::milliseconds drain_for) { writer_.stop(drain_for); }

void PgOutbox::post(Item item) {
  if (!writer_.post(std::move(item)) && item.fail)
    item.fail(StoreError{StoreError::Kind::stopping, "the outbox is stopping"});
}

void PgOutbox::claim(std::vector<std::uint64_t> messages, Claimed done) {
  Item item;
  item.fail = [done](const StoreError& error) { done({}, error); };
  item.run = [messages = std::move(messages), done = std::move(done)](pqxx::work& t) -> std::function<void()> {
    std::string ids = "{";
    for (std::size_t k = 0; k < messages.size(); ++k) ids += (k ? "," : "") + std::to_string(messages[k]);
    ids += "}";
    std::vector<std::uint64_t> claimed;
    for (const auto& r : t.exec_params("UPDATE outbox SET state = 'in_flight', attempts = attempts + 1, updated_at = now()"
                                       " WHERE message_id = ANY($1::bigint[]) AND state = 'pending' RETURNING message_id",
                                       ids))
      claimed.push_back(r[0].as<std::uint64_t>());
    return [done, claimed = std::move(claimed)]() mutable { done(std::move(claimed), std::nullopt); };
  };
  post(std::move(item));
}

void PgOutbox::record(OutboxUpdate update) {
  Item item;
  item.record = std::move(update);
  post(std::move(item));
}

void PgOutbox::resolve(std::uint64_t account, std::string provider_message_id, std::uint64_t correlation,
                       std::function<void(std::optional<OutboxRow>)> done) {
  Item item;
  item.fail = [done](const StoreError&) { done(std::nullopt); };
  item.run = [account, provider_message_id = std::move(provider_message_id), correlation,
              done = std::move(done)](pqxx::work& t) -> std::function<void()> {
    auto rows = t.exec_params(std::string("SELECT ") + kRowColumns +
                                  " FROM outbox WHERE account_id = $1 AND (($2 <> '' AND provider_message_id = $2)"
                                  " OR message_id = $3) ORDER BY (provider_message_id = $2) DESC LIMIT 1",
                              account, provider_message_id, correlation);
    std::optional<OutboxRow> row;
    if (!rows.empty()) row = row_of(rows[0]);
    return [done, row = std::move(row)] { done(row); };
  };
  post(std::move(item));
}

}  // namespace contactd::store
