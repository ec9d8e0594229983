// Restart-to-ready (issue 4): how long `contactd serve` takes from exec to
// READY=1 (systemd's notification) with 100,000 open interactions in the
// database, against the same on a database with none (the baseline: process
// start, connections, migrations check), in the same run.
//
//   pg_virtualenv -v 15 -- build/bench/restart_bench [interactions]
// Creates and drops its own databases.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/engine.h"
#include "store/database.h"
#include "store/journal.h"
#include "store/migrations.h"

using namespace contactd;
using Stopwatch = std::chrono::steady_clock;

namespace {

std::string make_database(const std::string& name) {
  auto admin = store::connect("dbname=postgres");
  pqxx::nontransaction(*admin).exec("CREATE DATABASE " + name);
  auto c = store::connect("dbname=" + name);
  store::apply_migrations(*c);
  return "dbname=" + name;
}

void drop_database(const std::string& name) {
  auto admin = store::connect("dbname=postgres");
  pqxx::nontransaction(*admin).exec("DROP DATABASE " + name + " WITH (FORCE)");
}

// Decides `n` customer contacts (pending, in one campaign) and makes them durable.
void fill(const std::string& url, std::size_t n) {
  core::Engine engine;
  core::CampaignSettings settings;
  settings.channels[core::index(core::Channel::webchat)] = core::ChannelSettings{true, core::Provider::builtin};
  const auto now = core::from_unix_ms(1'790'000'000'000);
  store::PgJournal journal(url);
  journal.start();
  auto o = engine.handle(core::Command{core::Actor::System(), core::CreateCampaign{"Bench", settings}}, now);
  journal.append_and_wait(o.events);
  for (std::size_t k = 0; k < n; ++k) {
    auto opened = engine.handle(core::Command{core::Actor::System(),
                                              core::OpenInteraction{1, core::Channel::webchat, "visitor-" + std::to_string(k), 0}},
                                now);
    if (!opened.ok()) {
      std::fprintf(stderr, "fill failed: %s\n", opened.error->message.c_str());
      std::exit(1);
    }
    journal.append(std::move(opened.events), nullptr);
  }
  journal.append_and_wait({});
  journal.stop(std::chrono::milliseconds(1000));
}

// Seconds from exec to READY=1.
double time_to_ready(const std::string& url) {
  char dir[] = "/tmp/contactd-restart-XXXXXX";
  if (!::mkdtemp(dir)) std::exit(1);
  const std::string config = std::string(dir) + "/contactd.toml";
  const std::string notify = std::string(dir) + "/notify.sock";
  std::ofstream(config) << "[server]\nport = 18480\n[database]\nurl = \"" << url
                        << "\"\n[log]\nlevel = \"warn\"\ntarget = \"stderr\"\n";
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) std::exit(1);
  timeval tv{60, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

  const auto t0 = Stopwatch::now();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    std::freopen("/dev/null", "w", stderr);
    ::execl(CONTACTD_BINARY, CONTACTD_BINARY, "serve", "--config", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  double seconds = -1;
  char buf[512];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) break;  // timeout
    buf[n] = '\0';
    if (std::string(buf).find("READY=1") != std::string::npos) {
      seconds = std::chrono::duration<double>(Stopwatch::now() - t0).count();
      break;
    }
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(fd);
  std::system(("rm -rf '" + std::string(dir) + "'").c_str());
  if (seconds < 0) {
    std::fprintf(stderr, "contactd did not become ready\n");
    std::exit(1);
  }
  return seconds;
}

double median_of_3(const std::string& url) {
  std::vector<double> t;
  for (int i = 0; i < 3; ++i) t.push_back(time_to_ready(url));
  std::sort(t.begin(), t.end());
  return t[1];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const std::string empty = "contactd_restart_empty_" + std::to_string(::getpid());
  const std::string full = "contactd_restart_full_" + std::to_string(::getpid());
  const std::string empty_url = make_database(empty);
  const std::string full_url = make_database(full);
  const auto f0 = Stopwatch::now();
  fill(full_url, n);
  std::printf("restart_bench: %zu open interactions written in %.1f s\n", n,
              std::chrono::duration<double>(Stopwatch::now() - f0).count());
  const double baseline = median_of_3(empty_url);
  const double loaded = median_of_3(full_url);
  std::printf("%-36s %10s\n", "database", "ready in s");
  std::printf("%-36s %10.3f\n", "empty (baseline)", baseline);
  std::printf("%-36s %10.3f\n", (std::to_string(n) + " open interactions").c_str(), loaded);
  drop_database(empty);
  drop_database(full);
  return 0;
}
