#include "call/rtp_path.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "media/rtp_packet.h"

namespace contactd::bench::call {
namespace {

constexpr std::uint8_t kMagic[4] = {'C', 'B', 'E', 'N'};
constexpr std::size_t kFrame = 160;  // 20 ms of PCMU

int udp_socket(std::uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("cannot open a UDP socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("cannot bind a UDP socket");
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  int size = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  return fd;
}

}  // namespace

RtpPath::RtpPath(Tracker& tracker, std::function<void(std::uint64_t)> on_complete, std::chrono::milliseconds interval,
                 std::chrono::milliseconds hurried_interval)
    : tracker_(tracker), on_complete_(std::move(on_complete)), interval_(interval), hurried_interval_(hurried_interval) {
  customer_fd_ = udp_socket(&customer_port_);
  agent_fd_ = udp_socket(&agent_port_);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  thread_ = std::thread([this] { run(); });
}

RtpPath::~RtpPath() {
  shutdown();
  ::close(customer_fd_);
  ::close(agent_fd_);
  ::close(wake_fd_);
}

void RtpPath::shutdown() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
}

void RtpPath::send(std::uint64_t serial, Sender& s) {
  std::array<std::uint8_t, media::kRtpHeaderBytes + kFrame> packet;
  media::write_rtp_header(media::RtpHeader{false, 0, s.seq++, s.ts, static_cast<std::uint32_t>(serial)}, packet);
  s.ts += kFrame;
  std::uint8_t* payload = packet.data() + media::kRtpHeaderBytes;
  std::memset(payload, 0xFF, kFrame);  // µ-law silence
  std::memcpy(payload, kMagic, sizeof kMagic);
  std::memcpy(payload + sizeof kMagic, &serial, sizeof serial);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(s.port);
  if (::sendto(customer_fd_, packet.data(), packet.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) > 0) ++sent_;
  s.next = Clock::now() + (s.hurried ? hurried_interval_ : interval_);
}

void RtpPath::start(std::uint64_t serial, std::uint16_t to_port) {
  std::lock_guard lock(mu_);
  Sender s{to_port, static_cast<std::uint16_t>(serial * 7919), static_cast<std::uint32_t>(serial * 104729), Clock::now()};
  s.hurried = rang_early_.erase(serial) > 0;
  send(serial, s);
  senders_[serial] = s;
}

void RtpPath::hurry(std::uint64_t serial) {
  std::lock_guard lock(mu_);
  auto it = senders_.find(serial);
  if (it == senders_.end()) {
    rang_early_[serial] = true;  // the agent rang before the customer's 200 OK (the baseline's order)
    return;
  }
  if (it->second.hurried) return;
  it->second.hurried = true;
  send(serial, it->second);  // at once: the bridge may be up already
}

void RtpPath::stop(std::uint64_t serial) {
  std::lock_guard lock(mu_);
  senders_.erase(serial);
  rang_early_.erase(serial);
}

void RtpPath::run() {
  tid_ = static_cast<int>(::gettid());
  std::array<std::uint8_t, 2048> buf;
  std::vector<std::uint64_t> completed;
  while (!stopping_) {
    pollfd fds[3] = {{customer_fd_, POLLIN, 0}, {agent_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    ::poll(fds, 3, 1);  // 1 ms: the send schedule's resolution
    // Queue music (and anything else) towards the customers: counted, dropped.
    for (;;) {
      const auto n = ::recv(customer_fd_, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      ++music_;
    }
    for (;;) {
      const auto n = ::recv(agent_fd_, buf.data(), buf.size(), 0);
      if (n <= 0) break;
      const auto at = Clock::now();
      const auto packet = media::parse_rtp(std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n)));
      std::uint64_t serial = 0;
      if (packet && packet->payload.size() >= sizeof kMagic + sizeof serial &&
          std::memcmp(packet->payload.data(), kMagic, sizeof kMagic) == 0)
        std::memcpy(&serial, packet->payload.data() + sizeof kMagic, sizeof serial);
      if (serial && tracker_.bridged(serial, at)) completed.push_back(serial);
      else ++stray_;  // a frame after completion, or not ours
    }
    if (!completed.empty()) {
      {
        std::lock_guard lock(mu_);
        for (auto s : completed) senders_.erase(s);
      }
      for (auto s : completed) on_complete_(s);
      completed.clear();
    }
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    for (auto& [serial, s] : senders_)
      if (s.next <= now) send(serial, s);
  }
}

}  // namespace contactd::bench::call
