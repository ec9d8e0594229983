// The SIP module's stack (issue 5): sofia-sip NUA on its own thread, real
// sockets, a real peer (sofia-sip-bin's sip-options).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "sip/sip_stack.h"

using namespace contactd;
using namespace std::chrono_literals;

namespace {

// Runs a command; returns what it printed (stdout and stderr).
std::string output_of(const std::string& command) {
  std::string out;
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  ::pclose(p);
  return out;
}

template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 200 && !done(); ++i) std::this_thread::sleep_for(10ms);
  return done();
}

}  // namespace

TEST_CASE("SIP stack: answers OPTIONS over UDP and TCP on the port it bound, runs posted work on its own thread "
          "in order, and stops cleanly") {
  std::atomic<int> options{0};
  sip::SipStack stack({"127.0.0.1", 0, "udp,tcp", "contactd-test"},
                      [&](nua_event_t event, int, const char*, nua_handle_t* handle, nua_hmagic_t*, const sip_t*, tagi_t*) {
                        if (event == nua_i_options) {
                          ++options;
                          nua_handle_destroy(handle);  // answered by the stack; the handle is ours to free
                        }
                      });
  REQUIRE(stack.port() != 0);
  const std::string uri = "sip:127.0.0.1:" + std::to_string(stack.port());
  const auto udp = output_of("sip-options '" + uri + "'");
  INFO(udp);
  CHECK(udp.find("SIP/2.0 200 OK") != std::string::npos);
  const auto tcp = output_of("sip-options '" + uri + ";transport=tcp'");
  INFO(tcp);
  CHECK(tcp.find("SIP/2.0 200 OK") != std::string::npos);
  CHECK(eventually([&] { return options == 2; }));

  // Two threads post 5,000 closures each: all run on the stack's one thread,
  // each thread's in the order posted.
  std::mutex mu;
  std::map<int, std::vector<int>> seen;
  std::atomic<int> off_thread{0}, ran{0};
  std::vector<std::thread> posters;
  for (int t = 0; t < 2; ++t)
    posters.emplace_back([&, t] {
      for (int k = 0; k < 5000; ++k)
        REQUIRE(stack.post([&, t, k] {
          if (!stack.on_stack_thread()) ++off_thread;
          std::lock_guard lock(mu);
          seen[t].push_back(k);
          ++ran;
        }));
    });
  for (auto& p : posters) p.join();
  CHECK(eventually([&] { return ran == 10000; }));
  CHECK(off_thread == 0);
  for (auto& [t, order] : seen) CHECK(std::is_sorted(order.begin(), order.end()));

  stack.stop();
  CHECK_FALSE(stack.post([] {}));  // refused, not lost in a dead loop
  stack.stop();                    // idempotent
  const auto after = output_of("sip-options '" + uri + ";transport=tcp'");
  CHECK(after.find("SIP/2.0 200 OK") == std::string::npos);  // the listener is gone
}

TEST_CASE("SIP stack: an address already in use is refused at start") {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const auto port = ntohs(addr.sin_port);
  auto start = [&] { sip::SipStack stack({"127.0.0.1", port, "udp", "contactd-test"}, nullptr); };
  CHECK_THROWS_WITH(start(), Catch::Contains(std::to_string(port)));
  ::close(fd);
}

TEST_CASE("SIP stack: on SIP's default port 5060 (which sofia leaves out of its URLs) it learns the port too") {
  int probe = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(5060);
  const bool free = ::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(probe);
  if (!free) {
    WARN("127.0.0.1:5060 is in use here; not checked");
    return;
  }
  sip::SipStack stack({"127.0.0.1", 5060, "udp,tcp", "contactd-test"}, nullptr);
  CHECK(stack.port() == 5060);
}
