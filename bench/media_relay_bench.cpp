// Concurrent relayed calls (issue 5): N calls through contactd's RTP relay,
// each leg a phone sending 20 ms G.711 frames both ways, for some seconds.
// Measured on what the phones receive: loss and RFC 3550 interarrival
// jitter. Baseline in the same run: the same phones sending straight to
// each other, no relay. Prints both and the jitter the relay adds.
//
//   build/bench/media_relay_bench [calls] [seconds]
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include "media/rtp_packet.h"
#include "media/rtp_relay.h"
#include "support/bench_process.h"

using namespace contactd;
using Clock = std::chrono::steady_clock;

namespace {

struct Phone {
  int fd{-1};
  std::uint16_t port{0};
  sockaddr_in target{};  // where it sends
  // Receive side (RFC 3550 A.8 jitter, in timestamp units).
  std::uint64_t received{0};
  bool first{true};
  std::uint16_t base_seq{0}, max_seq{0};
  std::uint32_t cycles{0};
  double transit{0}, jitter{0};
};

int udp_socket(std::uint16_t* port) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port = ntohs(a.sin_port);
  int size = 1 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return fd;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  return a;
}

struct Result {
  double loss_percent{0};
  double jitter_ms{0};  // mean over legs
  double max_jitter_ms{0};
  double packets_per_second{0};  // received by all phones
  double cpu_cores{0};           // this process (phones, and the relay when used)
};

