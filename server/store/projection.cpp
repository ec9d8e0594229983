#include "store/projection.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "core/overloaded.h"

#include "core/profile.h"
#include "store/json_text.h"
#include "wire/campaign_mapping.h"

#include <google/protobuf/util/json_util.h>

namespace contactd::store {
namespace {

using core::Overloaded;

// $n as timestamptz from Unix milliseconds.
std::string ts(int n) { return "to_timestamp($" + std::to_string(n) + "::bigint / 1000.0)"; }

std::string settings_json(const core::CampaignSettings& s) {
  wire::v1::CampaignSettings message;
  wire::to_proto(s, &message);
  std::string out;
  google::protobuf::util::JsonPrintOptions opts;
  opts.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, opts);
  return out;
}

std::string channels_array(const core::ChannelSet& set) {
  std::string out = "{";
  for (std::size_t i = 0; i < core::kChannelCount; ++i) {
    if (!set.test(i)) continue;
    if (out.size() > 1) out += ",";
    out += core::to_string(static_cast<core::Channel>(i));
  }
  return out + "}";
}

std::string path_json(const std::vector<std::uint32_t>& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) out += (i ? "," : "") + std::to_string(path[i]);
  return out + "]";
}

std::string fields_json(const std::map<std::string, std::string>& fields) {
  std::string out = "{";
  for (const auto& [k, v] : fields) out += (out.size() > 1 ? "," : "") + json_string(k) + ":" + json_string(v);
  return out + "}";
}

// [{"channel":..,"address":..,"position":n}, ...] for jsonb_to_recordset.
std::string addresses_json(const core::Contact& c) {
  std::string out = "[";
  for (std::size_t i = 0; i < c.addresses.size(); ++i)
    out += std::string(i ? "," : "") + "{\"channel\":" + json_string(std::string(core::to_string(c.addresses[i].channel))) +
           ",\"address\":" + json_string(c.addresses[i].value) + ",\"position\":" + std::to_string(i) + "}";
  return out + "]";
}

std::string attempt_json(const core::Attempt& a) {
  return "{\"id\":" + std::to_string(a.id) + ",\"campaign_id\":" + std::to_string(a.campaign) +
         ",\"channel\":" + json_string(std::string(core::to_string(a.channel))) +
         ",\"contact_id\":" + (a.contact ? std::to_string(a.contact) : "null") +
         ",\"address\":" + json_string(a.address) + ",\"list\":" + json_string(a.list) +
         ",\"origin\":" + json_string(std::string(core::to_string(a.origin))) +
         ",\"from_interaction_id\":" + (a.from_interaction ? std::to_string(a.from_interaction) : "null") +
         ",\"due_ms\":" + std::to_string(core::to_unix_ms(a.due_at)) + "}";
}

void insert_attempts(SqlBatch& b, const std::string& array_json, core::UserId by, long long at) {
  b.add("INSERT INTO attempts (id, campaign_id, channel, contact_id, address, list, origin,"
                " from_interaction_id, due_at, state, created_by, created_at)"
                " SELECT id, campaign_id, channel, contact_id, address, list, origin, from_interaction_id,"
                " to_timestamp(due_ms / 1000.0), 'scheduled', NULLIF($2, 0), " + ts(3) +
                " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, campaign_id bigint, channel text,"
                " contact_id bigint, address text, list text, origin text, from_interaction_id bigint, due_ms bigint)",
                array_json, static_cast<long long>(by), at);
}

void save_contact(SqlBatch& b, const core::Contact& c, long long at) {
  b.add("INSERT INTO contacts (id, name, fields, updated_at) VALUES ($1, $2, $3::jsonb, " + ts(4) +
                    ") ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, fields = EXCLUDED.fields,"
                    " updated_at = EXCLUDED.updated_at",
                c.id, c.name, fields_json(c.fields), at);
  b.add("DELETE FROM contact_addresses WHERE contact_id = $1", c.id);
  b.add("INSERT INTO contact_addresses (channel, address, contact_id, position)"
                " SELECT channel, address, $2, position FROM jsonb_to_recordset($1::jsonb)"
                " AS x(channel text, address text, position integer)",
                addresses_json(c), c.id);
}

