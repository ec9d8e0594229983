#include "harness/database.h"

#include <unistd.h>

#include <atomic>
#include <chrono>

namespace contactd::test {
namespace {
std::atomic<int> counter{0};
}

TestDatabase::TestDatabase(std::string server) : server_(std::move(server)) {
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count() % 1000000;
  name_ = "contactd_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" + std::to_string(stamp);
  admin("CREATE DATABASE " + name_);
}

TestDatabase::~TestDatabase() {
  try {
    admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
  }
}

void TestDatabase::admin(const std::string& sql) {
  pqxx::connection c(server_ + (server_.empty() ? "" : " ") + "dbname=postgres");
  pqxx::nontransaction t(c);
  t.exec(sql);
}

std::string TestDatabase::query(const std::string& sql) {
  pqxx::connection c(url());
  pqxx::work t(c);
  auto r = t.exec(sql);
  t.commit();
  if (r.empty() || r[0].empty() || r[0][0].is_null()) return {};
  return r[0][0].as<std::string>();
}

}  // namespace contactd::test
