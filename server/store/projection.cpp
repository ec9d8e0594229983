#include "store/projection.h"

#include <cstdio>
#include <string>

#include "core/overloaded.h"

#include "core/profile.h"
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

// A JSON string literal (quotes, backslashes and control characters escaped).
std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

std::string path_json(const std::vector<std::uint32_t>& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) out += (i ? "," : "") + std::to_string(path[i]);
  return out + "]";
}

}  // namespace

void project(pqxx::transaction_base& t, const core::Event& event) {
  const long long at = core::to_unix_ms(event.at);
  std::visit(
      Overloaded{
          [&](const core::CampaignCreated& e) {
            t.exec_params("INSERT INTO campaigns (id, name, created_at, settings) VALUES ($1, $2, " + ts(3) +
                              ", $4::jsonb)",
                          e.campaign, e.name, at, settings_json(e.settings));
          },
          [&](const core::CampaignArchived& e) {
            t.exec_params("UPDATE campaigns SET archived = $2 WHERE id = $1", e.campaign, e.archived);
          },
          [&](const core::CampaignUpdated& e) {
            t.exec_params("UPDATE campaigns SET settings = $2::jsonb WHERE id = $1", e.campaign,
                          settings_json(e.settings));
          },
          [&](const core::StatusDefined& e) {
            t.exec_params("INSERT INTO statuses (id, name, created_at) VALUES ($1, $2, " + ts(3) + ")", e.status,
                          e.name, at);
          },
          [&](const core::UserCreated& e) {
            t.exec_params(
                "INSERT INTO users (id, login, display_name, profile, password_hash, created_at, status_since,"
                " presence_since) VALUES ($1, $2, $3, $4, $5, " + ts(6) + ", " + ts(6) + ", " + ts(6) + ")",
                e.user, e.login, e.display_name, std::string(core::to_string(e.profile)), e.password_hash, at);
          },
          [&](const core::MembershipChanged& e) {
            if (e.member)
              t.exec_params("INSERT INTO memberships (user_id, campaign_id, since, position, outbound) VALUES ($1, $2, " +
                                ts(3) + ", $4, $5::text[]) ON CONFLICT (user_id, campaign_id) DO UPDATE"
                                " SET position = EXCLUDED.position, outbound = EXCLUDED.outbound",
                            e.user, e.campaign, at, e.order, channels_array(e.outbound));
            else
              t.exec_params("DELETE FROM memberships WHERE user_id = $1 AND campaign_id = $2", e.user, e.campaign);
          },
          [&](const core::SessionOpened& e) {
            t.exec_params("INSERT INTO sessions (id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, " +
                              ts(4) + ", " + ts(5) + ")",
                          e.session, e.user, e.token_hash, at, core::to_unix_ms(e.expires_at));
          },
          [&](const core::SessionEnded& e) {
            t.exec_params("UPDATE sessions SET ended_at = " + ts(2) + ", end_reason = $3 WHERE id = $1", e.session,
                          at, std::string(core::to_string(e.reason)));
          },
          [&](const core::PresenceChanged& e) {
            t.exec_params("UPDATE users SET connected = $2, presence_since = " + ts(3) + " WHERE id = $1", e.user,
                          e.connected, at);
          },
          [&](const core::AgentStatusChanged& e) {
            t.exec_params("UPDATE users SET status_id = NULLIF($2, 0), status_since = " + ts(3) + " WHERE id = $1",
                          e.user, static_cast<long long>(e.status.value_or(0)), at);
          },
          [&](const core::InteractionOpened& e) {
            const bool queued = e.state == core::InteractionState::pending;
            t.exec_params("INSERT INTO interactions (id, campaign_id, channel, direction, state, customer, priority,"
                          " created_at, queued_at) VALUES ($1, $2, $3, $4, $5, $6, $7, " + ts(8) + ", " +
                              (queued ? ts(8) : std::string("NULL")) + ")",
                          e.interaction, e.campaign, std::string(core::to_string(e.channel)),
                          std::string(core::to_string(e.direction)), std::string(core::to_string(e.state)),
                          e.customer, e.priority, at);
          },
          [&](const core::InteractionQueued& e) {
            t.exec_params("UPDATE interactions SET state = 'pending', campaign_id = $2, owner_id = NULL, queued_at = " +
                              ts(3) + ", bot_deadline = NULL WHERE id = $1",
                          e.interaction, e.campaign, at);
          },
          [&](const core::BotDeadlineSet& e) {
            t.exec_params("UPDATE interactions SET bot_deadline = CASE WHEN $2::bigint = 0 THEN NULL ELSE " + ts(2) +
                              " END WHERE id = $1",
                          e.interaction, e.deadline ? core::to_unix_ms(*e.deadline) : 0LL);
          },
          [&](const core::InteractionAssigned& e) {
            t.exec_params("UPDATE interactions SET state = 'active', campaign_id = $2, owner_id = $3, transfer = NULL,"
                          " assigned_at = " + ts(4) + " WHERE id = $1",
                          e.interaction, e.campaign, e.agent, at);
          },
          [&](const core::InteractionFinished& e) {
            t.exec_params("UPDATE interactions SET state = 'finished', finished_at = " + ts(2) + " WHERE id = $1",
                          e.interaction, at);
          },
          [&](const core::DispositionSaved& e) {
            t.exec_params("UPDATE interactions SET disposition = jsonb_build_object('path', $2::jsonb, 'comment', $3::text,"
                          " 'reschedule_at_ms', $4::bigint, 'by', $5::bigint) WHERE id = $1",
                          e.interaction, path_json(e.path), e.comment,
                          e.reschedule_at ? core::to_unix_ms(*e.reschedule_at) : 0LL, e.by);
          },
          [&](const core::InteractionClosed& e) {
            t.exec_params("UPDATE interactions SET state = 'closed', closed_at = " + ts(2) + " WHERE id = $1",
                          e.interaction, at);
          },
          [&](const core::TransferRequested& e) {
            t.exec_params("UPDATE interactions SET transfer = jsonb_build_object('from', $2::bigint, 'to_agent',"
                          " $3::bigint, 'to_campaign', $4::bigint, 'from_campaign', campaign_id, 'deadline_ms',"
                          " $5::bigint) WHERE id = $1",
                          e.interaction, e.from, e.to_agent, e.to_campaign, core::to_unix_ms(e.deadline));
          },
          [&](const core::MessagePosted& e) {
            std::string attachments = "[";
            for (std::size_t k = 0; k < e.attachments.size(); ++k) {
              const auto& a = e.attachments[k];
              attachments += (k ? "," : "") + std::string("{\"filename\":") + json_string(a.filename) +
                             ",\"size_bytes\":" + std::to_string(a.size_bytes) + ",\"reference\":" +
                             json_string(a.reference) + ",\"voice\":" + (a.voice ? "true" : "false") + "}";
            }
            attachments += "]";
            t.exec_params("INSERT INTO messages (id, interaction_id, sender, author_id, author_name, body, attachments,"
                          " created_at) VALUES ($1, $2, $3, NULLIF($4, 0), $5, $6, $7::jsonb, " + ts(8) + ")",
                          e.message, e.interaction, std::string(core::to_string(e.sender)),
                          static_cast<long long>(e.author), e.author_name, e.text, attachments, at);
          },
          [&](const core::DraftSaved& e) {
            if (e.campaign == 0 && e.fields.empty()) {
              t.exec_params("DELETE FROM drafts WHERE user_id = $1 AND channel = $2", e.user,
                            std::string(core::to_string(e.channel)));
              return;
            }
            std::string fields = "{";
            for (const auto& [k, v] : e.fields) fields += (fields.size() > 1 ? "," : "") + json_string(k) + ":" + json_string(v);
            fields += "}";
            t.exec_params("INSERT INTO drafts (user_id, channel, campaign_id, fields, updated_at) VALUES ($1, $2,"
                          " NULLIF($3, 0), $4::jsonb, " + ts(5) + ") ON CONFLICT (user_id, channel) DO UPDATE SET"
                          " campaign_id = EXCLUDED.campaign_id, fields = EXCLUDED.fields, updated_at = EXCLUDED.updated_at",
                          e.user, std::string(core::to_string(e.channel)), static_cast<long long>(e.campaign), fields, at);
          },
          [&](const core::AgentLoadChanged& e) {
            t.exec_params("UPDATE users SET talk_ms = $2, idle_since = " + ts(3) + " WHERE id = $1", e.user,
                          e.talk_ms, core::to_unix_ms(e.idle_since));
          },
          [&](const core::CustomerDeparted& e) {
            t.exec_params("UPDATE interactions SET customer_left_at = " + ts(2) + " WHERE id = $1", e.interaction, at);
          },
          [&](const core::TransferTimedOut& e) {
            t.exec_params("UPDATE interactions SET transfer = NULL WHERE id = $1", e.interaction);
          },
      },
      event.body);
}

}  // namespace contactd::store
