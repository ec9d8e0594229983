#pragma once
// Database steps shared by the subcommands.
#include <memory>
#include <pqxx/pqxx>

#include "app/config.h"

namespace contactd::app {

// Connects, retrying for up to config.connect_wait (the database may still be
// starting, as under docker compose). Throws the last error.
std::unique_ptr<pqxx::connection> connect_with_wait(const Config& config);

// Checks migrations; applies pending ones if `apply`. Returns false (after
// logging why) when the daemon must not run against this database.
bool ensure_schema(pqxx::connection& c, bool apply);

// Holds a session-level advisory lock marking "a contactd owns this database".
// Returns false if another process holds it.
bool take_ownership_lock(pqxx::connection& c);

}  // namespace contactd::app
