#pragma once
// What the database benchmarks share: throwaway databases on the PostgreSQL
// that libpq's defaults point at (run under pg_virtualenv), and child
// processes that say READY=1 the way systemd learns it.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace contactd::bench {

// Creates database `name` with every migration applied; returns its URL.
std::string make_database(const std::string& name);
// Drops it, ending any connection to it.
void drop_database(const std::string& name);

// A free TCP port on 127.0.0.1 (bound and released).
std::uint16_t free_port();

// Raises this process's open-file limit to its hard limit (children inherit
// it); returns the new limit.
std::size_t raise_file_limit();

// A child process with NOTIFY_SOCKET set; killed (SIGKILL) on destruction
// if still running.
class ReadyProcess {
 public:
  // Starts argv[0] with argv; its stderr and stdout go to `log_path`
  // ("/dev/null" to discard).
  ReadyProcess(std::vector<std::string> argv, const std::string& log_path);
  ~ReadyProcess();
  ReadyProcess(const ReadyProcess&) = delete;
  ReadyProcess& operator=(const ReadyProcess&) = delete;

  // Waits for READY=1; returns seconds since the start, or a negative value
  // if it did not come within `limit` or the process exited.
  double wait_ready(std::chrono::seconds limit);
  // SIGTERM and wait; the exit status (-1 if it died by a signal).
  int stop();
  pid_t pid() const { return pid_; }

 private:
  std::string dir_;
  int notify_fd_{-1};
  pid_t pid_{-1};
  std::chrono::steady_clock::time_point started_;
};

// Resident set size of `pid` in bytes (VmRSS), 0 if unknown.
std::size_t rss_bytes(pid_t pid);
// CPU time (user + system) `pid` has used so far, in seconds.
double cpu_seconds(pid_t pid);
// CPU seconds (user + system) from a /proc .../stat file (a process's or a thread's).
double stat_cpu_seconds(const std::string& stat_path);

// Median of `values` (copied). REQUIRES: not empty.
double median(std::vector<double> values);

}  // namespace contactd::bench
