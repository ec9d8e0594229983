#include "store/loader.h"

#include <map>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "core/time.h"
#include "store/database.h"
#include "wire/campaign_mapping.h"

namespace contactd::store {
namespace {

// A flat JSON object of strings or numbers, as the projection writes them.
std::map<std::string, std::string> json_object(const std::string& json) {
  google::protobuf::Struct message;
  if (!google::protobuf::util::JsonStringToMessage(json, &message).ok())
    throw std::runtime_error("unreadable JSON object in the database: " + json.substr(0, 80));
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : message.fields()) {
    if (v.has_string_value()) out[k] = v.string_value();
    else if (v.has_number_value()) out[k] = std::to_string(static_cast<long long>(v.number_value()));
  }
  return out;
}

// A JSON array of strings, as the projection writes them.
std::vector<std::string> json_strings(const std::string& json) {
  google::protobuf::Struct message;
  if (!google::protobuf::util::JsonStringToMessage("{\"list\":" + json + "}", &message).ok())
    throw std::runtime_error("unreadable JSON array in the database: " + json.substr(0, 80));
  std::vector<std::string> out;
  for (const auto& v : message.fields().at("list").list_value().values()) out.push_back(v.string_value());
  return out;
}

// Provider accounts with their secrets, and their templates.
void load_accounts(pqxx::work& t, core::EngineState& st) {
  for (const auto& r : t.exec("SELECT id, provider, name, phone_number_id, business_account_id, app_name, source_number,"
                              " base_url, secrets::text FROM provider_accounts ORDER BY id")) {
    core::ProviderAccount a;
    a.id = r[0].as<core::AccountId>();
    auto provider = core::provider_from_string(r[1].as<std::string>());
    if (!provider) throw std::runtime_error("provider account " + std::to_string(a.id) + " has an unknown provider");
    a.provider = *provider;
    a.name = r[2].as<std::string>();
    a.phone_number_id = r[3].as<std::string>();
    a.business_account_id = r[4].as<std::string>();
    a.app_name = r[5].as<std::string>();
    a.source_number = r[6].as<std::string>();
    a.base_url = r[7].as<std::string>();
    a.secrets = json_object(r[8].as<std::string>());
    st.accounts.push_back(std::move(a));
  }
  for (const auto& r : t.exec("SELECT account_id, name, language, category, body, header_media, buttons::text,"
                              " provider_template_id FROM templates ORDER BY account_id, name, language"))
    st.templates.push_back(core::EngineState::AccountTemplate{
        r[0].as<core::AccountId>(),
        core::Template{r[1].as<std::string>(), r[2].as<std::string>(), r[3].as<std::string>(), r[4].as<std::string>(),
                       r[5].as<std::string>(), json_strings(r[6].as<std::string>()), r[7].as<std::string>()}});
  st.last_account_id = t.exec1("SELECT COALESCE(max(id), 0) FROM provider_accounts")[0].as<std::uint64_t>();
}

// The message records of open, unfinished text interactions (R-MSG-5/6), and
// when each open interaction's customer last wrote (R-OUT-3).
void load_conversations(pqxx::work& t, core::EngineState& st) {
  std::map<std::uint64_t, core::EngineState::OpenInteraction*> open;
  for (auto& loaded : st.interactions) open[loaded.interaction.id] = &loaded;
  for (const auto& r : t.exec("SELECT m.interaction_id, " + ms_of("max(m.created_at)") +
                              " FROM messages m JOIN interactions i ON i.id = m.interaction_id"
                              " WHERE i.state <> 'closed' AND m.sender = 'customer' GROUP BY m.interaction_id"))
    if (auto it = open.find(r[0].as<std::uint64_t>()); it != open.end())
      it->second->interaction.last_customer_message_at = core::from_unix_ms(r[1].as<long long>());
  for (const auto& r : t.exec(
           "SELECT m.interaction_id, m.id, m.sender, m.state, COALESCE(m.provider_message_id, ''), m.author_name,"
           " left(m.body, 200), COALESCE(m.attachments->0->>'filename', ''), COALESCE(m.attachments->0->>'reference', ''),"
           " COALESCE((SELECT string_agg(COALESCE(a->>'state', 'ready'), ',' ORDER BY n)"
           "   FROM jsonb_array_elements(m.attachments) WITH ORDINALITY x(a, n)), '')"
           " FROM messages m JOIN interactions i ON i.id = m.interaction_id"
           " WHERE i.state NOT IN ('closed', 'finished') ORDER BY m.interaction_id, m.id")) {
    auto it = open.find(r[0].as<std::uint64_t>());
    if (it == open.end()) continue;
    core::MessageRecord rec;
    rec.id = r[1].as<core::MessageId>();
    const auto sender = r[2].as<std::string>();
    rec.sender = sender == "agent" ? core::Sender::agent : sender == "bot" ? core::Sender::bot : core::Sender::customer;
    rec.state = core::message_state_from_string(r[3].as<std::string>()).value_or(core::MessageState::received);
    rec.provider_message_id = r[4].as<std::string>();
    rec.author_name = r[5].as<std::string>();
    rec.excerpt = core::excerpt(r[6].as<std::string>());
    rec.filename = r[7].as<std::string>();
    rec.preview_reference = r[8].as<std::string>();
    std::stringstream states(r[9].as<std::string>());
    for (std::string s; std::getline(states, s, ',');)
      rec.attachments.push_back(core::attachment_state_from_string(s).value_or(core::AttachmentState::ready));
    it->second->messages.push_back(std::move(rec));
  }
}

// R-MSG-7: the last message of each open interaction (the snapshot's preview).
void load_last_messages(pqxx::transaction_base& t, core::EngineState& st) {
  std::unordered_map<core::InteractionId, core::Interaction*> open;
  for (auto& loaded : st.interactions) open.emplace(loaded.interaction.id, &loaded.interaction);
  for (const auto& r : t.exec(
           "SELECT DISTINCT ON (m.interaction_id) m.interaction_id, m.id, m.sender, m.author_name,"
           " left(m.body, " + std::to_string(core::kPreviewTextBytes) + "), " + ms_of("m.created_at") +
           ", jsonb_array_length(m.attachments) FROM messages m JOIN interactions i ON i.id = m.interaction_id"
           " WHERE i.state <> 'closed' ORDER BY m.interaction_id, m.id DESC")) {
    auto it = open.find(r[0].as<core::InteractionId>());
    if (it == open.end()) continue;
    const auto sender = r[2].as<std::string>();
    it->second->last_message = core::make_preview(
        r[1].as<core::MessageId>(),
        sender == "agent" ? core::Sender::agent : sender == "bot" ? core::Sender::bot : core::Sender::customer,
        r[3].as<std::string>(), r[4].as<std::string>(), core::from_unix_ms(r[5].as<long long>()),
        r[6].as<std::size_t>());
  }
}

}  // namespace

