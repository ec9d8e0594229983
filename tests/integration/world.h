#pragma once
// A running contactd on a fresh database, and lookups into its seeded directory.
#include <catch2/catch.hpp>

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

}  // namespace contactd::test