std::string attachment_json(const core::Attachment& a) {
  return std::string("{\"filename\":") + json_string(a.filename) + ",\"size_bytes\":" + std::to_string(a.size_bytes) +
         ",\"reference\":" + json_string(a.reference) + ",\"voice\":" + (a.voice ? "true" : "false") +
         ",\"content_type\":" + json_string(a.content_type) +
         ",\"state\":" + json_string(std::string(core::to_string(a.state))) +
         ",\"provider_media_id\":" + json_string(a.provider_media_id) +
         ",\"unavailable_reason\":" + json_string(a.unavailable_reason) + "}";
}

std::string attachments_json(const core::MessagePosted& e) {
  std::string attachments = "[";
  for (std::size_t k = 0; k < e.attachments.size(); ++k) attachments += (k ? "," : "") + attachment_json(e.attachments[k]);
  return attachments + "]";
}

std::string strings_json(const std::vector<std::string>& list) {
  std::string out = "[";
  for (std::size_t k = 0; k < list.size(); ++k) out += (k ? "," : "") + json_string(list[k]);
  return out + "]";
}

// R-MSG-6 reply link and template use, as jsonb (null when absent).
std::string reply_json(const std::optional<core::ReplyLink>& r) {
  if (!r) return "null";
  return "{\"message_id\":" + std::to_string(r->message) + ",\"sender\":" + json_string(std::string(core::to_string(r->sender))) +
         ",\"author_name\":" + json_string(r->author_name) + ",\"text\":" + json_string(r->text) +
         ",\"filename\":" + json_string(r->filename) + ",\"preview_reference\":" + json_string(r->preview_reference) + "}";
}

std::string template_json(const std::optional<core::TemplateUse>& t) {
  if (!t) return "null";
  return "{\"name\":" + json_string(t->name) + ",\"language\":" + json_string(t->language) +
         ",\"parameters\":" + strings_json(t->parameters) + ",\"header_attachment\":" + json_string(t->header_attachment) + "}";
}

std::string message_json(const core::MessagePosted& e, long long at) {
  const std::string attachments = attachments_json(e);
  return "{\"id\":" + std::to_string(e.message) + ",\"interaction_id\":" + std::to_string(e.interaction) +
         ",\"sender\":\"" + std::string(core::to_string(e.sender)) + "\",\"author_id\":" +
         (e.author ? std::to_string(e.author) : "null") + ",\"author_name\":" + json_string(e.author_name) +
         ",\"body\":" + json_string(e.text) + ",\"attachments\":" + attachments + ",\"at\":" + std::to_string(at) +
         ",\"state\":\"" + std::string(core::to_string(e.state)) + "\",\"provider_message_id\":" +
         (e.provider_message_id.empty() ? "null" : json_string(e.provider_message_id)) +
         ",\"reply\":" + reply_json(e.reply) + ",\"template\":" + template_json(e.template_use) + "}";
}

void insert_messages(SqlBatch& b, const std::string& rows) {
  b.add("INSERT INTO messages (id, interaction_id, sender, author_id, author_name, body, attachments, created_at,"
                " state, provider_message_id, reply, template)"
                " SELECT id, interaction_id, sender, author_id, author_name, body, attachments, to_timestamp(at / 1000.0),"
                " state, provider_message_id, reply, template"
                " FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, interaction_id bigint, sender text, author_id bigint,"
                " author_name text, body text, attachments jsonb, at bigint, state text, provider_message_id text,"
                " reply jsonb, template jsonb)",
                rows);
}

std::string secrets_json(const std::map<std::string, std::string>& secrets) { return fields_json(secrets); }

// What storing messages implies, in the same transaction (after the rows):
// agent and bot messages of an interaction carried by a provider account get
// their outbox row; the inbox rows inbound messages came from are processed;
// uploaded files the messages use are bound to their interaction.
std::string id_array(const std::vector<std::uint64_t>& ids) {
  std::string list = "'{";
  for (std::size_t k = 0; k < ids.size(); ++k) list += (k ? "," : "") + std::to_string(ids[k]);
  return list + "}'::bigint[]";
}

}  // namespace

void MessageFollowUps::note(const core::MessagePosted& m) {
  if (m.sender != core::Sender::customer) outbound.push_back(m.message);
  if (!m.attachments.empty()) with_attachments.push_back(m.message);
  if (m.inbox_id) inbox_ids.push_back(m.inbox_id);
}

