#include "store/migrations.h"

#include <sodium.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace contactd::store {
namespace {

constexpr long long kMigrationLock = 0x636f6e7461637464;  // "contactd"

void ensure_table(pqxx::connection& c) {
  pqxx::work w(c);
  w.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
      " applied_at timestamptz NOT NULL DEFAULT now())");
  w.commit();
}

MigrationReport compare(pqxx::transaction_base& t) {
  MigrationReport report;
  std::map<int, std::string> recorded;
  for (const auto& row : t.exec("SELECT version, checksum FROM schema_migrations ORDER BY version"))
    recorded.emplace(row[0].as<int>(), row[1].as<std::string>());
  std::map<int, const Migration*> known;
  for (const auto& m : embedded_migrations()) known.emplace(m.version, &m);
  for (const auto& [version, checksum] : recorded) {
    report.applied.push_back(version);
    auto it = known.find(version);
    if (it == known.end()) {
      report.problem = "database has migration " + std::to_string(version) +
                       " that this binary does not know (is the binary older than the database?)";
    } else if (migration_checksum(*it->second) != checksum) {
      report.problem = "migration " + std::string(it->second->name) + " changed after it was applied";
    }
  }
  for (const auto& [version, m] : known)
    if (!recorded.count(version)) report.pending.push_back(version);
  return report;
}

}  // namespace

std::string migration_checksum(const Migration& m) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  const std::string_view sql(m.sql);
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(sql.data()), sql.size());
  char hex[2 * crypto_hash_sha256_BYTES + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

MigrationReport inspect_migrations(pqxx::connection& c) {
  ensure_table(c);
  pqxx::read_transaction t(c);
  return compare(t);
}

MigrationReport apply_migrations(pqxx::connection& c) {
  ensure_table(c);
  for (;;) {
    pqxx::work w(c);
    w.exec("SELECT pg_advisory_xact_lock(" + std::to_string(kMigrationLock) + ")");
    MigrationReport report = compare(w);
    if (!report.problem.empty()) throw std::runtime_error(report.problem);
    if (report.pending.empty()) return report;
    const int version = report.pending.front();
    const auto& all = embedded_migrations();
    const auto& m = *std::find_if(all.begin(), all.end(), [&](const Migration& x) { return x.version == version; });
    w.exec(m.sql);
    w.exec_params("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", m.version, m.name,
                  migration_checksum(m));
    w.commit();
  }
}

}  // namespace contactd::store
