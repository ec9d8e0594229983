#pragma once
// A PostgreSQL cluster of the test's own, for tests that stop and start the
// database under a running contactd. initdb in a temporary directory (as the
// postgres user when run as root), a Unix socket there, trust authentication.
#include <cstdint>
#include <string>

namespace contactd::test {

class PrivateCluster {
 public:
  PrivateCluster();   // initdb and start; throws on failure
  ~PrivateCluster();  // stop and remove
  PrivateCluster(const PrivateCluster&) = delete;
  PrivateCluster& operator=(const PrivateCluster&) = delete;

  void start();
  void stop();  // fast shutdown: connections are cut
  // libpq keywords naming the server ("host=... port=... user=postgres").
  std::string server() const;

 private:
  int run(const std::string& command) const;  // as the cluster's owner
  std::string dir_;
  std::uint16_t port_{0};
  bool as_postgres_{false};
};

}  // namespace contactd::test