void MessageFollowUps::clear() {
  outbound.clear();
  with_attachments.clear();
  inbox_ids.clear();
}

namespace {

std::string follow_ups_sql(const MessageFollowUps& f) {
  std::string sql;
  auto add = [&sql](std::string statement) { sql += (sql.empty() ? "" : "; ") + statement; };
  if (!f.outbound.empty())
    add("INSERT INTO outbox (message_id, interaction_id, account_id) SELECT m.id, m.interaction_id, i.account_id"
        " FROM messages m JOIN interactions i ON i.id = m.interaction_id WHERE m.id = ANY(" + id_array(f.outbound) +
        ") AND i.account_id IS NOT NULL ON CONFLICT DO NOTHING");
  if (!f.with_attachments.empty())
    add("UPDATE attachments SET interaction_id = m.interaction_id FROM messages m,"
        " jsonb_array_elements(m.attachments) AS a WHERE m.id = ANY(" + id_array(f.with_attachments) +
        ") AND attachments.id = a->>'reference' AND attachments.interaction_id IS NULL");
  if (!f.inbox_ids.empty())
    add("UPDATE channel_inbox SET processed_at = now() WHERE id = ANY(" + id_array(f.inbox_ids) +
        ") AND processed_at IS NULL");
  return sql;
}

}  // namespace

