// Call setups per second through contactd (issue 5): queue -> ring -> answer
// -> bridge, over real SIP and RTP on loopback, against a real `contactd
// serve` on a throwaway PostgreSQL database. Each run, on a fresh database
// and daemon:
//   - one campaign with phone number 7000 (longest idle, wrap-up 0) and N
//     agents with SIP passwords, seeded with `contactd seed`;
//   - the agents log in over the WebSocket API (and stay connected) and
//     their phones REGISTER with digest authentication: one sofia-sip stack
//     for all N phones, answering every INVITE with 200 at once;
//   - customers (another sofia-sip stack) INVITE sip:7000@contactd at fixed
//     offered rates (open loop), each with a PCMU offer. A setup is complete
//     when the customer has its 200 OK and an RTP frame the customer sent
//     (tagged with the call's serial) has come out of contactd's relay at the
//     agent phone's RTP socket: the bridge is proven. Latency: INVITE sent ->
//     that frame received. Then the customer hangs up (BYE); with wrap-up 0
//     the agent is offered the next call at once.
// Baseline, same run, same machinery: the customers call the agent phones
// directly (no B2BUA, no database): the machine's SIP+RTP ceiling for this
// client code. Prints every phase of every run, then the medians.
//
// Each phase offers `rate` calls/s for --seconds; its figures: completed
// setups/s (completions inside the window after its first second), setup
// latency percentiles over every call placed in it, failures by reason (SIP
// status, or how far a call got before --timeout), contactd's CPU (and its
// busiest thread's: a serial bottleneck shows there), PostgreSQL's, the
// generator's per thread, and what else ran on the machine (the figures mean
// little if that is not ~0). Customers send a frame every --rtp-ms (20, a
// phone's pace) from their 200 OK, and every --probe-ms (2) once their
// agent's phone has rung, until the bridge is proven: that is the latency's
// resolution, and only calls about to be bridged send faster than a phone.
//
// Every agent in the campaign is sent each call's events over the API
// (opened, offered, assigned, finished: 4 x agents frames per call), so the
// agent count weighs on contactd as much as the calls do; --agents changes
// it. An agent session that contactd closes (its log says why) fails the run:
// the calls go on with fewer agents and the figures no longer mean the same.
// Exit status 1 if any call did not complete or a session was dropped.
//
//   pg_virtualenv -t -v 15 -- build/bench/call_bench [--runs 3] [--agents 200] [--rates 50,100,150,200]
//       [--seconds 10] [--timeout 10] [--rtp-ms 20] [--probe-ms 2] [--log-level warn] [--keep-log yes]
//       [--event-kinds yes] [--baseline no]
// (-t: a cluster of its own, so it does not collide with a test run's.)
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "call/agent_sessions.h"
#include "call/rtp_path.h"
#include "call/sip_sides.h"
#include "call/tracker.h"
#include "store/database.h"
#include "support/bench_process.h"

using namespace contactd::bench;
using namespace contactd::bench::call;

