#pragma once
// Connecting to PostgreSQL and converting times.
#include <memory>
#include <pqxx/pqxx>
#include <string>

#include "core/time.h"

namespace contactd::store {

// Opens a connection. `url` is a libpq connection string or URI; empty means
// libpq's defaults (PGHOST, PGPORT, PGUSER...). Throws pqxx::broken_connection.
std::unique_ptr<pqxx::connection> connect(const std::string& url);

// Reads a timestamptz column `col` as Unix milliseconds.
std::string ms_of(const std::string& col);

}  // namespace contactd::store
