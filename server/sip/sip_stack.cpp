#include "sip/sip_stack.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <vector>

namespace contactd::sip {
namespace {

// su_init() once per process; sofia also sets SIGPIPE to SIG_IGN there.
void init_sofia() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (su_init() != 0) throw std::runtime_error("sofia-sip: su_init failed");
  });
}

// A posted closure travels in the message's data as a heap pointer; the
// deinitializer frees it whether the message was delivered or discarded.
using Work = std::function<void()>;
void run_work(su_root_magic_t*, su_msg_r, su_msg_arg_t* arg) {
  auto** work = static_cast<Work**>(static_cast<void*>(arg));
  if (*work) (**work)();
}
void free_work(su_msg_arg_t* arg) {
  auto** work = static_cast<Work**>(static_cast<void*>(arg));
  delete *work;
  *work = nullptr;
}

// An address without its port: what per-source caps count by.
std::string host_of(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, host, sizeof host);
  else if (addr.ss_family == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, host, sizeof host);
  return host;
}

std::uint16_t port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  return 0;
}

// One TCP socket of the process bound to the stack's port.
struct TcpSocket {
  int fd{-1};
  bool listening{false};
  std::string host;  // the peer's address
  std::string peer;  // host:port, which tells a reused descriptor from the one admitted
  bool peer_left{false};
  std::chrono::milliseconds quiet{0};  // since data last went either way
};