namespace {

constexpr const char* kNumber = "7000";
constexpr const char* kPassword = "call-bench-pass";

struct Options {
  int runs{3};
  std::size_t agents{200};
  std::vector<double> rates{50, 100, 150, 200};
  int seconds{10};
  int timeout{10};  // a call not complete this long after its INVITE has failed
  int rtp_ms{20};   // a customer's frames from its 200 OK on, as a phone sends them
  int probe_ms{2};  // ...and once its agent's phone rang, until the bridge is proven: the latency's resolution
  std::string log_level{"warn"};
  bool keep_log{false};
  bool event_kinds{false};
  bool baseline{true};  // --baseline no: contactd only (for profiling it)  // count the agents' events by kind (diagnostics; costs the generator CPU)
};

struct Phase {
  double offered{0};
  std::size_t launched{0};
  std::size_t completed{0};
  double completed_per_second{0};  // completions inside the window (after its first second) per second
  double p50_ms{0}, p99_ms{0}, max_ms{0};  // INVITE -> customer audio at the agent's socket
  double answer_p50_ms{0};                 // INVITE -> customer's 200 OK
  double ring_p50_ms{0};                   // INVITE -> agent phone's INVITE
  double lag_p99_ms{0};                    // scheduled -> INVITE handed to the stack (the generator's own delay)
  std::map<std::string, std::size_t> failures;
  std::size_t failed{0};
  double server_cores{0};   // contactd's CPU in the window (0 for the baseline)
  double busiest_thread{0};  // its busiest thread's
  double bench_cores{0};    // this process's
  std::map<std::string, double> bench_threads;  // its threads', by role
  double postgres_cores{0};
  double other_cores{0};  // the rest of the machine: anything above ~0.2 disturbs the figures
  std::size_t agents_connected{0};  // contactd only: agent API sessions still open after the phase
};

struct Run {
  std::vector<Phase> contactd, baseline;
  std::uint64_t music_packets{0};
  bool sessions_dropped{false};  // contactd closed agent sessions during the calls
};

// --- small helpers -----------------------------------------------------------

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

// CPU seconds per thread of `pid` (/proc/PID/task/TID/stat: per thread;
// /proc/TID/stat would count the whole process).
std::map<int, double> thread_cpu(pid_t pid) {
  std::map<int, double> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    const int tid = std::atoi(entry.path().filename().c_str());
    if (tid > 0) out[tid] = stat_cpu_seconds(entry.path().string() + "/stat");
  }
  return out;
}

double busiest(const std::map<int, double>& before, const std::map<int, double>& after, double seconds) {
  double top = 0;
  for (const auto& [tid, cpu] : after) {
    auto it = before.find(tid);
    top = std::max(top, cpu - (it == before.end() ? 0 : it->second));
  }
  return top / seconds;
}

// CPU seconds the whole machine has been busy (all cores, /proc/stat).
double machine_busy_seconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The postmaster of the cluster libpq's defaults point at (pg_virtualenv's):
// its data directory's postmaster.pid. 0 if unknown.
pid_t postmaster_pid() {
  try {
    auto c = contactd::store::connect("dbname=postgres");
    const auto dir = pqxx::nontransaction(*c).exec1("SELECT current_setting('data_directory')")[0].as<std::string>();
    std::ifstream in(dir + "/postmaster.pid");
    pid_t pid = 0;
    in >> pid;
    return pid;
  } catch (const std::exception&) {
    return 0;
  }
}

// CPU seconds of that cluster's processes (the postmaster and its children),
// not of any other PostgreSQL on the machine.
double postgres_seconds(pid_t postmaster) {
  if (postmaster <= 0) return 0;
  double total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto close = all.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(all.substr(close + 2));
    char state = 0;
    long ppid = 0;
    rest >> state >> ppid;
    if (std::stol(name) == postmaster || ppid == postmaster) total += stat_cpu_seconds((entry.path() / "stat").string());
  }
  return total;
}

bool alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = all.rfind(')');
  return close != std::string::npos && close + 2 < all.size() && all[close + 2] != 'Z';
}

[[noreturn]] void fail(const std::string& why, const std::string& log = "") {
  std::fprintf(stderr, "call_bench: FAILED: %s\n", why.c_str());
  if (!log.empty()) {
    std::fprintf(stderr, "call_bench: contactd's log (kept): %s; its last lines:\n", log.c_str());
    [[maybe_unused]] int rc = std::system(("tail -n 30 '" + log + "' >&2").c_str());
  }
  std::exit(1);
}

// --- the daemon --------------------------------------------------------------

