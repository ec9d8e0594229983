// The load benchmark (issue 4): a generator opening real WebSocket
// connections to a real contactd on a throwaway PostgreSQL database, in one
// process, single-threaded. Each run, on a fresh database and daemon:
//   1. sessions: 10,000 agents log in and stay connected; the daemon's RSS
//      growth per session;
//   2. latency: with those sessions held, WebChat visitors start 1,000
//      conversations per second (open loop), each sends one message; the
//      time from a visitor's message to the agent's MessagePosted event, and
//      from "start" to the agent's InteractionAssigned (durability on: events
//      reach clients after their commit);
//   3. fan-out: 100 administrators subscribed while 10 agents set and clear
//      a status; events delivered per second against a bare Beast echo
//      server fanning frames of the same size out to as many subscribers, in
//      the same run.
// Prints each run and the medians.
//
//   pg_virtualenv -v 15 -- build/bench/load_bench [--runs N] [--sessions N] [--rate R] [--seconds S]
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "load/directory.h"
#include "load/fanout_server.h"
#include "load/phases.h"
#include "support/bench_process.h"

using namespace contactd::bench;

namespace {

struct Options {
  int runs{3};
  std::size_t sessions{10'000};
  double rate{1000};
  int seconds{10};
  int warmup{2};
};

struct Run {
  SessionsResult sessions;
  LatencyResult latency;
  FanoutResult fanout, baseline;
};

std::string write_config(const std::string& path, std::uint16_t port, const std::string& url) {
  // Limits are out of the way: the publishers send thousands of commands per
  // second, 10,000 agents log in and WebChat visitors start 1,000
  // conversations per second, all from one address, on purpose. Everything
  // else is the shipped default.
  std::ofstream(path) << "[server]\nlisten_address = \"127.0.0.1\"\nport = " << port
                      << "\nio_threads = 2\nworker_threads = 2\n"
                      << "max_unauthenticated_connections = 100000\nmax_unauthenticated_per_address = 100000\n"
                      << "[database]\nurl = \"" << url << "\"\n"
                      << "[auth]\nhashing_queue = 100000\n"
                      << "[webchat]\nmessages_per_second = 1000000\nmessage_burst = 1000000\n"
                      << "address_messages_per_second = 1000000\naddress_message_burst = 1000000\n"
                      << "starts_per_minute = 1000000\naddress_starts_per_minute = 100000000\n"
                      << "[limits]\nconnection_commands_per_second = 1000000\nconnection_command_burst = 1000000\n"
                      << "user_commands_per_second = 1000000\nuser_command_burst = 1000000\n"
                      << "login_failures_per_source_per_minute = 100000\n"
                      << "[sip]\nport = 0\nmusic_dir = \"" CONTACTD_SOURCE_DIR "/assets\"\n"  // any free port: the phones are not what this measures
                      << "[log]\nlevel = \"warn\"\ntarget = \"stderr\"\n";
  return path;
}

std::string self_path() {
  char buf[4096];
  const auto n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  return std::string(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
}

Run one_run(const Options& o, int number) {
  Run run;
  const std::string db = "contactd_load_" + std::to_string(::getpid()) + "_" + std::to_string(number);
  drop_database(db);
  const std::string url = make_database(db);
  DirectorySize size;
  size.idle_agents = o.sessions;
  const Directory directory = write_directory(url, size);

  const std::uint16_t port = free_port();
  const std::string config = write_config("/tmp/" + db + ".toml", port, url);
  const std::string log = "/tmp/" + db + ".log";
  FanoutShape shape;
  {
    ReadyProcess daemon({CONTACTD_BINARY, "serve", "--config", config}, log);
    if (daemon.wait_ready(std::chrono::seconds(60)) < 0) {
      std::fprintf(stderr, "contactd did not start; see %s\n", log.c_str());
      std::exit(1);
    }
    LoadGenerator gen(port, daemon.pid(), directory);
    run.sessions = gen.hold_sessions(o.sessions, 200);
    std::printf("  run %d: %zu sessions held (%zu failed), %.0f logins/s, %.1f KB per session\n", number,
                run.sessions.held, run.sessions.failed, run.sessions.logins_per_second,
                run.sessions.bytes_per_session / 1024);
    run.latency = gen.webchat_latency(o.rate, std::chrono::seconds(o.warmup), std::chrono::seconds(o.seconds), 400,
                                      size.workers);
    std::printf("  run %d: %.0f/s offered, %.0f/s completed, message->agent p50 %.2f ms p99 %.2f ms max %.2f ms, "
                "start->assigned p50 %.2f ms p99 %.2f ms (%zu samples, %zu starved, %zu errors; "
                "CPU in cores: contactd %.2f, generator %.2f)\n",
                number, run.latency.offered_per_second, run.latency.achieved_per_second, run.latency.message_p50_ms,
                run.latency.message_p99_ms, run.latency.message_max_ms, run.latency.assign_p50_ms,
                run.latency.assign_p99_ms, run.latency.samples, run.latency.starved, run.latency.errors,
                run.latency.server_cpu, run.latency.generator_cpu);
    run.fanout = gen.fanout(shape);
    std::printf("  run %d: contactd fan-out %.0f events/s (%.0f B each, %.2f us server CPU each, %zu commands, "
                "%zu dropped, %zu errors)\n",
                number, run.fanout.frames_per_second, run.fanout.mean_frame_bytes, run.fanout.server_cpu_us_per_frame,
                run.fanout.commands, run.fanout.disconnected, run.fanout.errors);
    gen.close_all();
    daemon.stop();

    const std::uint16_t echo_port = free_port();
    ReadyProcess echo({self_path(), "--fanout-server", std::to_string(echo_port)}, "/dev/null");
    if (echo.wait_ready(std::chrono::seconds(10)) < 0) {
      std::fprintf(stderr, "the fan-out baseline did not start\n");
      std::exit(1);
    }
    const auto frame = static_cast<std::size_t>(run.fanout.mean_frame_bytes + 0.5);
    run.baseline = gen.fanout_baseline(echo_port, echo.pid(), shape, frame ? frame : 64);
    std::printf("  run %d: Beast echo fan-out %.0f frames/s (%.0f B each, %.2f us server CPU each, %zu dropped)\n",
                number, run.baseline.frames_per_second, run.baseline.mean_frame_bytes,
                run.baseline.server_cpu_us_per_frame, run.baseline.disconnected);
    echo.stop();
  }
  drop_database(db);
  std::remove(config.c_str());
  std::remove(log.c_str());
  return run;
}

template <typename F>
double med(const std::vector<Run>& runs, F f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(f(r));
  return median(v);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--fanout-server") == 0)
    return run_fanout_server(static_cast<std::uint16_t>(std::stoi(argv[2])), 2);
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--runs") o.runs = std::stoi(argv[i + 1]);
    else if (flag == "--sessions") o.sessions = std::stoull(argv[i + 1]);
    else if (flag == "--rate") o.rate = std::stod(argv[i + 1]);
    else if (flag == "--seconds") o.seconds = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: load_bench [--runs N] [--sessions N] [--rate R] [--seconds S]\n");
      return 2;
    }
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const std::size_t files = raise_file_limit();
  if (files < o.sessions + 1000) {
    std::fprintf(stderr, "open-file limit %zu is too low for %zu sessions\n", files, o.sessions);
    return 1;
  }
  std::printf("load_bench: %d runs, %zu sessions, %.0f conversations/s for %d s (+%d s warm-up)\n", o.runs,
              o.sessions, o.rate, o.seconds, o.warmup);
  std::vector<Run> runs;
  for (int k = 1; k <= o.runs; ++k) runs.push_back(one_run(o, k));

  std::printf("\nmedians of %d runs\n", o.runs);
  std::printf("%-44s %14s %14s %8s  %s\n", "figure", "contactd", "baseline", "ratio", "target");
  std::printf("%-44s %14.0f %14s %8s  %s\n", "agent sessions held", med(runs, [](auto& r) { return double(r.sessions.held); }), "-", "-", "10,000");
  std::printf("%-44s %14.1f %14s %8s  %s\n", "server memory per idle session (KB)", med(runs, [](auto& r) { return r.sessions.bytes_per_session / 1024; }), "-", "-", "<= 32");
  std::printf("%-44s %14.2f %14s %8s  %s\n", "WebChat message -> agent p50 (ms)", med(runs, [](auto& r) { return r.latency.message_p50_ms; }), "-", "-", "");
  std::printf("%-44s %14.2f %14s %8s  %s\n", "WebChat message -> agent p99 (ms)", med(runs, [](auto& r) { return r.latency.message_p99_ms; }), "-", "-", "< 20");
  std::printf("%-44s %14.2f %14s %8s  %s\n", "WebChat start -> assigned p50 (ms)", med(runs, [](auto& r) { return r.latency.assign_p50_ms; }), "-", "-", "");
  std::printf("%-44s %14.2f %14s %8s  %s\n", "WebChat start -> assigned p99 (ms)", med(runs, [](auto& r) { return r.latency.assign_p99_ms; }), "-", "-", "");
  std::printf("%-44s %14.0f %14s %8s  %s\n", "conversations completed per second", med(runs, [](auto& r) { return r.latency.achieved_per_second; }), "-", "-", "1,000");
  // Ratios: the median of each run's own ratio (contactd and its baseline
  // measured minutes apart), not the ratio of the medians.
  const double f = med(runs, [](auto& r) { return r.fanout.frames_per_second; });
  const double b = med(runs, [](auto& r) { return r.baseline.frames_per_second; });
  const double fr = med(runs, [](auto& r) { return r.fanout.frames_per_second / r.baseline.frames_per_second; });
  std::printf("%-44s %14.0f %14.0f %8.2f  %s\n", "fan-out, events delivered per second", f, b, fr, ">= 0.50");
  const double fc = med(runs, [](auto& r) { return r.fanout.server_cpu_us_per_frame; });
  const double bc = med(runs, [](auto& r) { return r.baseline.server_cpu_us_per_frame; });
  const double cr = med(runs, [](auto& r) { return r.fanout.server_cpu_us_per_frame / r.baseline.server_cpu_us_per_frame; });
  std::printf("%-44s %14.2f %14.2f %8.2f  %s\n", "fan-out, server CPU per delivered event (us)", fc, bc, cr, "");
  return 0;
}
