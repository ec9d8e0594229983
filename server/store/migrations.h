#pragma once
// Forward-only schema migrations, compiled into the binary from migrations/*.sql.
// The database records each applied migration with a checksum; a changed or
// unknown migration stops the daemon rather than guessing.
#include <pqxx/pqxx>
#include <string>
#include <vector>

namespace contactd::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& embedded_migrations();
std::string migration_checksum(const Migration& m);  // hex SHA-256 of the SQL

struct MigrationReport {
  std::vector<int> applied;  // versions recorded in the database
  std::vector<int> pending;  // known to the binary, not yet applied
  std::string problem;       // non-empty: changed or unknown migration; do not run
  bool up_to_date() const { return problem.empty() && pending.empty(); }
};

// Reads the database's migration table (creating it if missing).
MigrationReport inspect_migrations(pqxx::connection& c);
// Applies every pending migration, each in its own transaction, under an
// advisory lock so that two processes never migrate at once. Throws
// std::runtime_error when the report has a problem.
MigrationReport apply_migrations(pqxx::connection& c);

}  // namespace contactd::store