// Runs the phones for `seconds`: each sends a frame every 20 ms; returns
// what they received.
Result run(std::vector<Phone>& phones, int seconds) {
  std::atomic<bool> stop{false};
  std::vector<std::uint16_t> seq(phones.size(), 0);
  std::uint32_t ts = 0;
  const auto start = Clock::now();
  const double cpu0 = bench::cpu_seconds(::getpid());
  std::thread sender([&] {
    std::uint8_t packet[media::kRtpHeaderBytes + 160];
    std::fill(std::begin(packet), std::end(packet), 0xFF);
    auto next = Clock::now();
    while (!stop) {
      for (std::size_t k = 0; k < phones.size(); ++k) {
        media::write_rtp_header(media::RtpHeader{false, 0, seq[k]++, ts, static_cast<std::uint32_t>(k + 1)}, packet);
        ::sendto(phones[k].fd, packet, sizeof packet, 0, reinterpret_cast<sockaddr*>(&phones[k].target),
                 sizeof phones[k].target);
      }
      ts += 160;
      next += std::chrono::milliseconds(20);
      std::this_thread::sleep_until(next);
    }
  });
  int ep = ::epoll_create1(0);
  for (std::size_t k = 0; k < phones.size(); ++k) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = k;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, phones[k].fd, &ev);
  }
  const auto warmup_end = start + std::chrono::seconds(1);
  const auto end = start + std::chrono::seconds(seconds + 1);
  std::vector<epoll_event> events(256);
  std::uint64_t counted = 0;
  while (Clock::now() < end) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10);
    for (int i = 0; i < n; ++i) {
      Phone& p = phones[events[static_cast<std::size_t>(i)].data.u64];
      std::uint8_t buf[2048];
      for (;;) {
        const auto got = ::recv(p.fd, buf, sizeof buf, 0);
        if (got <= 0) break;
        const auto packet = media::parse_rtp(std::span<const std::uint8_t>(buf, static_cast<std::size_t>(got)));
        if (!packet) continue;
        const auto now = Clock::now();
        if (now < warmup_end) continue;  // measure once every leg is flowing
        const double arrival = std::chrono::duration<double>(now - start).count() * 8000.0;
        const double transit = arrival - packet->header.timestamp;
        const std::uint16_t s = packet->header.sequence;
        if (p.first) {
          p.first = false;
          p.base_seq = p.max_seq = s;
          p.transit = transit;
        } else {
          const double d = std::abs(transit - p.transit);
          p.transit = transit;
          p.jitter += (d - p.jitter) / 16.0;
          if (static_cast<std::int16_t>(s - p.max_seq) > 0) {
            if (s < p.max_seq) ++p.cycles;
            p.max_seq = s;
          }
        }
        ++p.received;
        ++counted;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - warmup_end).count();
  stop = true;
  sender.join();
  ::close(ep);
  Result r;
  std::uint64_t expected = 0, received = 0;
  double jitter_sum = 0;
  for (const auto& p : phones) {
    if (p.first) continue;
    expected += (static_cast<std::uint64_t>(p.cycles) << 16) + p.max_seq - p.base_seq + 1;
    received += p.received;
    jitter_sum += p.jitter;
    r.max_jitter_ms = std::max(r.max_jitter_ms, p.jitter / 8.0);
  }
  r.loss_percent = expected ? 100.0 * static_cast<double>(expected - std::min(expected, received)) / static_cast<double>(expected) : 100;
  r.jitter_ms = phones.empty() ? 0 : jitter_sum / static_cast<double>(phones.size()) / 8.0;
  r.packets_per_second = static_cast<double>(counted) / elapsed;
  r.cpu_cores = (bench::cpu_seconds(::getpid()) - cpu0) / std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

void reset(std::vector<Phone>& phones) {
  for (auto& p : phones) {
    p.received = 0;
    p.first = true;
    p.cycles = 0;
    p.jitter = 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t calls = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 500;
  const int seconds = argc > 2 ? std::atoi(argv[2]) : 10;
  bench::raise_file_limit();
  std::vector<Phone> phones(2 * calls);  // customer 2k, agent 2k+1
  for (auto& p : phones) p.fd = udp_socket(&p.port);

  // Baseline: each phone sends straight to its partner.
  for (std::size_t k = 0; k < phones.size(); ++k) phones[k].target = loopback(phones[k ^ 1].port);
  const Result direct = run(phones, seconds);

  // Through the relay: each phone sends to its own leg; legs are bridged in pairs.
  media::RtpRelay relay({"127.0.0.1", 40000, 49999});
  for (std::size_t c = 0; c < calls; ++c) {
    auto a = relay.open_leg();
    auto b = relay.open_leg();
    if (!a.leg || !b.leg) {
      std::fprintf(stderr, "out of relay ports at call %zu\n", c);
      return 1;
    }
    relay.connect(a.leg, "127.0.0.1", phones[2 * c].port, 0, 101);
    relay.connect(b.leg, "127.0.0.1", phones[2 * c + 1].port, 0, 101);
    relay.bridge(a.leg, b.leg);
    phones[2 * c].target = loopback(a.port);
    phones[2 * c + 1].target = loopback(b.port);
  }
  reset(phones);
  const Result relayed = run(phones, seconds);

  std::printf("media_relay_bench: %zu calls (%zu legs, 50 packets/s each way), %d s measured after 1 s\n", calls,
              phones.size(), seconds);
  std::printf("%-28s %14s %14s\n", "", "direct", "via relay");
  std::printf("%-28s %14.0f %14.0f\n", "packets received per second", direct.packets_per_second, relayed.packets_per_second);
  std::printf("%-28s %14.3f %14.3f\n", "loss (%)", direct.loss_percent, relayed.loss_percent);
  std::printf("%-28s %14.3f %14.3f\n", "mean jitter (ms)", direct.jitter_ms, relayed.jitter_ms);
  std::printf("%-28s %14.3f %14.3f\n", "worst leg jitter (ms)", direct.max_jitter_ms, relayed.max_jitter_ms);
  std::printf("%-28s %14.2f %14.2f\n", "process CPU (cores)", direct.cpu_cores, relayed.cpu_cores);
  std::printf("added jitter by the relay: %.3f ms (mean)\n", relayed.jitter_ms - direct.jitter_ms);
  for (auto& p : phones) ::close(p.fd);
  return 0;
}
