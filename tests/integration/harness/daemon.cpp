#include "harness/daemon.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace contactd::test {
namespace {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) throw std::runtime_error("bind failed");
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}


// The [webchat] keys for DaemonOptions::webchat_messages_per_second.
std::string webchat_rates(int per_second) {
  if (per_second == 0) return {};
  const std::string n = std::to_string(per_second);
  return "messages_per_second = " + n + "\nmessage_burst = " + n + "\naddress_messages_per_second = " + n +
         "\naddress_message_burst = " + n + "\n";
}
}  // namespace

Daemon::Daemon(TestDatabase& db, DaemonOptions options) : db_(db), options_(options) {
  char templ[] = "/tmp/contactd-test-XXXXXX";
  if (!::mkdtemp(templ)) throw std::runtime_error("mkdtemp failed");
  dir_ = templ;
  config_path_ = dir_ + "/contactd.toml";
  log_path_ = dir_ + "/contactd.log";
  notify_path_ = dir_ + "/notify.sock";
  port_ = free_port();
  sip_port_ = free_port();
  std::string server_settings;
  for (const auto& [key, value] : options_.server_settings) server_settings += key + " = " + value + "\n";
  std::ofstream(config_path_) << "[server]\n"
                              << server_settings << "listen_address = \"127.0.0.1\"\n"
                              << "port = " << port_ << "\n"
                              << "max_frame_bytes = " << options_.max_frame_bytes << "\n"
                              << "write_queue_max_frames = " << options_.write_queue_max_frames << "\n"
                              << "socket_send_buffer_bytes = " << options_.socket_send_buffer_bytes << "\n"
                              << "handshake_timeout_seconds = " << options_.handshake_timeout_seconds << "\n"
                              << "resume_buffer_events = " << options_.resume_buffer_events << "\n"
                              << "idle_timeout_seconds = " << options_.idle_timeout_seconds << "\n"
                              << "shutdown_grace_seconds = 3\n"
                              << "[database]\n"
                              << "url = \"" << db_.url() << "\"\n"
                              << "connect_wait_seconds = 5\n"
                              << "[auth]\n"
                              << "session_ttl_seconds = " << options_.session_ttl_seconds << "\n"
                              << "argon2_opslimit = " << options_.argon2_opslimit << "\n"  // real argon2id
                              << "argon2_memlimit_kib = " << options_.argon2_memlimit_kib << "\n"
                              << "[webchat]\nresume_seconds = " << options_.webchat_resume_seconds << "\n"
                              << webchat_rates(options_.webchat_messages_per_second)
                              << "[sip]\nport = " << sip_port_ << "\nmin_expires_seconds = 30\n"
                              << "music_dir = \"" << CONTACTD_SOURCE_DIR << "/assets\"\n"
                              << "max_calls = " << options_.max_calls << "\n"
                              << "trunk = \"" << options_.sip_trunk << "\"\n"
                              << "outbound_answer_timeout_seconds = 3\n"
                              << options_.sip_extra
                              << "[media]\ndirectory = \"" << dir_ << "/media\"\n" << options_.media_extra
                              << "[providers]\n" << options_.providers_extra
                              << "[log]\nlevel = \"debug\"\ntarget = \"stderr\"\n";
  REQUIRE(run_tool({"migrate"}) == 0);
  REQUIRE(run_tool({"seed", CONTACTD_TEST_SEED}) == 0);
}

std::size_t Daemon::udp_sockets() const {
  // Socket inodes of the process, matched against the UDP tables.
  std::set<std::string> inodes;
  const std::string fd_dir = "/proc/" + std::to_string(pid_) + "/fd";
  for (const auto& entry : std::filesystem::directory_iterator(fd_dir)) {
    std::error_code ec;
    const auto target = std::filesystem::read_symlink(entry.path(), ec).string();
    if (!ec && target.rfind("socket:[", 0) == 0) inodes.insert(target.substr(8, target.size() - 9));
  }
  std::size_t n = 0;
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string field;
      for (int k = 0; k < 10 && fields >> field; ++k) {
      }
      if (inodes.count(field)) ++n;  // the 10th field is the inode
    }
  }
  return n;
}

Daemon::~Daemon() {
  if (pid_ > 0) kill();
  if (notify_fd_ >= 0) ::close(notify_fd_);
  std::string cmd = "rm -rf '" + dir_ + "'";
  [[maybe_unused]] int rc = std::system(cmd.c_str());
}

static pid_t spawn(const std::vector<std::string>& args, const std::string& log_path, const std::string& notify,
                   const std::vector<std::pair<std::string, std::string>>& env, int descriptor_limit = 0) {
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (!notify.empty()) ::setenv("NOTIFY_SOCKET", notify.c_str(), 1);
    else ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("JOURNAL_STREAM");
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    if (descriptor_limit > 0) {
      const rlimit limit{static_cast<rlim_t>(descriptor_limit), static_cast<rlim_t>(descriptor_limit)};
      ::setrlimit(RLIMIT_NOFILE, &limit);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int Daemon::run_tool(const std::vector<std::string>& args) {
  std::vector<std::string> argv{CONTACTD_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--config");
  argv.push_back(config_path_);
  pid_t pid = spawn(argv, log_path_, "", options_.env);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void Daemon::start() {
  REQUIRE(pid_ < 0);
  if (notify_fd_ < 0) {
    notify_fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify_path_.c_str());
    REQUIRE(::bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  notifications_.clear();
  pid_ = spawn({CONTACTD_BINARY, "serve", "--config", config_path_}, log_path_, notify_path_, options_.env,
               options_.descriptor_limit);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!saw_notify("READY=1")) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      FAIL("contactd exited before READY=1:\n" << log());
    }
    if (std::chrono::steady_clock::now() > deadline) FAIL("contactd not ready in 30 s:\n" << log());
    pollfd p{notify_fd_, POLLIN, 0};
    ::poll(&p, 1, 100);
  }
}

bool Daemon::saw_notify(const std::string& line) const {
  auto* self = const_cast<Daemon*>(this);
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(notify_fd_, buf, sizeof buf, 0);
    if (n <= 0) break;
    std::istringstream lines(std::string(buf, static_cast<std::size_t>(n)));
    for (std::string l; std::getline(lines, l);) self->notifications_.push_back(l);
  }
  for (const auto& l : notifications_)
    if (l == line) return true;
  return false;
}

int Daemon::wait_exit(std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      FAIL("contactd did not exit within " << limit.count() << " s:\n" << log());
    }
    pollfd p{notify_fd_, POLLIN, 0};
    ::poll(&p, 1, 20);
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Daemon::stop() {
  REQUIRE(pid_ > 0);
  ::kill(pid_, SIGTERM);
  return wait_exit(std::chrono::seconds(15));
}

void Daemon::kill() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string Daemon::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace contactd::test