std::string write_config(const std::string& path, std::uint16_t api_port, std::uint16_t sip_port, const std::string& url,
                         const Options& o) {
  // Logins are not what this measures: argon2 at its minimum cost. Command
  // limits are out of the way. RTP ports below the kernel's ephemeral range,
  // so they never meet the bench's own sockets.
  std::ofstream(path) << "[server]\nlisten_address = \"127.0.0.1\"\nport = " << api_port
                      << "\nio_threads = 2\nworker_threads = 2\n"
                      << "[database]\nurl = \"" << url << "\"\n"
                      << "[auth]\nargon2_opslimit = 1\nargon2_memlimit_kib = 8\nhashing_queue = 100000\n"
                      << "[limits]\nconnection_commands_per_second = 1000000\nconnection_command_burst = 1000000\n"
                      << "user_commands_per_second = 1000000\nuser_command_burst = 1000000\n"
                      << "login_failures_per_source_per_minute = 100000\n"
                      << "[sip]\nlisten_address = \"127.0.0.1\"\nport = " << sip_port << "\ntransports = \"udp,tcp\"\n"
                      << "trunk_addresses = \"127.0.0.1\"\n"  // every caller is the bench: not rate limited as unknown
                      << "rtp_port_min = 20000\nrtp_port_max = 32000\nmax_calls = 10000\n"
                      << "music_dir = \"" CONTACTD_SOURCE_DIR "/assets\"\n"
                      << "[log]\nlevel = \"" << o.log_level << "\"\ntarget = \"stderr\"\n";
  return path;
}

std::string write_seed(const std::string& path, const Options& o) {
  std::ofstream f(path);
  f << "[[campaigns]]\nname = \"Bench calls\"\nstrategy = \"longest_idle\"\nchannels = [\"webchat\", \"phone\"]\n"
    << "phone_number = \"" << kNumber << "\"\nring_timeout_seconds = 20\nmissed_calls_limit = 0\nwrap_up_seconds = 0\n\n";
  for (std::size_t i = 0; i < o.agents; ++i)
    f << "[[users]]\nlogin = \"agent" << i << "\"\nname = \"Agent " << i << "\"\nprofile = \"agent\"\npassword = \""
      << kPassword << "\"\nsip_password = \"sip-secret-" << i << "\"\ncampaigns = [\"Bench calls\"]\n\n";
  return path;
}

// --- one phase ---------------------------------------------------------------

struct Target {
  std::uint16_t port;
  bool via_contactd;
  pid_t server{0};  // contactd's pid, 0 for the baseline
};

