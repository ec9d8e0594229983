#include "store/loader.h"

#include <map>
#include <stdexcept>

#include "store/database.h"

namespace contactd::store {

core::EngineState load_state(pqxx::connection& c) {
  pqxx::work t(c);
  t.exec("UPDATE users SET connected = false, presence_since = now() WHERE connected");
  core::EngineState st;

  std::map<core::CampaignId, std::size_t> campaign_index;
  for (const auto& r : t.exec("SELECT id, name FROM campaigns ORDER BY id")) {
    campaign_index[r[0].as<core::CampaignId>()] = st.campaigns.size();
    st.campaigns.push_back(core::Campaign{r[0].as<core::CampaignId>(), r[1].as<std::string>(), {}});
  }
  for (const auto& r : t.exec("SELECT id, name FROM statuses ORDER BY id"))
    st.statuses.push_back(core::Status{r[0].as<core::StatusId>(), r[1].as<std::string>()});

  std::map<core::UserId, std::size_t> user_index;
  for (const auto& r : t.exec("SELECT id, login, display_name, profile, password_hash, status_id, " +
                              ms_of("status_since") + ", " + ms_of("presence_since") + " FROM users ORDER BY id")) {
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
    user_index[u.id] = st.users.size();
    st.users.push_back(std::move(u));
  }
  for (const auto& r : t.exec("SELECT user_id, campaign_id FROM memberships")) {
    auto user = r[0].as<core::UserId>();
    auto campaign = r[1].as<core::CampaignId>();
    st.users[user_index.at(user)].campaigns.insert(campaign);
    st.campaigns[campaign_index.at(campaign)].members.insert(user);
  }
  for (const auto& r : t.exec("SELECT id, user_id, token_hash, " + ms_of("expires_at") +
                              " FROM sessions WHERE ended_at IS NULL ORDER BY id")) {
    st.sessions.push_back(core::Session{r[0].as<core::SessionId>(), r[1].as<core::UserId>(),
                                        r[2].as<std::string>(), core::from_unix_ms(r[3].as<long long>()),
                                        std::nullopt});
  }
  auto max_of = [&](const char* table, const char* col) {
    return t.exec1(std::string("SELECT COALESCE(max(") + col + "), 0) FROM " + table)[0].as<std::uint64_t>();
  };
  st.last_seq = max_of("journal", "seq");
  st.last_user_id = max_of("users", "id");
  st.last_campaign_id = max_of("campaigns", "id");
  st.last_status_id = max_of("statuses", "id");
  st.last_session_id = max_of("sessions", "id");
  t.commit();
  return st;
}

}  // namespace contactd::store