std::string timestamp_text(core::TimePoint at) {
  const long long ms = core::to_unix_ms(at);
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  ::gmtime_r(&seconds, &tm);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%03d+00", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

void Projector::apply(const core::Event& event) {
  if (const auto* m = std::get_if<core::MessagePosted>(&event.body)) {
    if (mode_ == Messages::copied_later) {
      copied_.push_back(&event);
      return;
    }
    messages_ += (pending_++ ? "," : "[") + message_json(*m, core::to_unix_ms(event.at));
    follow_ups_.note(*m);
    return;
  }
  flush();
  project(b_, event);
}

void Projector::flush() {
  if (pending_ == 0) return;
  insert_messages(b_, messages_ + "]");
  if (!follow_ups_.empty()) b_.add(follow_ups_sql(follow_ups_));
  messages_.clear();
  follow_ups_.clear();
  pending_ = 0;
}

void Projector::copy_messages(pqxx::transaction_base& t) {
  if (copied_.empty()) return;
  pqxx::stream_to out(t, "messages",
                      std::vector<std::string>{"id", "interaction_id", "sender", "author_id", "author_name", "body",
                                               "attachments", "created_at", "state", "provider_message_id", "reply",
                                               "template"});
  for (const core::Event* e : copied_) {
    const auto& m = std::get<core::MessagePosted>(e->body);
    const std::string author = std::to_string(m.author);
    const std::string reply = reply_json(m.reply), use = template_json(m.template_use);
    out << std::make_tuple(static_cast<long long>(m.message), static_cast<long long>(m.interaction),
                           std::string(core::to_string(m.sender)), m.author ? author.c_str() : nullptr,
                           m.author_name, m.text, attachments_json(m), timestamp_text(e->at),
                           std::string(core::to_string(m.state)),
                           m.provider_message_id.empty() ? nullptr : m.provider_message_id.c_str(),
                           m.reply ? reply.c_str() : nullptr, m.template_use ? use.c_str() : nullptr);
  }
  out.complete();
  MessageFollowUps follow_ups;
  for (const core::Event* e : copied_) follow_ups.note(std::get<core::MessagePosted>(e->body));
  if (!follow_ups.empty()) t.exec(follow_ups_sql(follow_ups));
  copied_.clear();
}

void project(SqlBatch& b, const core::Event& event) {
  const long long at = core::to_unix_ms(event.at);
  std::visit(
      Overloaded{
          [&](const core::CampaignCreated& e) {
            b.add("INSERT INTO campaigns (id, name, created_at, settings) VALUES ($1, $2, " + ts(3) +
                              ", $4::jsonb)",
                          e.campaign, e.name, at, settings_json(e.settings));
          },
          [&](const core::CampaignArchived& e) {
            b.add("UPDATE campaigns SET archived = $2 WHERE id = $1", e.campaign, e.archived);
          },
          [&](const core::CampaignUpdated& e) {
            b.add("UPDATE campaigns SET settings = $2::jsonb WHERE id = $1", e.campaign,
                          settings_json(e.settings));
          },
          [&](const core::StatusDefined& e) {
            b.add("INSERT INTO statuses (id, name, created_at) VALUES ($1, $2, " + ts(3) + ")", e.status,
                          e.name, at);
          },
          [&](const core::UserCreated& e) {
            b.add(
                "INSERT INTO users (id, login, display_name, profile, password_hash, created_at, status_since,"
                " presence_since) VALUES ($1, $2, $3, $4, $5, " + ts(6) + ", " + ts(6) + ", " + ts(6) + ")",
                e.user, e.login, e.display_name, std::string(core::to_string(e.profile)), e.password_hash, at);
          },
          [&](const core::MembershipChanged& e) {
            if (e.member)
              b.add("INSERT INTO memberships (user_id, campaign_id, since, position, outbound) VALUES ($1, $2, " +
                                ts(3) + ", $4, $5::text[]) ON CONFLICT (user_id, campaign_id) DO UPDATE"
                                " SET position = EXCLUDED.position, outbound = EXCLUDED.outbound",
                            e.user, e.campaign, at, e.order, channels_array(e.outbound));
            else
              b.add("DELETE FROM memberships WHERE user_id = $1 AND campaign_id = $2", e.user, e.campaign);
          },
          [&](const core::SessionOpened& e) {
            b.add("INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, " +
                              ts(4) + ", " + ts(5) + ")",
                          e.session, e.user, e.token_hash, at, core::to_unix_ms(e.expires_at));
          },
          [&](const core::SessionEnded& e) {
            b.add("UPDATE sessions SET ended_at = " + ts(2) + ", end_reason = $3 WHERE id = $1", e.session,
                          at, std::string(core::to_string(e.reason)));
          },
          [&](const core::PresenceChanged& e) {
            b.add("UPDATE users SET connected = $2, presence_since = " + ts(3) + " WHERE id = $1", e.user,
                          e.connected, at);
          },
          [&](const core::AgentStatusChanged& e) {
            b.add("UPDATE users SET status_id = NULLIF($2, 0), status_since = " + ts(3) + " WHERE id = $1",
                          e.user, static_cast<long long>(e.status.value_or(0)), at);
          },
          [&](const core::InteractionOpened& e) {
            const bool queued = e.state == core::InteractionState::pending;
            b.add("INSERT INTO interactions (id, campaign_id, channel, direction, state, customer, priority,"
                          " created_at, queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, " + ts(8) + ", " +
                              (queued ? ts(8) : std::string("NULL")) + ")",
                          e.interaction, e.campaign, std::string(core::to_string(e.channel)),
                          std::string(core::to_string(e.direction)), std::string(core::to_string(e.state)),
                          e.customer, e.priority, at);
            if (e.attempt || e.contact)
              b.add("UPDATE interactions SET attempt_id = NULLIF($2, 0), contact_id = NULLIF($3, 0) WHERE id = $1",
                            e.interaction, static_cast<long long>(e.attempt), static_cast<long long>(e.contact));
            if (e.account || !e.display_name.empty() || !e.customer_alt_id.empty())
              b.add("UPDATE interactions SET account_id = NULLIF($2, 0), display_name = $3, customer_alt_id = $4"
                    " WHERE id = $1",
                    e.interaction, static_cast<long long>(e.account), e.display_name, e.customer_alt_id);
            if (e.attempt)
              b.add("UPDATE attempts SET state = 'started', interaction_id = $2, ended_at = " + ts(3) +
                                " WHERE id = $1",
                            static_cast<long long>(e.attempt), e.interaction, at);
          },
          [&](const core::StatusUpdated& e) {
            if (e.removed)
              b.add("UPDATE statuses SET removed_at = " + ts(2) + " WHERE id = $1", e.status, at);
            else
              b.add("UPDATE statuses SET name = $2 WHERE id = $1", e.status, e.name);
          },
          [&](const core::UserUpdated& e) {
            std::string capacity = "{";
            for (std::size_t k = 0; k < core::kChannelCount; ++k)
              if (e.capacity[k])
                capacity += (capacity.size() > 1 ? "," : "") + json_string(std::string(core::to_string(static_cast<core::Channel>(k)))) +
                            ":" + std::to_string(e.capacity[k]);
            capacity += "}";
            b.add("UPDATE users SET display_name = $2, profile = $3, password_hash = $4, active = $5,"
                          " capacity = $6::jsonb, sip_secret = $7 WHERE id = $1",
                          e.user, e.display_name, std::string(core::to_string(e.profile)), e.password_hash, e.active,
                          capacity, e.sip_secret);
          },
          [&](const core::ContactSaved& e) {
            save_contact(b, e.contact, at);
            if (e.linked)
              b.add("UPDATE interactions SET contact_id = $2 WHERE id = $1", e.linked, e.contact.id);
          },
          [&](const core::ContactsUploaded& e) {
            for (const auto& c : e.created) save_contact(b, c, at);
            std::string attempts = "[";
            for (const auto& a : e.attempts) attempts += (attempts.size() > 1 ? "," : "") + attempt_json(a);
            insert_attempts(b, attempts + "]", e.by, at);
          },
          [&](const core::AttemptScheduled& e) { insert_attempts(b, "[" + attempt_json(e.attempt) + "]", e.by, at); },
          [&](const core::AttemptCancelled& e) {
            b.add("UPDATE attempts SET state = 'cancelled', cancel_reason = $2, ended_at = " + ts(3) +
                              " WHERE id = $1",
                          e.attempt, std::string(core::to_string(e.reason)), at);
          },
          [&](const core::FormSaved& e) {
            b.add("INSERT INTO form_entries (campaign_id, interaction_id, user_id, fields, saved_at)"
                          " VALUES ($1, NULLIF($2, 0), $3, $4::jsonb, " + ts(5) + ")",
                          e.campaign, static_cast<long long>(e.interaction), e.by, fields_json(e.fields), at);
          },
          [&](const core::WrapUpStarted& e) {
            b.add("UPDATE users SET wrap_up_until = " + ts(2) + " WHERE id = $1", e.user, core::to_unix_ms(e.until));
          },
          [&](const core::PhoneRegistered& e) {
            b.add("UPDATE users SET phone_contact = $2, phone_source = $3, phone_expires_at = " + ts(4) + " WHERE id = $1",
                  e.user, e.contact, e.source, core::to_unix_ms(e.expires_at));
          },
          [&](const core::PhoneUnregistered& e) {
            b.add("UPDATE users SET phone_contact = NULL, phone_source = NULL, phone_expires_at = NULL WHERE id = $1",
                  e.user);
          },
          [&](const core::WrapUpEnded& e) { b.add("UPDATE users SET wrap_up_until = NULL WHERE id = $1", e.user); },
          [&](const core::CallAbandoned& e) {
            b.add("UPDATE interactions SET state = 'closed', outcome = 'abandoned', closed_at = " + ts(2) + " WHERE id = $1",
                  e.interaction, at);
          },
          [&](const core::InteractionAbandoned& e) {  // R-IN-6: as a caller who hung up in the queue
            b.add("UPDATE interactions SET state = 'closed', outcome = 'abandoned', closed_at = " + ts(2) +
                      ", bot_deadline = NULL WHERE id = $1",
                  e.interaction, at);
          },
          // Ringing, hold and mute do not outlive a call, and calls do not
          // outlive a restart (ResetCalls): the journal keeps them for history.
          [&](const core::CallFailed& e) {
            b.add("UPDATE interactions SET outcome = $2 WHERE id = $1", e.interaction,
                  std::string(core::to_string(e.reason)));
          },
          [&](const core::TransferCancelled& e) {
            b.add("UPDATE interactions SET transfer = NULL WHERE id = $1", e.interaction);
          },
          [&](const core::ConsultationStarted&) {},
          [&](const core::CallOffered&) {}, [&](const core::CallMissed&) {}, [&](const core::CallHeld&) {},
          [&](const core::CallMuted&) {}, [&](const core::DigitsSent&) {},
          [&](const core::FormDraftSaved& e) {
            if (!e.draft) {
              b.add("DELETE FROM form_drafts WHERE user_id = $1 AND campaign_id = $2", e.user, e.campaign);
              return;
            }
            b.add("INSERT INTO form_drafts (user_id, campaign_id, interaction_id, fields, updated_at)"
                          " VALUES ($1, $2, NULLIF($3, 0), $4::jsonb, " + ts(5) + ") ON CONFLICT (user_id, campaign_id)"
                          " DO UPDATE SET interaction_id = EXCLUDED.interaction_id, fields = EXCLUDED.fields,"
                          " updated_at = EXCLUDED.updated_at",
                          e.user, e.campaign, static_cast<long long>(e.draft->interaction), fields_json(e.draft->fields), at);
          },
          [&](const core::InteractionQueued& e) {
            b.add("UPDATE interactions SET state = 'pending', campaign_id = $2, owner_id = NULL, queued_at = " +
                              ts(3) + ", bot_deadline = NULL WHERE id = $1",
                          e.interaction, e.campaign, at);
          },
          [&](const core::BotDeadlineSet& e) {
            b.add("UPDATE interactions SET bot_deadline = CASE WHEN $2::bigint = 0 THEN NULL ELSE " + ts(2) +
                              " END WHERE id = $1",
                          e.interaction, e.deadline ? core::to_unix_ms(*e.deadline) : 0LL);
          },
          [&](const core::InteractionAssigned& e) {
            b.add("UPDATE interactions SET state = 'active', campaign_id = $2, owner_id = $3, transfer = NULL,"
                          " assigned_at = " + ts(4) + " WHERE id = $1",
                          e.interaction, e.campaign, e.agent, at);
          },
          [&](const core::InteractionFinished& e) {
            b.add("UPDATE interactions SET state = 'finished', finished_at = " + ts(2) + " WHERE id = $1",
                          e.interaction, at);
            if (e.reason != core::CallEndReason::completed)
              b.add("UPDATE interactions SET outcome = $2 WHERE id = $1", e.interaction,
                    std::string(core::to_string(e.reason)));
          },
          [&](const core::DispositionSaved& e) {
            b.add("UPDATE interactions SET disposition = jsonb_build_object('path', $2::jsonb, 'comment', $3::text,"
                          " 'reschedule_at_ms', $4::bigint, 'by', $5::bigint) WHERE id = $1",
                          e.interaction, path_json(e.path), e.comment,
                          e.reschedule_at ? core::to_unix_ms(*e.reschedule_at) : 0LL, e.by);
          },
          [&](const core::InteractionClosed& e) {
            b.add("UPDATE interactions SET state = 'closed', closed_at = " + ts(2) + " WHERE id = $1",
                          e.interaction, at);
          },
          [&](const core::TransferRequested& e) {
            if (!e.to_number.empty()) return;  // the call left the center: nothing waits
            b.add("UPDATE interactions SET transfer = jsonb_build_object('from', $2::bigint, 'to_agent',"
                          " $3::bigint, 'to_campaign', $4::bigint, 'from_campaign', campaign_id, 'deadline_ms',"
                          " $5::bigint) WHERE id = $1",
                          e.interaction, e.from, e.to_agent, e.to_campaign, core::to_unix_ms(e.deadline));
          },
          [&](const core::MessagePosted& e) {
            insert_messages(b, "[" + message_json(e, at) + "]");
            MessageFollowUps follow_ups;
            follow_ups.note(e);
            if (!follow_ups.empty()) b.add(follow_ups_sql(follow_ups));
          },
          [&](const core::MessageStatusChanged& e) {
            // R-MSG-5: the engine merges the messages it holds; for the others
            // (finished interactions) this guard applies the same rule, so a
            // late or duplicate report changes nothing here either. Every SET
            // expression sees the row as it was.
            b.add("UPDATE messages SET"
                  " provider_message_id = CASE WHEN $4 <> '' AND (provider_message_id IS NULL"
                  "   OR message_state_advances(state, $3)) THEN $4 ELSE provider_message_id END,"
                  " error_code = CASE WHEN message_state_advances(state, $3) THEN NULLIF($5, '') ELSE error_code END,"
                  " error_text = CASE WHEN message_state_advances(state, $3) THEN NULLIF($6, '') ELSE error_text END,"
                  " state = CASE WHEN message_state_advances(state, $3) THEN $3 ELSE state END"
                  " WHERE id = $1 AND interaction_id = $2 AND sender <> 'customer'",
                  e.message, e.interaction, std::string(core::to_string(e.state)), e.provider_message_id, e.error_code,
                  e.error_text);
          },
          [&](const core::AttachmentUpdated& e) {
            // A ready file is never replaced by a late failure.
            b.add("UPDATE messages SET attachments = jsonb_set(attachments, ARRAY[$3::text], $4::jsonb)"
                  " WHERE id = $1 AND interaction_id = $2 AND jsonb_array_length(attachments) > $3::int"
                  " AND attachments->$3::int->>'state' IS DISTINCT FROM 'ready'",
                  e.message, e.interaction, static_cast<int>(e.index), attachment_json(e.attachment));
            // The fetched file belongs to the interaction (its downloads are checked against it).
            if (!e.attachment.reference.empty())
              b.add("UPDATE attachments SET interaction_id = $2 WHERE id = $1 AND interaction_id IS NULL",
                    e.attachment.reference, e.interaction);
          },
          [&](const core::ProviderAccountSaved& e) {
            const core::ProviderAccount& a = e.account;
            b.add("INSERT INTO provider_accounts (id, provider, name, phone_number_id, business_account_id, app_name,"
                  " source_number, base_url, secrets, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, " +
                      ts(10) + ") ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
                  " phone_number_id = EXCLUDED.phone_number_id, business_account_id = EXCLUDED.business_account_id,"
                  " app_name = EXCLUDED.app_name, source_number = EXCLUDED.source_number, base_url = EXCLUDED.base_url,"
                  " secrets = EXCLUDED.secrets, updated_at = EXCLUDED.updated_at",
                  a.id, std::string(core::to_string(a.provider)), a.name, a.phone_number_id, a.business_account_id,
                  a.app_name, a.source_number, a.base_url, secrets_json(a.secrets), at);
          },
          [&](const core::TemplateSaved& e) {
            const core::Template& t = e.definition;
            b.add("INSERT INTO templates (account_id, name, language, category, body, header_media, buttons, updated_at,"
                  " provider_template_id)"
                  " VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, " + ts(8) + ", $9) ON CONFLICT (account_id, name, language)"
                  " DO UPDATE SET category = EXCLUDED.category, body = EXCLUDED.body, header_media = EXCLUDED.header_media,"
                  " buttons = EXCLUDED.buttons, updated_at = EXCLUDED.updated_at,"
                  " provider_template_id = EXCLUDED.provider_template_id",
                  e.account, t.name, t.language, t.category, t.body, t.header_media, strings_json(t.buttons), at,
                  t.provider_template_id);
          },
          [&](const core::TemplateDeleted& e) {
            b.add("DELETE FROM templates WHERE account_id = $1 AND name = $2 AND language = $3", e.account, e.name,
                  e.language);
          },
          [&](const core::DraftSaved& e) {
            if (e.campaign == 0 && e.fields.empty()) {
              b.add("DELETE FROM drafts WHERE user_id = $1 AND channel = $2", e.user,
                            std::string(core::to_string(e.channel)));
              return;
            }
            const std::string fields = fields_json(e.fields);
            b.add("INSERT INTO drafts (user_id, channel, campaign_id, fields, updated_at) VALUES ($1, $2,"
                          " NULLIF($3, 0), $4::jsonb, " + ts(5) + ") ON CONFLICT (user_id, channel) DO UPDATE SET"
                          " campaign_id = EXCLUDED.campaign_id, fields = EXCLUDED.fields, updated_at = EXCLUDED.updated_at",
                          e.user, std::string(core::to_string(e.channel)), static_cast<long long>(e.campaign), fields, at);
          },
          [&](const core::AgentLoadChanged& e) {
            b.add("UPDATE users SET talk_ms = $2, idle_since = " + ts(3) + " WHERE id = $1", e.user,
                          e.talk_ms, core::to_unix_ms(e.idle_since));
          },
          [&](const core::CustomerDeparted& e) {
            b.add("UPDATE interactions SET customer_left_at = " + ts(2) + " WHERE id = $1", e.interaction, at);
          },
          [&](const core::TransferTimedOut& e) {
            b.add("UPDATE interactions SET transfer = NULL WHERE id = $1", e.interaction);
          },
      },
      event.body);
}

}  // namespace contactd::store
