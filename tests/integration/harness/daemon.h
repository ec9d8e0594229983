#pragma once
// A real contactd process against a TestDatabase: migrated and seeded with
// tests/integration/seed.toml, listening on a free loopback port. Readiness
// is learned the way systemd learns it: READY=1 on a NOTIFY_SOCKET.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "harness/database.h"

namespace contactd::test {

struct DaemonOptions {
  std::size_t max_frame_bytes{65536};
  std::size_t write_queue_max_frames{1024};
  std::size_t resume_buffer_events{512};
  int idle_timeout_seconds{60};
  int webchat_resume_seconds{60};
  // [webchat] messages per second and burst, per connection and per address
  // (0: the daemon's defaults, a person's pace): for tests that use WebChat
  // customers as load.
  int webchat_messages_per_second{0};
  int socket_send_buffer_bytes{0};
  int handshake_timeout_seconds{10};  // also bounds a close the client does not read
  int session_ttl_seconds{3600};
  std::size_t max_calls{1000};  // [sip] max_calls
  std::string sip_trunk;        // [sip] trunk (host:port)
  std::string sip_extra;        // more lines for [sip], e.g. "rtp_inactivity_timeout_seconds = 2\n"
  std::string media_extra;      // more lines for [media] (its directory is the daemon's own)
  std::string providers_extra;  // lines for [providers], e.g. "unknown_delivery_seconds = 10\n"
  std::vector<std::pair<std::string, std::string>> env;  // set in the process's environment
  // More [server] keys, each with its TOML value as written ("5", "[\"x\"]").
  std::vector<std::pair<std::string, std::string>> server_settings;
  int descriptor_limit{0};  // > 0: RLIMIT_NOFILE (soft and hard) of `serve`
  int argon2_opslimit{1};   // [auth] password hashing cost: test-sized by default
  int argon2_memlimit_kib{8192};
};

class Daemon {
 public:
  explicit Daemon(TestDatabase& db, DaemonOptions options = {});
  ~Daemon();  // kills the process if still running

  // Starts `contactd serve` and waits for READY=1. REQUIRES: not running.
  void start();
  // SIGTERM, waits for exit; returns the exit status (-1 if killed by a signal).
  int stop();
  // SIGKILL, no shutdown.
  void kill();

  // Runs another subcommand (migrate, seed FILE, check-config) with this
  // daemon's config; returns its exit status. Output goes to the log.
  int run_tool(const std::vector<std::string>& args);

  std::uint16_t port() const { return port_; }
  std::string media_directory() const { return dir_ + "/media"; }  // [media] directory
  std::uint16_t sip_port() const { return sip_port_; }  // UDP and TCP, realm "contactd"
  std::string log() const;  // what the process printed, for failure messages
  // UDP sockets the running process holds (its RTP ports among them): a leak check.
  std::size_t udp_sockets() const;
  bool saw_notify(const std::string& line) const;
  pid_t pid() const { return pid_; }

 private:
  int wait_exit(std::chrono::seconds limit);

  TestDatabase& db_;
  DaemonOptions options_;
  std::string dir_;
  std::string config_path_;
  std::string log_path_;
  std::string notify_path_;
  int notify_fd_{-1};
  std::vector<std::string> notifications_;
  std::uint16_t port_{0};
  std::uint16_t sip_port_{0};
  pid_t pid_{-1};
};

}  // namespace contactd::test
