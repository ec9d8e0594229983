#pragma once
// Rebuilds the engine's state from the query tables.
#include <pqxx/pqxx>

#include "core/model.h"

namespace contactd::store {

// Marks every user disconnected (connections do not survive a restart) and
// returns what the engine needs. Sessions not ended are returned even if
// expired: the engine's first tick ends them with a journaled event.
core::EngineState load_state(pqxx::connection& c);

}  // namespace contactd::store