Phase run_phase(const Options& o, double rate, const Target& target, Tracker& tracker, Customers& customers,
                const std::map<int, std::string>& roles) {
  Phase r;
  r.offered = rate;
  const auto window = std::chrono::seconds(o.seconds);
  const auto timeout = std::chrono::seconds(o.timeout);
  const auto count = static_cast<std::size_t>(rate * o.seconds);
  const std::uint64_t first = tracker.next_serial();
  auto sweep = [&] {
    for (auto serial : tracker.expire(first, Clock::now(), timeout)) customers.hang_up(serial);
  };

  const double server0 = target.server ? cpu_seconds(target.server) : 0;
  const auto threads0 = target.server ? thread_cpu(target.server) : std::map<int, double>{};
  const double self0 = cpu_seconds(::getpid());
  const auto own0 = thread_cpu(::getpid());
  const pid_t postmaster = target.server ? postmaster_pid() : 0;
  const double machine0 = machine_busy_seconds(), postgres0 = postgres_seconds(postmaster);
  const auto t0 = Clock::now();
  auto next_sweep = t0;
  for (std::size_t k = 0; k < count;) {
    const auto now = Clock::now();
    for (; k < count; ++k) {
      const auto at = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / rate));
      if (at > now) break;
      const std::uint64_t serial = tracker.add(at);
      // Contactd: everyone dials the campaign's number. Baseline: the
      // customers ring the agent phones themselves, in turn.
      customers.place(serial, target.via_contactd ? kNumber : "agent" + std::to_string(k % o.agents), target.port);
    }
    if (now >= next_sweep) {
      sweep();
      next_sweep = now + std::chrono::milliseconds(100);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  std::this_thread::sleep_until(t0 + window);
  const auto t1 = Clock::now();
  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  if (target.server) {
    r.server_cores = (cpu_seconds(target.server) - server0) / seconds;
    r.busiest_thread = busiest(threads0, thread_cpu(target.server), seconds);
  }
  r.bench_cores = (cpu_seconds(::getpid()) - self0) / seconds;
  r.postgres_cores = (postgres_seconds(postmaster) - postgres0) / seconds;
  r.other_cores = std::max(0.0, (machine_busy_seconds() - machine0) / seconds - r.server_cores - r.bench_cores -
                                    r.postgres_cores);
  const auto own1 = thread_cpu(::getpid());
  for (const auto& [tid, role] : roles)
    if (own0.count(tid) && own1.count(tid)) r.bench_threads[role] = (own1.at(tid) - own0.at(tid)) / seconds;
  const std::uint64_t last = tracker.next_serial();

  // Drain: every call of the phase completes or fails, and is hung up.
  const auto give_up = t1 + timeout + std::chrono::seconds(10);
  while (!tracker.settled(first, last) && Clock::now() < give_up) {
    sweep();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  const auto counted_from = t0 + std::chrono::seconds(1);  // the first second fills the pipeline
  std::vector<double> setup, answer, ring, lag;
  for (const auto& c : tracker.records(first, last)) {
    ++r.launched;
    if (c.invited != Clock::time_point{}) lag.push_back(ms(c.invited - c.scheduled));
    if (c.answered) answer.push_back(ms(*c.answered - c.invited));
    if (c.rang) ring.push_back(ms(*c.rang - c.invited));
    if (c.bridged) {
      ++r.completed;
      setup.push_back(ms(*c.bridged - c.invited));
      if (*c.bridged >= counted_from && *c.bridged <= t1) r.completed_per_second += 1;
    } else {
      ++r.failed;
      ++r.failures[c.failure.empty() ? "not settled when the phase ended" : c.failure];
    }
  }
  r.completed_per_second /= std::chrono::duration<double>(t1 - counted_from).count();
  r.p50_ms = percentile(setup, 0.50);
  r.p99_ms = percentile(setup, 0.99);
  r.max_ms = percentile(setup, 1.0);
  r.answer_p50_ms = percentile(answer, 0.50);
  r.ring_p50_ms = percentile(ring, 0.50);
  r.lag_p99_ms = percentile(lag, 0.99);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // agents back to idle, the journal quiet
  return r;
}

void print_phase(int run, const char* what, const Phase& p) {
  std::printf("  run %d %-8s %4.0f/s offered: %6.1f setups/s (%zu of %zu), setup p50 %6.1f ms p99 %7.1f ms max %7.1f ms; "
              "200 OK p50 %5.1f ms, agent rang p50 %5.1f ms; CPU cores: server %.2f (busiest thread %.2f), bench %.2f; "
              "launch lag p99 %.1f ms",
              run, what, p.offered, p.completed_per_second, p.completed, p.launched, p.p50_ms, p.p99_ms, p.max_ms,
              p.answer_p50_ms, p.ring_p50_ms, p.server_cores, p.busiest_thread, p.bench_cores, p.lag_p99_ms);
  if (!p.bench_threads.empty()) {
    std::printf(" (bench threads:");
    for (const auto& [role, cores] : p.bench_threads) std::printf(" %s %.2f", role.c_str(), cores);
    std::printf(")");
  }
  std::printf("; postgres %.2f cores, other processes %.2f cores%s", p.postgres_cores, p.other_cores,
              p.other_cores > 0.25 ? " (WARNING: the machine was not quiet)" : "");
  if (p.failed) {
    std::printf("; FAILED %zu:", p.failed);
    for (const auto& [why, n] : p.failures) std::printf(" [%zu x %s]", n, why.c_str());
  }
  std::printf("\n");
}

// --- one run -----------------------------------------------------------------

Run one_run(const Options& o, int number) {
  Run run;
  Tracker tracker;
  std::atomic<Customers*> hang_up_on{nullptr};
  RtpPath rtp(tracker, [&hang_up_on](std::uint64_t serial) {
    if (Customers* c = hang_up_on.load()) c->hang_up(serial);  // bridged: the customer says goodbye
  }, std::chrono::milliseconds(o.rtp_ms), std::chrono::milliseconds(o.probe_ms));
  RtpPath* rtp_ptr = &rtp;
  AgentPhones phones(tracker, rtp.agent_port(), [&rtp](std::uint64_t serial) { rtp.hurry(serial); });
  auto customers = std::make_unique<Customers>(tracker, rtp_ptr, rtp.customer_port());
  hang_up_on = customers.get();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the threads have said who they are
  std::map<int, std::string> roles{{customers->thread_id(), "customers-sip"},
                                   {phones.thread_id(), "phones-sip"},
                                   {rtp.thread_id(), "rtp"}};

  // Baseline first, while no daemon runs: the agent phones called directly.
  for (double rate : o.rates) {
    if (!o.baseline) {
      run.baseline.push_back(Phase{rate});
      continue;
    }
    run.baseline.push_back(run_phase(o, rate, Target{phones.port(), false, 0}, tracker, *customers, roles));
    print_phase(number, "baseline", run.baseline.back());
  }

  const std::string db = "contactd_calls_" + std::to_string(::getpid()) + "_" + std::to_string(number);
  drop_database(db);
  const std::string url = make_database(db);
  const std::uint16_t api_port = free_port();
  std::uint16_t sip_port = free_port();
  while (sip_port == api_port) sip_port = free_port();
  const std::string config = write_config("/tmp/" + db + ".toml", api_port, sip_port, url, o);
  const std::string seed = write_seed("/tmp/" + db + "-seed.toml", o);
  const std::string log = "/tmp/" + db + ".log";
  const auto seeded = std::system((std::string(CONTACTD_BINARY) + " seed '" + seed + "' --config '" + config + "' >>'" +
                                   log + "' 2>&1").c_str());
  if (seeded != 0) fail("contactd seed failed", log);
  {
    ReadyProcess daemon({CONTACTD_BINARY, "serve", "--config", config}, log);
    if (daemon.wait_ready(std::chrono::seconds(60)) < 0) fail("contactd did not start", log);

    AgentSessions sessions(api_port, o.event_kinds);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    roles[sessions.thread_id()] = "agents-api";
    std::vector<std::string> logins;
    std::vector<Credentials> credentials;
    for (std::size_t i = 0; i < o.agents; ++i) {
      logins.push_back("agent" + std::to_string(i));
      credentials.push_back({logins.back(), "sip-secret-" + std::to_string(i)});
    }
    const auto t_login = Clock::now();
    const std::size_t logged_in = sessions.login_all(logins, kPassword, 50);
    if (logged_in != o.agents)
      fail(std::to_string(logged_in) + " of " + std::to_string(o.agents) + " agents logged in", log);
    const double login_s = std::chrono::duration<double>(Clock::now() - t_login).count();
    const auto t_register = Clock::now();
    const std::size_t registered = phones.register_all(sip_port, credentials, std::chrono::seconds(60));
    const double register_s = std::chrono::duration<double>(Clock::now() - t_register).count();
    if (registered != o.agents) {
      std::string why = std::to_string(registered) + " of " + std::to_string(o.agents) + " phones registered;";
      for (const auto& [what, n] : phones.registration_failures()) why += " " + std::to_string(n) + " x " + what;
      fail(why, log);
    }
    std::printf("  run %d: contactd ready (pid %d, API port %u, SIP port %u); %zu agents logged in (%.1f s) and their "
                "phones registered (%.1f s)\n",
                number, static_cast<int>(daemon.pid()), api_port, sip_port, logged_in, login_s, register_s);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));

    const std::uint64_t music0 = rtp.music_packets();
    bool sessions_dropped = false;
    for (double rate : o.rates) {
      run.contactd.push_back(run_phase(o, rate, Target{sip_port, true, daemon.pid()}, tracker, *customers, roles));
      print_phase(number, "contactd", run.contactd.back());
      if (!alive(daemon.pid())) fail("contactd died during the calls", log);
      run.contactd.back().agents_connected = sessions.open();
      if (run.contactd.back().agents_connected != o.agents) {
        std::printf("  run %d: FAILED: only %zu of %zu agent sessions still connected (contactd's log says why)\n",
                    number, run.contactd.back().agents_connected, o.agents);
        sessions_dropped = true;
      }
    }
    run.music_packets = rtp.music_packets() - music0;
    run.sessions_dropped = sessions_dropped;
    std::printf("  run %d: agent phones answered %llu INVITEs (%llu refused, %llu from unknown callers); customers got "
                "%llu queue-music frames, %llu BYEs from contactd; %llu API events to agents\n",
                number, static_cast<unsigned long long>(phones.invites()),
                static_cast<unsigned long long>(phones.refused()), static_cast<unsigned long long>(phones.unknown_callers()),
                static_cast<unsigned long long>(run.music_packets),
                static_cast<unsigned long long>(customers->byes_received()),
                static_cast<unsigned long long>(sessions.frames()));
    if (o.event_kinds) {
      double calls = 0;
      for (const auto& p : run.contactd) calls += static_cast<double>(p.launched);
      std::printf("  run %d: events the %zu agents were sent, per call placed:", number, o.agents);
      for (const auto& [kind, n] : sessions.kinds()) std::printf(" %s %.1f", kind.c_str(), static_cast<double>(n) / calls);
      std::printf("\n");
    }
    if (const std::size_t gone = phones.unregister_all(std::chrono::seconds(10)); gone != o.agents)
      std::printf("  run %d: WARNING: %zu of %zu un-REGISTERs answered\n", number, gone, o.agents);
    rtp.shutdown();
    hang_up_on = nullptr;
    customers.reset();
    if (const int status = daemon.stop(); status != 0) fail("contactd exited with status " + std::to_string(status), log);
  }
  drop_database(db);
  std::remove(config.c_str());
  std::remove(seed.c_str());
  bool failed = run.sessions_dropped;
  for (const auto& p : run.contactd) failed |= p.failed > 0;
  if (!failed && !o.keep_log) std::remove(log.c_str());
  else std::printf("  run %d: contactd's log kept: %s\n", number, log.c_str());
  return run;
}