// The process's TCP sockets whose local port is `port`: the stack's listener
// and the connections it accepted (nothing else can hold a bound port).
std::vector<TcpSocket> tcp_sockets_on(std::uint16_t port) {
  std::vector<TcpSocket> found;
  DIR* dir = ::opendir("/proc/self/fd");
  if (!dir) return found;
  const int own = ::dirfd(dir);
  while (const dirent* entry = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(entry->d_name, &end, 10);
    if (end == entry->d_name || *end != '\0' || fd == own) continue;
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    if (::getsockname(static_cast<int>(fd), reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    if ((local.ss_family != AF_INET && local.ss_family != AF_INET6) || port_of(local) != port) continue;
    int type = 0;
    len = sizeof type;
    if (::getsockopt(static_cast<int>(fd), SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) continue;
    TcpSocket s;
    s.fd = static_cast<int>(fd);
    int accepting = 0;
    len = sizeof accepting;
    s.listening = ::getsockopt(s.fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) == 0 && accepting;
    if (!s.listening) {
      sockaddr_storage remote{};
      len = sizeof remote;
      if (::getpeername(s.fd, reinterpret_cast<sockaddr*>(&remote), &len) == 0) {
        s.host = host_of(remote);
        s.peer = s.host + ":" + std::to_string(port_of(remote));
      }
      tcp_info info{};
      len = sizeof info;
      if (::getsockopt(s.fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0) {
        s.peer_left = info.tcpi_state == TCP_CLOSE_WAIT || info.tcpi_state == TCP_CLOSE;
        s.quiet = std::chrono::milliseconds(std::min(info.tcpi_last_data_recv, info.tcpi_last_data_sent));
      }
    }
    found.push_back(std::move(s));
  }
  ::closedir(dir);
  return found;
}

}  // namespace

SipStack::SipStack(StackOptions options, EventHandler handler) : handler_(std::move(handler)) {
  init_sofia();
  thread_ = std::thread([this, options] { run(options); });
  std::unique_lock lock(mu_);
  started_.wait(lock, [&] { return accepting_ || !start_error_.empty(); });
  if (!start_error_.empty()) {
    lock.unlock();
    thread_.join();
    throw std::runtime_error(start_error_);
  }
}

SipStack::~SipStack() { stop(); }

void SipStack::run(const StackOptions& options) {
  root_ = su_root_create(this);  // the root belongs to the thread that creates it
  auto fail = [this](std::string why) {
    std::lock_guard guard(mu_);
    start_error_ = std::move(why);
    started_.notify_all();
  };
  if (!root_) return fail("sofia-sip: cannot create the event loop");
  su_root_threading(root_, 0);  // the stack runs here, not on a hidden clone thread
  // Both transports: no transport parameter (sofia binds UDP and TCP on one
  // port). Seen here: ";transport=udp,tcp" crashed inside tport_tbind in the
  // daemon (never in a small program), so the list form is not used.
  std::string url = "sip:" + options.address + ":" + std::to_string(options.port);
  if (options.transports != "udp,tcp") url += ";transport=" + options.transports;
  nua_ = nua_create(root_, &SipStack::on_event, this, NUTAG_URL(url.c_str()),
                    SIPTAG_ALLOW_STR(options.allow.c_str()), NUTAG_APPL_METHOD(options.handled.c_str()),
                    SIPTAG_SUPPORTED_STR("timer"),  // no 100rel
                    NUTAG_MEDIA_ENABLE(0), NUTAG_AUTOANSWER(0), NUTAG_AUTOALERT(0), NUTAG_AUTOACK(1),
                    NUTAG_ENABLEINVITE(options.handled.find("INVITE") != std::string::npos), NUTAG_SESSION_TIMER(0),
                    NUTAG_RETRY_COUNT(options.retry_count),
                    TPTAG_IDLE(static_cast<unsigned>(options.tcp.idle_timeout.count())),
                    TPTAG_TIMEOUT(static_cast<unsigned>(options.tcp.incomplete_timeout.count())),
                    NTATAG_MAXSIZE(options.tcp.max_message_bytes),
                    NUTAG_USER_AGENT(options.user_agent.c_str()), TAG_END());
  if (!nua_) {
    su_root_destroy(root_);
    root_ = nullptr;
    return fail("cannot listen for SIP on " + url);
  }
  nua_get_params(nua_, NTATAG_CONTACT(nullptr), TAG_END());  // answered by nua_r_get_params: the bound port
  // Wait by the clock: a step may return at once (a due timer), so a count
  // of steps is no bound on time.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (port_ == 0 && std::chrono::steady_clock::now() < deadline) su_root_step(root_, 10);
  if (port_ == 0) {
    // nua_destroy requires a completed shutdown (sofia asserts it).
    nua_shutdown(nua_);
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!shut_down_ && std::chrono::steady_clock::now() < give_up) su_root_step(root_, 10);
    nua_destroy(nua_);
    nua_ = nullptr;
    su_root_destroy(root_);
    root_ = nullptr;
    return fail("sofia-sip did not report the bound SIP port");
  }
  tcp_ = options.tcp;
  start_tcp_guard();
  {
    std::lock_guard guard(mu_);
    accepting_ = true;
    started_.notify_all();
  }
  su_root_run(root_);  // until nua_r_shutdown breaks it
  stop_tcp_guard();
  {
    std::lock_guard guard(mu_);
    accepting_ = false;  // no post() may reach the root from now on
  }
  nua_destroy(nua_);
  nua_ = nullptr;
  su_root_destroy(root_);
  root_ = nullptr;
}

std::size_t SipStack::tcp_total_cap() const {
  rlimit limit{};
  std::size_t cap = tcp_.max_connections;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    cap = std::min<std::size_t>(cap, static_cast<std::size_t>(limit.rlim_cur / 4));
  return std::max<std::size_t>(cap, 1);
}

void SipStack::start_tcp_guard() {
  // The listener, watched by an epoll of our own: readable while an accept is
  // due. sofia accepts in the same loop turn; the prepoll hook then checks.
  for (const auto& s : tcp_sockets_on(port_)) {
    if (!s.listening) continue;
    listener_watch_ = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = s.fd;
    if (listener_watch_ >= 0 && ::epoll_ctl(listener_watch_, EPOLL_CTL_ADD, s.fd, &ev) == 0) {
      su_wait_t wait[1];
      su_wait_create(wait, listener_watch_, SU_WAIT_IN);
      su_root_register(
          root_, wait,
          [](su_root_magic_t*, su_wait_t*, su_wakeup_arg_t* arg) {
            auto* self = static_cast<SipStack*>(arg);
            epoll_event drained[4];
            (void)::epoll_wait(self->listener_watch_, drained, 4, 0);
            self->accept_seen_ = true;
            return 0;
          },
          this, 0);
    }
    break;
  }
  su_root_add_prepoll(
      root_,
      [](su_prepoll_magic_t* arg, su_root_t*) {
        auto* self = static_cast<SipStack*>(arg);
        if (!self->accept_seen_) return;
        self->accept_seen_ = false;
        self->sweep_tcp();
      },
      this);
  sweep_timer_ = su_timer_create(su_root_task(root_), static_cast<su_duration_t>(tcp_.sweep_interval.count()));
  su_timer_set_for_ever(
      sweep_timer_, [](su_root_magic_t*, su_timer_t*, su_timer_arg_t* arg) { static_cast<SipStack*>(arg)->sweep_tcp(); },
      this);
}

void SipStack::stop_tcp_guard() {
  su_root_remove_prepoll(root_);
  if (sweep_timer_) su_timer_destroy(sweep_timer_), sweep_timer_ = nullptr;
  if (listener_watch_ >= 0) {
    su_wait_t wait[1];
    su_wait_create(wait, listener_watch_, SU_WAIT_IN);
    su_root_unregister(root_, wait, nullptr, this);
    ::close(listener_watch_);
    listener_watch_ = -1;
  }
}

void SipStack::sweep_tcp() {
  const auto sockets = tcp_sockets_on(port_);
  const std::size_t total_cap = tcp_total_cap();
  std::map<int, std::string> admitted, shut;
  std::map<std::string, std::size_t> per_source;
  std::size_t refused = 0, left = 0;
  auto shut_down = [&](const TcpSocket& s) {
    // The descriptor stays sofia's: it sees the hang-up and closes it. Only
    // this thread closes these descriptors, so the number cannot be reused
    // between the look and the shutdown.
    ::shutdown(s.fd, SHUT_RDWR);
    shut[s.fd] = s.peer;
  };
  // Connections admitted before keep their place; new ones take what is left,
  // in descriptor order.
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& s : sockets) {
      if (s.listening || s.peer.empty()) continue;
      const auto was = admitted_.find(s.fd);
      const bool known = was != admitted_.end() && was->second == s.peer;
      if ((pass == 0) != known) continue;
      const auto gone = shut_.find(s.fd);
      if (gone != shut_.end() && gone->second == s.peer) {
        shut[s.fd] = s.peer;  // still being closed
        continue;
      }
      // sofia's own idle timer never starts on a connection that sent
      // nothing, nor on one it stopped reading: the guard closes those.
      if (s.peer_left || s.quiet >= tcp_.idle_timeout + tcp_.sweep_interval) {
        ++left;
        shut_down(s);
        continue;
      }
      if (!known && (admitted.size() >= total_cap || per_source[s.host] >= tcp_.max_connections_per_source)) {
        ++refused;
        shut_down(s);
        continue;
      }
      ++per_source[s.host];
      admitted[s.fd] = s.peer;
    }
  }
  admitted_ = std::move(admitted);
  shut_ = std::move(shut);
  if (refused > 0) {
    // A flood must not flood the log: one line per 10 s with the count.
    refusals_unlogged_ += refused;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_refusal_log_ >= std::chrono::seconds(10)) {
      spdlog::warn("SIP TCP: {} connection(s) refused over the caps ({} per source, {} in total)", refusals_unlogged_,
                   tcp_.max_connections_per_source, total_cap);
      refusals_unlogged_ = 0;
      last_refusal_log_ = now;
    }
  }
  if (left > 0) spdlog::debug("SIP TCP: closed {} connection(s) whose peer had left or that were idle", left);
}