core::EngineState load_state(pqxx::connection& c) {
  pqxx::work t(c);
  t.exec("UPDATE users SET connected = false, presence_since = now() WHERE connected");
  core::EngineState st;

  std::map<core::CampaignId, std::size_t> campaign_index;
  for (const auto& r : t.exec("SELECT id, name, settings::text, archived FROM campaigns ORDER BY id")) {
    core::Campaign c;
    c.id = r[0].as<core::CampaignId>();
    c.name = r[1].as<std::string>();
    c.archived = r[3].as<bool>();
    wire::v1::CampaignSettings message;
    const auto json = r[2].as<std::string>();
    if (json != "{}") {
      if (!google::protobuf::util::JsonStringToMessage(json, &message).ok())
        throw std::runtime_error("campaign " + c.name + " has unreadable settings");
      if (auto e = wire::from_proto(message, &c.settings))
        throw std::runtime_error("campaign " + c.name + " has invalid settings: " + e->message);
    }
    campaign_index[c.id] = st.campaigns.size();
    st.campaigns.push_back(std::move(c));
  }
  for (const auto& r : t.exec("SELECT id, name FROM statuses WHERE removed_at IS NULL ORDER BY id"))
    st.statuses.push_back(core::Status{r[0].as<core::StatusId>(), r[1].as<std::string>()});

  std::map<core::UserId, std::size_t> user_index;
  for (const auto& r : t.exec("SELECT id, login, display_name, profile, password_hash, status_id, " +
                              ms_of("status_since") + ", " + ms_of("presence_since") + ", talk_ms, " +
                              ms_of("COALESCE(idle_since, created_at)") +
                              ", active, capacity::text, " + ms_of("wrap_up_until") +
                              ", sip_secret, phone_contact, phone_source, " + ms_of("phone_expires_at") +
                              " FROM users ORDER BY id")) {
    core::User u;
    u.id = r[0].as<core::UserId>();
    u.login = r[1].as<std::string>();
    u.display_name = r[2].as<std::string>();
    auto profile = core::profile_from_string(r[3].as<std::string>());
    if (!profile) throw std::runtime_error("user " + u.login + " has an unknown profile");
    u.profile = *profile;
    u.password_hash = r[4].as<std::string>();
    if (!r[5].is_null()) u.status = r[5].as<core::StatusId>();
    u.status_since = core::from_unix_ms(r[6].as<long long>());
    u.presence_since = core::from_unix_ms(r[7].as<long long>());
    u.talk_ms = r[8].as<std::int64_t>();
    u.idle_since = core::from_unix_ms(r[9].as<long long>());
    u.deactivated = !r[10].as<bool>();
    for (const auto& [channel, capacity] : json_object(r[11].as<std::string>()))
      if (auto ch = core::channel_from_string(channel)) u.capacity[core::index(*ch)] = static_cast<std::uint16_t>(std::stoul(capacity));
    if (!r[12].is_null()) u.wrap_up_until = core::from_unix_ms(r[12].as<long long>());
    u.sip_secret = r[13].as<std::string>();
    if (!r[14].is_null())  // an expired binding ends on the first tick
      u.phone = core::PhoneBinding{r[14].as<std::string>(), r[15].as<std::string>(),
                                   core::from_unix_ms(r[16].as<long long>())};
    user_index[u.id] = st.users.size();
    st.users.push_back(std::move(u));
  }
  for (const auto& r : t.exec("SELECT user_id, campaign_id, position, array_to_string(outbound, ',') FROM memberships")) {
    auto user = r[0].as<core::UserId>();
    auto campaign = r[1].as<core::CampaignId>();
    core::Membership m;
    m.order = r[2].as<std::int32_t>();
    std::stringstream channels(r[3].as<std::string>());
    for (std::string name; std::getline(channels, name, ',');)
      if (auto ch = core::channel_from_string(name)) m.outbound.set(core::index(*ch));
    st.users[user_index.at(user)].campaigns.insert(campaign);
    st.campaigns[campaign_index.at(campaign)].members.emplace(user, m);
  }
  for (const auto& r : t.exec("SELECT d.user_id, d.channel, COALESCE(d.campaign_id, 0), f.key, f.value"
                              " FROM drafts d LEFT JOIN LATERAL jsonb_each_text(d.fields) f ON true")) {
    auto channel = core::channel_from_string(r[1].as<std::string>());
    if (!channel) continue;
    core::Draft& draft = st.users[user_index.at(r[0].as<core::UserId>())].drafts[*channel];
    draft.campaign = r[2].as<core::CampaignId>();
    if (!r[3].is_null()) draft.fields[r[3].as<std::string>()] = r[4].as<std::string>();
  }
  for (const auto& r : t.exec("SELECT user_id, campaign_id, COALESCE(interaction_id, 0), fields::text FROM form_drafts")) {
    core::FormDraft& draft = st.users[user_index.at(r[0].as<core::UserId>())].form_drafts[r[1].as<core::CampaignId>()];
    draft.interaction = r[2].as<std::uint64_t>();
    draft.fields = json_object(r[3].as<std::string>());
  }
  for (const auto& r : t.exec("SELECT id, name, fields::text FROM contacts ORDER BY id"))
    st.contacts.push_back(core::Contact{r[0].as<core::ContactId>(), r[1].as<std::string>(), {}, json_object(r[2].as<std::string>())});
  {
    std::size_t k = 0;
    for (const auto& r : t.exec("SELECT contact_id, channel, address FROM contact_addresses ORDER BY contact_id, position")) {
      const auto id = r[0].as<core::ContactId>();
      while (k < st.contacts.size() && st.contacts[k].id < id) ++k;
      auto channel = core::channel_from_string(r[1].as<std::string>());
      if (k == st.contacts.size() || st.contacts[k].id != id || !channel) continue;
      st.contacts[k].addresses.push_back(core::ContactAddress{*channel, r[2].as<std::string>()});
    }
    // R-SEC-4/CRM: the campaigns and owners of each contact's closed interactions.
    for (const auto& r : t.exec("SELECT DISTINCT contact_id, campaign_id, COALESCE(owner_id, 0) FROM interactions"
                                " WHERE state = 'closed' AND contact_id IS NOT NULL"))
      st.contact_work[r[0].as<core::ContactId>()].insert(
          core::ContactTouch{r[1].as<core::CampaignId>(), r[2].as<core::UserId>()});
  }
  std::map<std::uint64_t, core::AttemptId> next_attempt;  // interaction -> its scheduled reschedule
  for (const auto& r : t.exec("SELECT id, campaign_id, channel, COALESCE(contact_id, 0), address, list, origin,"
                              " COALESCE(from_interaction_id, 0), " + ms_of("due_at") +
                              " FROM attempts WHERE state = 'scheduled' ORDER BY id")) {
    auto channel = core::channel_from_string(r[2].as<std::string>());
    if (!channel) throw std::runtime_error("attempt " + r[0].as<std::string>() + " has an unknown channel");
    core::Attempt a{r[0].as<core::AttemptId>(), r[1].as<core::CampaignId>(), *channel, r[3].as<core::ContactId>(),
                    r[4].as<std::string>(), r[5].as<std::string>(), core::from_unix_ms(r[8].as<long long>()),
                    r[6].as<std::string>() == "reschedule" ? core::AttemptOrigin::reschedule : core::AttemptOrigin::list,
                    r[7].as<std::uint64_t>()};
    if (a.from_interaction) next_attempt[a.from_interaction] = a.id;
    st.attempts.push_back(std::move(a));
  }
  for (const auto& r : t.exec("SELECT id, user_id, token_hash, " + ms_of("expires_at") +
                              " FROM sessions WHERE ended_at IS NULL ORDER BY id")) {
    st.sessions.push_back(core::Session{r[0].as<core::SessionId>(), r[1].as<core::UserId>(),
                                        r[2].as<std::string>(), core::from_unix_ms(r[3].as<long long>()),
                                        std::nullopt});
  }
  // Open interactions; pending ones in queue order (priority is applied by the engine).
  for (const auto& r : t.exec(
           "SELECT id, campaign_id, channel, direction, state, customer, priority, COALESCE(owner_id, 0), " +
           ms_of("created_at") + ", COALESCE(" + ms_of("assigned_at") + ", 0), COALESCE(" + ms_of("bot_deadline") +
           ", 0), (transfer->>'from')::bigint, (transfer->>'to_agent')::bigint, (transfer->>'to_campaign')::bigint,"
           " (transfer->>'from_campaign')::bigint, (transfer->>'deadline_ms')::bigint,"
           " array_to_string(ARRAY(SELECT jsonb_array_elements_text(disposition->'path')), ','),"
           " disposition->>'comment', (disposition->>'reschedule_at_ms')::bigint,"
           " COALESCE(attempt_id, 0), COALESCE(contact_id, 0), COALESCE(account_id, 0), display_name, customer_alt_id"
           " FROM interactions WHERE state <> 'closed' ORDER BY queued_at NULLS LAST, id")) {
    core::EngineState::OpenInteraction loaded;
    core::Interaction& i = loaded.interaction;
    i.id = r[0].as<std::uint64_t>();
    i.campaign = r[1].as<core::CampaignId>();
    auto channel = core::channel_from_string(r[2].as<std::string>());
    if (!channel) throw std::runtime_error("interaction " + std::to_string(i.id) + " has an unknown channel");
    i.channel = *channel;
    i.direction = r[3].as<std::string>() == "outbound" ? core::Direction::outbound : core::Direction::inbound;
    const auto state = r[4].as<std::string>();
    i.state = state == "bot"       ? core::InteractionState::bot
              : state == "pending" ? core::InteractionState::pending
              : state == "active"  ? core::InteractionState::active
                                   : core::InteractionState::finished;
    i.customer = r[5].as<std::string>();
    i.priority = r[6].as<std::int32_t>();
    i.owner = r[7].as<core::UserId>();
    i.created_at = core::from_unix_ms(r[8].as<long long>());
    i.assigned_at = core::from_unix_ms(r[9].as<long long>());
    if (const auto bot = r[10].as<long long>(); bot != 0) loaded.bot_deadline = core::from_unix_ms(bot);
    if (!r[11].is_null()) {
      i.transfer = core::PendingTransfer{r[11].as<core::UserId>(), r[12].as<core::UserId>(),
                                         r[13].as<core::CampaignId>(), r[14].as<core::CampaignId>(),
                                         core::from_unix_ms(r[15].as<long long>())};
    }
    if (!r[16].is_null() && !r[17].is_null()) {
      core::SavedDisposition d;
      std::stringstream path(r[16].as<std::string>());
      for (std::string id; std::getline(path, id, ',');) d.path.push_back(static_cast<std::uint32_t>(std::stoul(id)));
      d.comment = r[17].as<std::string>();
      if (const auto at = r[18].as<long long>(); at != 0) d.reschedule_at = core::from_unix_ms(at);
      i.disposition = std::move(d);
    }
    i.attempt = r[19].as<std::uint64_t>();
    i.contact = r[20].as<std::uint64_t>();
    i.account = r[21].as<std::uint64_t>();
    i.display_name = r[22].as<std::string>();
    i.customer_alt_id = r[23].as<std::string>();
    if (auto n = next_attempt.find(i.id); n != next_attempt.end()) i.next_attempt = n->second;
    st.interactions.push_back(std::move(loaded));
  }
  load_conversations(t, st);
  load_accounts(t, st);
  load_last_messages(t, st);
  st.last_interaction_id = t.exec1("SELECT COALESCE(max(id), 0) FROM interactions")[0].as<std::uint64_t>();
  st.last_message_id = t.exec1("SELECT COALESCE(max(id), 0) FROM messages")[0].as<std::uint64_t>();
  st.loaded_at = core::from_unix_ms(t.exec1("SELECT " + ms_of("now()"))[0].as<long long>());

  auto max_of = [&](const char* table, const char* col) {
    return t.exec1(std::string("SELECT COALESCE(max(") + col + "), 0) FROM " + table)[0].as<std::uint64_t>();
  };
  st.last_seq = max_of("journal", "seq");
  st.last_user_id = max_of("users", "id");
  st.last_campaign_id = max_of("campaigns", "id");
  st.last_status_id = max_of("statuses", "id");
  st.last_session_id = max_of("sessions", "id");
  st.last_contact_id = max_of("contacts", "id");
  st.last_attempt_id = max_of("attempts", "id");
  t.commit();
  return st;
}

}  // namespace contactd::store
