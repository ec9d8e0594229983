#pragma once
// A fresh database per test in the PostgreSQL named by the environment
// (PGHOST, PGPORT, PGUSER...: pg_virtualenv sets them). Dropped at the end.
#include <pqxx/pqxx>
#include <string>

namespace contactd::test {

class TestDatabase {
 public:
  // `server`: libpq keywords naming the server; empty: the environment's.
  explicit TestDatabase(std::string server = "");
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // A libpq connection string for this database (the rest from the environment).
  std::string url() const { return server_ + (server_.empty() ? "" : " ") + "dbname=" + name_; }
  // Runs SQL in this database; returns the first column of the first row, if any.
  std::string query(const std::string& sql);
  // Runs SQL in the maintenance database (for ALTER DATABASE and the like).
  void admin(const std::string& sql);

 private:
  std::string server_;
  std::string name_;
};

}  // namespace contactd::test
