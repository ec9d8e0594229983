#include "app/database_tools.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "store/database.h"
#include "store/migrations.h"

namespace contactd::app {

std::unique_ptr<pqxx::connection> connect_with_wait(const Config& config) {
  const auto deadline = std::chrono::steady_clock::now() + config.connect_wait;
  for (int attempt = 1;; ++attempt) {
    try {
      return store::connect(config.database_url);
    } catch (const std::exception& e) {
      if (std::chrono::steady_clock::now() >= deadline) throw;
      if (attempt == 1) spdlog::warn("database not reachable yet, retrying: {}", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
}

bool ensure_schema(pqxx::connection& c, bool apply) {
  auto report = store::inspect_migrations(c);
  if (!report.problem.empty()) {
    spdlog::critical("refusing to run: {}", report.problem);
    return false;
  }
  if (report.pending.empty()) return true;
  if (!apply) {
    spdlog::critical("refusing to run: {} migration(s) pending; run 'contactd migrate' (or set database.auto_migrate)",
                     report.pending.size());
    return false;
  }
  auto done = store::apply_migrations(c);
  spdlog::info("applied {} migration(s); schema at version {}", report.pending.size(), done.applied.back());
  return true;
}

bool take_ownership_lock(pqxx::connection& c) {
  pqxx::nontransaction t(c);
  return t.exec1("SELECT pg_try_advisory_lock(7277007277)")[0].as<bool>();
}

}  // namespace contactd::app
