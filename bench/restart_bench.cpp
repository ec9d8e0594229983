// Restart-to-ready (issue 4): how long `contactd serve` takes from exec to
// READY=1 (systemd's notification) with 100,000 open interactions in the
// database, against the same on a database with none (the baseline: process
// start, connections, migrations check), in the same run.
//
//   pg_virtualenv -v 15 -- build/bench/restart_bench [interactions]
// Creates and drops its own databases.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/engine.h"
#include "store/journal.h"
#include "support/bench_process.h"

using namespace contactd;
using Stopwatch = std::chrono::steady_clock;

namespace {

using bench::drop_database;
using bench::make_database;

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
  const std::string config = "/tmp/contactd-restart-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(config) << "[server]\nport = " << bench::free_port() << "\n[database]\nurl = \"" << url
                        << "\"\n[sip]\nport = 0\nmusic_dir = \"" CONTACTD_SOURCE_DIR "/assets\"\n[log]\nlevel = \"warn\"\ntarget = \"stderr\"\n";
  bench::ReadyProcess daemon({CONTACTD_BINARY, "serve", "--config", config}, "/dev/null");
  const double seconds = daemon.wait_ready(std::chrono::seconds(60));
  daemon.stop();
  std::remove(config.c_str());
  if (seconds < 0) {
    std::fprintf(stderr, "contactd did not become ready\n");
    std::exit(1);
  }
  return seconds;
}

double median_of_3(const std::string& url) {
  std::vector<double> t;
  for (int i = 0; i < 3; ++i) t.push_back(time_to_ready(url));
  return bench::median(t);
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100'000;
  const std::string empty = "contactd_restart_empty_" + std::to_string(::getpid());
  const std::string full = "contactd_restart_full_" + std::to_string(::getpid());
  drop_database(empty);
  drop_database(full);
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
