#include "harness/private_cluster.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace contactd::test {
namespace {

const std::string kBin = "/usr/lib/postgresql/15/bin/";

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

PrivateCluster::PrivateCluster() : port_(free_port()), as_postgres_(::geteuid() == 0) {
  char templ[] = "/tmp/contactd-pg-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  if (as_postgres_ && std::system(("chown postgres: '" + dir_ + "'").c_str()) != 0)
    throw std::runtime_error("cannot hand " + dir_ + " to the postgres user");
  if (run(kBin + "initdb -D '" + dir_ + "/data' -U postgres -A trust --no-sync > '" + dir_ + "/initdb.log' 2>&1") != 0)
    throw std::runtime_error("initdb failed: see " + dir_ + "/initdb.log");
  start();
}

PrivateCluster::~PrivateCluster() {
  run(kBin + "pg_ctl -D '" + dir_ + "/data' -m immediate stop > /dev/null 2>&1");
  [[maybe_unused]] int rc = std::system(("rm -rf '" + dir_ + "'").c_str());
}

int PrivateCluster::run(const std::string& command) const {
  const std::string line = as_postgres_ ? "runuser -u postgres -- sh -c \"" + command + "\"" : command;
  return std::system(line.c_str());
}

void PrivateCluster::start() {
  const std::string options = "-p " + std::to_string(port_) + " -k " + dir_ + " -c listen_addresses='' -c fsync=off";
  if (run(kBin + "pg_ctl -D '" + dir_ + "/data' -l '" + dir_ + "/postgres.log' -o \\\"" + options + "\\\" -w start > /dev/null") != 0)
    throw std::runtime_error("pg_ctl start failed: see " + dir_ + "/postgres.log");
}

void PrivateCluster::stop() {
  if (run(kBin + "pg_ctl -D '" + dir_ + "/data' -m fast -w stop > /dev/null") != 0)
    throw std::runtime_error("pg_ctl stop failed");
}

std::string PrivateCluster::server() const {
  return "host=" + dir_ + " port=" + std::to_string(port_) + " user=postgres";
}

}  // namespace contactd::test
