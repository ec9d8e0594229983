#include "store/projection.h"

#include <string>

#include "core/profile.h"

namespace contactd::store {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// $n as timestamptz from Unix milliseconds.
std::string ts(int n) { return "to_timestamp($" + std::to_string(n) + "::bigint / 1000.0)"; }

}  // namespace

void project(pqxx::transaction_base& t, const core::Event& event) {
  const long long at = core::to_unix_ms(event.at);
  std::visit(
      Overloaded{
          [&](const core::CampaignCreated& e) {
            t.exec_params("INSERT INTO campaigns (id, name, created_at) VALUES ($1, $2, " + ts(3) + ")",
                          e.campaign, e.name, at);
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
              t.exec_params("INSERT INTO memberships (user_id, campaign_id, since) VALUES ($1, $2, " + ts(3) +
                                ") ON CONFLICT DO NOTHING",
                            e.user, e.campaign, at);
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
      },
      event.body);
}

}  // namespace contactd::store
