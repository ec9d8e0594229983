#pragma once
// Applies one event to the query tables, inside the caller's transaction.
#include <pqxx/pqxx>

#include "core/events.h"

namespace contactd::store {

void project(pqxx::transaction_base& t, const core::Event& event);

}  // namespace contactd::store