bool SipStack::post(std::function<void()> work) {
  std::lock_guard guard(mu_);
  if (!accepting_) return false;
  su_msg_r msg = SU_MSG_R_INIT;
  if (su_msg_create(msg, su_root_task(root_), su_task_null, run_work, sizeof(Work*)) != 0) return false;
  *static_cast<Work**>(static_cast<void*>(su_msg_data(msg))) = new Work(std::move(work));
  su_msg_deinitializer(msg, free_work);
  return su_msg_send(msg) == 0;
}

void SipStack::stop() {
  if (!thread_.joinable()) return;
  post([this] { nua_shutdown(nua_); });
  thread_.join();
}

void SipStack::on_event(nua_event_t event, int status, const char* phrase, nua_t*, nua_magic_t* magic,
                        nua_handle_t* handle, nua_hmagic_t* handle_magic, const sip_t* sip, tagi_t tags[]) {
  auto* self = static_cast<SipStack*>(magic);
  if (event == nua_r_get_params) {
    const sip_contact_t* contact = nullptr;
    tl_gets(tags, NTATAG_CONTACT_REF(contact), TAG_END());
    // sofia leaves the port out of the URL when it is SIP's default, 5060.
    if (contact) self->port_ = contact->m_url->url_port ? static_cast<std::uint16_t>(std::stoi(contact->m_url->url_port)) : 5060;
    return;
  }
  if (event == nua_r_shutdown) {
    if (status >= 200) {  // 100/101: still closing calls
      self->shut_down_ = true;
      su_root_break(self->root_);
    }
    return;
  }
  if (self->handler_) self->handler_(event, status, phrase, handle, handle_magic, sip, tags);
}

}  // namespace contactd::sip