template <typename F>
double med(const std::vector<Run>& runs, bool contactd, std::size_t phase, F f) {
  std::vector<double> v;
  for (const auto& r : runs) v.push_back(f(contactd ? r.contactd[phase] : r.baseline[phase]));
  return median(v);
}

std::vector<double> parse_rates(const std::string& s) {
  std::vector<double> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stod(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--runs") o.runs = std::stoi(value);
    else if (flag == "--agents") o.agents = std::stoull(value);
    else if (flag == "--rates") o.rates = parse_rates(value);
    else if (flag == "--seconds") o.seconds = std::stoi(value);
    else if (flag == "--timeout") o.timeout = std::stoi(value);
    else if (flag == "--rtp-ms") o.rtp_ms = std::stoi(value);
    else if (flag == "--probe-ms") o.probe_ms = std::stoi(value);
    else if (flag == "--log-level") o.log_level = value;
    else if (flag == "--keep-log") o.keep_log = value == "1" || value == "yes";
    else if (flag == "--event-kinds") o.event_kinds = value == "1" || value == "yes";
    else if (flag == "--baseline") o.baseline = !(value == "0" || value == "no");
    else {
      std::fprintf(stderr, "usage: call_bench [--runs N] [--agents N] [--rates R1,R2,...] [--seconds S] [--timeout S] "
                           "[--rtp-ms MS] [--probe-ms MS] [--log-level LEVEL] [--keep-log yes] [--event-kinds yes] [--baseline no]\n");
      return 2;
    }
  }
  if (argc % 2 == 0 || o.runs < 1 || o.agents < 1 || o.rates.empty() || o.seconds < 2 || o.timeout < 1 || o.rtp_ms < 1 ||
      o.probe_ms < 1) {
    std::fprintf(stderr, "call_bench: bad arguments (flags take one value each; --seconds at least 2)\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  ::signal(SIGPIPE, SIG_IGN);
  raise_file_limit();
  std::printf("call_bench: %d runs, %zu agents, offered rates", o.runs, o.agents);
  for (double r : o.rates) std::printf(" %.0f", r);
  std::printf(" calls/s for %d s each, a call fails after %d s, customer RTP every %d ms (every %d ms once the agent "
              "rang)\n", o.seconds, o.timeout, o.rtp_ms, o.probe_ms);

  std::vector<Run> runs;
  for (int k = 1; k <= o.runs; ++k) runs.push_back(one_run(o, k));

  std::printf("\nmedians of %d runs (setups/s: completions per second of the window after its first second; "
              "setup: INVITE sent -> customer audio out of the bridge at the agent phone)\n", o.runs);
  std::printf("%8s | %10s %8s %8s %9s %8s %7s %7s %8s %6s | %9s %8s %8s %6s | %6s\n", "offered", "contactd/s",
              "p50 ms", "p99 ms", "200OK p50", "contactd", "thread", "pg", "CPU/call", "bench", "direct/s", "p50 ms",
              "p99 ms", "bench", "ratio");
  std::size_t failures = 0;
  std::map<std::string, std::size_t> reasons;
  double disturbed = 0;
  for (std::size_t i = 0; i < o.rates.size(); ++i) {
    auto m = [&](bool c, auto f) { return med(runs, c, i, f); };
    const double c = m(true, [](const Phase& p) { return p.completed_per_second; });
    const double b = m(false, [](const Phase& p) { return p.completed_per_second; });
    // contactd's and PostgreSQL's CPU per completed setup, in ms.
    const double per_call = m(true, [](const Phase& p) {
      return p.completed_per_second > 0 ? (p.server_cores + p.postgres_cores) * 1000 / p.completed_per_second : 0;
    });
    std::printf("%8.0f | %10.1f %8.1f %8.1f %9.1f %8.2f %7.2f %7.2f %8.2f %6.2f | %9.1f %8.1f %8.1f %6.2f | %6.2f\n",
                o.rates[i], c, m(true, [](const Phase& p) { return p.p50_ms; }),
                m(true, [](const Phase& p) { return p.p99_ms; }),
                m(true, [](const Phase& p) { return p.answer_p50_ms; }),
                m(true, [](const Phase& p) { return p.server_cores; }),
                m(true, [](const Phase& p) { return p.busiest_thread; }),
                m(true, [](const Phase& p) { return p.postgres_cores; }), per_call,
                m(true, [](const Phase& p) { return p.bench_cores; }), b,
                m(false, [](const Phase& p) { return p.p50_ms; }), m(false, [](const Phase& p) { return p.p99_ms; }),
                m(false, [](const Phase& p) { return p.bench_cores; }), b > 0 ? c / b : 0);
    for (const auto& r : runs) disturbed = std::max({disturbed, r.contactd[i].other_cores, r.baseline[i].other_cores});
    for (const auto& r : runs)
      for (const Phase* p : {&r.contactd[i], &r.baseline[i]}) {
        failures += p->failed;
        for (const auto& [why, n] : p->failures) reasons[why] += n;
      }
  }
  // The highest offered rate contactd kept up with in every run: no failure,
  // and at least 95% of the offered rate completed.
  double sustained = 0;
  for (std::size_t i = 0; i < o.rates.size(); ++i) {
    bool ok = true;
    for (const auto& r : runs)
      ok &= r.contactd[i].failed == 0 && r.contactd[i].agents_connected == o.agents &&
            r.contactd[i].completed_per_second >= 0.95 * o.rates[i];
    if (ok) sustained = std::max(sustained, o.rates[i]);
  }
  std::printf("(contactd, thread, pg, bench: CPU in cores - contactd's, its busiest thread's, PostgreSQL's, this "
              "generator's; CPU/call: contactd + PostgreSQL ms per setup; direct: the baseline, no contactd)\n");
  std::printf("\nhighest offered rate contactd sustained in every run: %.0f call setups/s (target: >= 100)\n", sustained);
  if (disturbed > 0.25)
    std::printf("WARNING: other processes used up to %.2f cores during a phase: the machine was not quiet\n", disturbed);
  std::size_t dropped_runs = 0;
  for (const auto& r : runs) dropped_runs += r.sessions_dropped ? 1 : 0;
  if (dropped_runs)
    std::fprintf(stderr, "call_bench: FAILED: contactd closed agent sessions during the calls in %zu of %d runs\n",
                 dropped_runs, o.runs);
  if (failures) {
    std::fprintf(stderr, "call_bench: FAILED: %zu calls did not complete:\n", failures);
    for (const auto& [why, n] : reasons) std::fprintf(stderr, "  %zu x %s\n", n, why.c_str());
  }
  return failures || dropped_runs ? 1 : 0;
}
