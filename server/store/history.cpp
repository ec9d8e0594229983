#include "store/history.h"

#include <limits>

#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "core/channel.h"
#include "store/database.h"
#include "store/message_page.h"

namespace contactd::store {
namespace {

namespace v1 = ::contactd::v1;

// Parameters sent as text; the SQL casts each to its type.
struct Params {
  std::vector<std::string> values;
  void append(const std::string& v) { values.push_back(v); }
  void append(const char* v) { values.emplace_back(v); }
  void append(long long v) { values.push_back(std::to_string(v)); }
  void append(std::int64_t v) { values.push_back(std::to_string(v)); }
  auto dynamic() const { return pqxx::prepare::make_dynamic_params(values); }
};

constexpr const char* kColumns =
    "i.id, i.campaign_id, i.channel, i.direction, i.customer, i.priority, COALESCE(i.owner_id, 0),"
    " round(extract(epoch from i.created_at) * 1000)::bigint,"
    " COALESCE(round(extract(epoch from i.assigned_at) * 1000)::bigint, 0),"
    " COALESCE(round(extract(epoch from i.closed_at) * 1000)::bigint, 0),"
    " COALESCE(array_to_string(ARRAY(SELECT jsonb_array_elements_text(i.disposition->'path')), ','), ''),"
    " COALESCE(i.disposition->>'comment', ''), i.state, COALESCE(i.attempt_id, 0), COALESCE(i.contact_id, 0)";

void read_row(const pqxx::row& r, v1::Interaction* out, std::int64_t* closed_ms) {
  out->set_id(r[0].as<std::uint64_t>());
  out->set_campaign_id(r[1].as<std::uint64_t>());
  if (auto ch = core::channel_from_string(r[2].as<std::string>()))
    out->set_channel(static_cast<v1::Channel>(static_cast<int>(*ch) + 1));
  out->set_direction(r[3].as<std::string>() == "outbound" ? v1::DIRECTION_OUTBOUND : v1::DIRECTION_INBOUND);
  const auto state = r[12].as<std::string>();
  out->set_state(state == "closed"     ? v1::INTERACTION_STATE_CLOSED
                 : state == "finished" ? v1::INTERACTION_STATE_FINISHED
                 : state == "active"   ? v1::INTERACTION_STATE_ACTIVE
                 : state == "pending"  ? v1::INTERACTION_STATE_PENDING
                                       : v1::INTERACTION_STATE_BOT);
  out->set_attempt_id(r[13].as<std::uint64_t>());
  out->set_contact_id(r[14].as<std::uint64_t>());
  out->set_customer(r[4].as<std::string>());
  out->set_priority(r[5].as<std::int32_t>());
  out->set_owner_id(r[6].as<std::uint64_t>());
  out->set_created_at_ms(r[7].as<std::int64_t>());
  out->set_assigned_at_ms(r[8].as<std::int64_t>());
  *closed_ms = r[9].as<std::int64_t>();
  const auto path = r[10].as<std::string>();
  if (!path.empty()) {
    auto* d = out->mutable_disposition();
    std::size_t start = 0;
    while (start <= path.size()) {
      auto comma = path.find(',', start);
      d->add_path(static_cast<std::uint32_t>(std::stoul(path.substr(start, comma - start))));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    d->set_comment(r[11].as<std::string>());
  }
}

// The visibility part of the WHERE clause, with its parameters appended.
std::string scope_sql(const HistoryQuery& q, Params& params, int& n) {
  std::string sql;
  if (q.visible_campaigns) {
    std::string list = "{";
    for (std::size_t k = 0; k < q.visible_campaigns->size(); ++k)
      list += (k ? "," : "") + std::to_string((*q.visible_campaigns)[k]);
    params.append(list + "}");
    sql += " AND i.campaign_id = ANY($" + std::to_string(++n) + "::bigint[])";
  }
  if (q.only_owner != core::kNoUser) {
    params.append(static_cast<long long>(q.only_owner));
    sql += " AND i.owner_id = $" + std::to_string(++n) + "::bigint";
  }
  return sql;
}

}  // namespace

HistoryReader::HistoryReader(std::string database_url) : url_(std::move(database_url)) {}

pqxx::connection& HistoryReader::connection() {
  if (!conn_ || !conn_->is_open()) conn_ = connect(url_);
  return *conn_;
}

v1::HistoryPage HistoryReader::search(const HistoryQuery& q) {
  std::lock_guard lock(mu_);
  Params params;
  int n = 0;
  std::string sql = std::string("SELECT ") + kColumns + " FROM interactions i WHERE i.state = 'closed'";
  sql += scope_sql(q, params, n);
  auto add = [&](auto value, const std::string& condition, const char* cast) {
    params.append(value);
    sql += " AND " + condition + "$" + std::to_string(++n) + cast;
  };
  if (q.campaign) add(static_cast<long long>(q.campaign), "i.campaign_id = ", "::bigint");
  if (q.agent) add(static_cast<long long>(q.agent), "i.owner_id = ", "::bigint");
  if (!q.channel.empty()) add(q.channel, "i.channel = ", "::text");
  if (!q.customer.empty()) {
    params.append("%" + q.customer + "%");
    sql += " AND i.customer ILIKE $" + std::to_string(++n) + "::text";
  }
  if (q.from_ms) add(q.from_ms, "i.closed_at >= to_timestamp(0) + interval '1 millisecond' * ", "::bigint");
  if (q.to_ms) add(q.to_ms, "i.closed_at < to_timestamp(0) + interval '1 millisecond' * ", "::bigint");
  if (q.disposition) {
    params.append("[" + std::to_string(q.disposition) + "]");
    sql += " AND i.disposition->'path' @> $" + std::to_string(++n) + "::jsonb";
  }
  if (!q.cursor.empty()) {  // "closed_ms:id" of the last row of the previous page
    const auto colon = q.cursor.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("malformed cursor");
    params.append(static_cast<long long>(std::stoll(q.cursor.substr(0, colon))));
    params.append(static_cast<long long>(std::stoll(q.cursor.substr(colon + 1))));
    sql += " AND (round(extract(epoch from i.closed_at) * 1000)::bigint, i.id) < ($" + std::to_string(n + 1) +
           "::bigint, $" + std::to_string(n + 2) + "::bigint)";
    n += 2;
  }
  const std::uint32_t limit = std::clamp<std::uint32_t>(q.limit ? q.limit : 50, 1, 500);
  sql += " ORDER BY i.closed_at DESC, i.id DESC LIMIT " + std::to_string(limit + 1);

  pqxx::read_transaction t(connection());
  auto rows = t.exec_params(sql, params.dynamic());
  v1::HistoryPage page;
  std::int64_t closed_ms = 0;
  for (std::size_t k = 0; k < rows.size() && k < limit; ++k) read_row(rows[k], page.add_items(), &closed_ms);
  if (rows.size() > limit) page.set_next_cursor(std::to_string(closed_ms) + ":" + std::to_string(page.items(page.items_size() - 1).id()));
  return page;
}

static void read_timeline(pqxx::transaction_base& t, core::InteractionId id, std::int64_t up_to_seq, v1::InteractionDetail* out) {
  for (const auto& r : t.exec_params("SELECT payload::text FROM journal WHERE interaction_id = $1 AND seq <= $2 ORDER BY seq",
                                     static_cast<long long>(id), static_cast<long long>(up_to_seq))) {
    if (!google::protobuf::util::JsonStringToMessage(r[0].as<std::string>(), out->add_timeline()).ok())
      throw std::runtime_error("journal entry of interaction " + std::to_string(id) + " is unreadable");
  }
}

std::optional<v1::InteractionDetail> HistoryReader::detail(core::InteractionId id, const HistoryQuery& scope) {
  std::lock_guard lock(mu_);
  Params params;
  params.append(static_cast<long long>(id));
  int n = 1;
  std::string sql =
      std::string("SELECT ") + kColumns + " FROM interactions i WHERE i.state = 'closed' AND i.id = $1::bigint";
  sql += scope_sql(scope, params, n);
  pqxx::read_transaction t(connection());
  auto rows = t.exec_params(sql, params.dynamic());
  if (rows.empty()) return std::nullopt;
  v1::InteractionDetail detail;
  std::int64_t closed_ms = 0;
  read_row(rows[0], detail.mutable_interaction(), &closed_ms);
  detail.set_closed_at_ms(closed_ms);
  read_timeline(t, id, std::numeric_limits<std::int64_t>::max(), &detail);
  return detail;
}

void HistoryReader::timeline(core::InteractionId id, std::uint64_t up_to_seq, v1::InteractionDetail* out) {
  std::lock_guard lock(mu_);
  pqxx::read_transaction t(connection());
  read_timeline(t, id, static_cast<std::int64_t>(up_to_seq), out);
}

std::map<std::string, std::string> HistoryReader::saved_form(core::InteractionId id) {
  std::lock_guard lock(mu_);
  pqxx::read_transaction t(connection());
  std::map<std::string, std::string> out;
  for (const auto& r : t.exec_params("SELECT f.key, f.value FROM (SELECT fields FROM form_entries WHERE interaction_id = $1"
                                     " ORDER BY id DESC LIMIT 1) e, jsonb_each_text(e.fields) f",
                                     static_cast<long long>(id)))
    out[r[0].as<std::string>()] = r[1].as<std::string>();
  return out;
}

std::vector<v1::Interaction> HistoryReader::contact_interactions(std::uint64_t contact, const HistoryQuery& scope,
                                                                 std::uint32_t limit) {
  std::lock_guard lock(mu_);
  Params params;
  params.append(static_cast<long long>(contact));
  params.append(static_cast<long long>(limit));
  int n = 2;
  std::string sql = std::string("SELECT ") + kColumns + " FROM interactions i WHERE i.contact_id = $1::bigint";
  sql += scope_sql(scope, params, n);
  sql += " ORDER BY i.created_at DESC, i.id DESC LIMIT $2::bigint";
  pqxx::read_transaction t(connection());
  std::vector<v1::Interaction> out;
  for (const auto& r : t.exec_params(sql, params.dynamic())) {
    std::int64_t closed_ms = 0;
    read_row(r, &out.emplace_back(), &closed_ms);
  }
  return out;
}

std::variant<v1::MessagePage, core::Error> HistoryReader::messages(
    core::InteractionId id, core::MessageId after, std::uint32_t limit,
    const std::optional<core::InteractionScope>& closed_scope) {
  std::lock_guard lock(mu_);
  pqxx::read_transaction t(connection());
  if (closed_scope)
    if (auto refused = check_closed_access(t, id, *closed_scope)) return *refused;
  return read_message_page(t, id, after, limit);
}

}  // namespace contactd::store
