#pragma once
// A running contactd on a fresh database, and lookups into its seeded directory.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <utility>
#include <vector>

#include "harness/client.h"
#include "harness/daemon.h"
#include "harness/database.h"
#include "harness/http.h"

namespace contactd::test {

struct World {
  explicit World(DaemonOptions options = {}) : daemon(db, options) { daemon.start(); }
  TestDatabase db;
  Daemon daemon;
  std::uint16_t port() const { return daemon.port(); }
};

// Logs in on `client` and requires success.
inline v1::LoginResult must_login(Client& client, const std::string& login, const std::string& password) {
  auto e = client.login(login, password);
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  REQUIRE(e.response().has_login());
  return e.response().login();
}

inline std::uint64_t status_id(const v1::Snapshot& s, const std::string& name) {
  for (const auto& st : s.statuses())
    if (st.name() == name) return st.id();
  FAIL("no status " << name);
  return 0;
}

inline const v1::UserState* overseen(const v1::Snapshot& s, const std::string& login) {
  for (const auto& u : s.overseen())
    if (u.login() == login) return &u;
  return nullptr;
}

inline void require_ack(const v1::Envelope& e) {
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  REQUIRE(e.response().has_ack());
}

// The id in a Created response (fails the test otherwise).
inline std::uint64_t created_id(const v1::Envelope& e) {
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  REQUIRE(e.response().has_created());
  return e.response().created().id();
}

// Makes `user` a member of `campaign` (as an administrator's client).
inline void join(Client& admin, std::uint64_t user, std::uint64_t campaign) {
  v1::Command c;
  c.mutable_set_membership()->set_user_id(user);
  c.mutable_set_membership()->set_campaign_id(campaign);
  c.mutable_set_membership()->set_member(true);
  require_ack(admin.request(c));
}

// Replaces `campaign`'s settings (as an administrator's client): WebChat
// (built in) with `strategy`, plus `more` channels with their providers.
inline v1::Command webchat_settings(std::uint64_t campaign, v1::Strategy strategy,
                                    std::vector<std::pair<v1::Channel, v1::Provider>> more = {}) {
  v1::Command c;
  c.mutable_update_campaign()->set_campaign_id(campaign);
  auto* s = c.mutable_update_campaign()->mutable_settings();
  s->set_strategy(strategy);
  more.insert(more.begin(), {v1::CHANNEL_WEBCHAT, v1::PROVIDER_BUILTIN});
  for (auto [channel, provider] : more) {
    auto* ch = s->add_channels();
    ch->set_channel(channel);
    ch->set_enabled(true);
    ch->set_provider(provider);
  }
  return c;
}

// Reads events until one of the wanted kind arrives (others are skipped).
// `timeout` per frame: events behind a server-side timer need more than the
// timer itself (a 5 s transfer timeout races a 5 s read).
inline v1::Event next_of(Client& c, v1::Event::KindCase kind,
                         std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  for (int n = 0; n < 30; ++n) {
    auto e = c.next_event(timeout).event();
    if (e.kind_case() == kind) return e;
  }
  FAIL("no event of the wanted kind");
  return {};
}

// Reads frames until an event satisfying `pred` arrives (others are skipped);
// fails the test after `timeout` in all.
template <class Pred>
v1::Envelope wait_for(Client& c, Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    REQUIRE(left.count() > 0);
    auto e = c.next_frame(left);
    if (e.has_event() && pred(e.event())) return e;
  }
}

// Polls `sql` until it answers `expected` (the daemon works asynchronously);
// a failed check after `timeout`.
inline void eventually(TestDatabase& db, const std::string& sql, const std::string& expected,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::string got;
  while (std::chrono::steady_clock::now() < until) {
    got = db.query(sql);
    if (got == expected) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(sql);
  CHECK(got == expected);
}

}  // namespace contactd::test
