// Issue 11, the SIP side: lockouts that spare the working phone, names that
// cannot be told apart, and SIP TCP that cannot take the daemon's
// descriptors. A real daemon, real SIP on loopback (other 127.0.0.x
// addresses are other sources).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <thread>

#include "harness/sip_phone.h"
#include "auth/sip_digest.h"
#include "world.h"

using namespace contactd;
using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

std::uint64_t user_id(const v1::Snapshot& s, const std::string& login) {
  const v1::UserState* u = overseen(s, login);
  REQUIRE(u);
  return u->id();
}

void set_sip_password(Client& admin, std::uint64_t user, const std::string& password) {
  v1::Command c;
  c.mutable_update_user()->set_user_id(user);
  c.mutable_update_user()->set_sip_password(password);
  require_ack(admin.request(c));
}

// One UDP datagram from `from` (a loopback address) to contactd's SIP port;
// the reply, "" after 2 s. "LPORT" in the request becomes the local port.
std::string udp_exchange_from(const std::string& from, std::uint16_t port, std::string request) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0);
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  for (std::size_t at; (at = request.find("LPORT")) != std::string::npos;)
    request.replace(at, 5, std::to_string(ntohs(local.sin_port)));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  const auto n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

int sequence = 0;

std::string register_request(const std::string& from, std::uint16_t port, const std::string& user,
                             const std::string& authorization) {
  const auto seq = std::to_string(++sequence);
  return "REGISTER sip:127.0.0.1:" + std::to_string(port) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP " + from + ":LPORT;branch=z9hG4bK-h" + seq + "\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:" + user + "@127.0.0.1>;tag=h" + seq + "\r\nTo: <sip:" + user + "@127.0.0.1>\r\n"
         "Call-ID: hardening-" + seq + "@test\r\nCSeq: 1 REGISTER\r\n"
         "Contact: <sip:" + user + "@" + from + ":LPORT>\r\nExpires: 300\r\n" + authorization +
         "Content-Length: 0\r\n\r\n";
}

std::string status_line(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

// REGISTER as `user` from `from`, answering a fresh challenge with `password`:
// the final reply.
std::string register_with(const std::string& from, std::uint16_t port, const std::string& user,
                          const std::string& password) {
  const auto challenge = udp_exchange_from(from, port, register_request(from, port, user, ""));
  REQUIRE(status_line(challenge) == "SIP/2.0 401 Unauthorized");
  const auto at = challenge.find("nonce=\"") + 7;
  const std::string nonce = challenge.substr(at, challenge.find('"', at) - at);
  auth::DigestAnswer a{user, "contactd", nonce, "sip:127.0.0.1:" + std::to_string(port), "", "auth", "00000001", "c1"};
  a.response = auth::expected_response(auth::digest_secret(user, "contactd", password), "REGISTER", a);
  const std::string authorization = "Authorization: Digest username=\"" + user + "\", realm=\"contactd\", nonce=\"" +
                                    nonce + "\", uri=\"" + a.uri + "\", response=\"" + a.response +
                                    "\", qop=auth, nc=00000001, cnonce=\"c1\", algorithm=MD5\r\n";
  return udp_exchange_from(from, port, register_request(from, port, user, authorization));
}

// A reply's status line and header names, in order, with WWW-Authenticate's
// parameter names: what must not differ between refusals.
std::string shape_of(const std::string& reply) {
  std::istringstream lines(reply);
  std::string line, shape;
  std::getline(lines, line);
  shape = line;
  while (std::getline(lines, line) && line != "\r") {
    const auto colon = line.find(':');
    const std::string name = line.substr(0, colon);
    shape += "|" + name;
    if (name == "WWW-Authenticate") {
      std::string params = line.substr(colon + 1);
      for (std::size_t eq; (eq = params.find('=')) != std::string::npos;) {
        const auto start = params.find_last_of(" ,", eq);
        shape += " " + params.substr(start + 1, eq - start - 1);
        const auto comma = params.find(',', eq);
        params = comma == std::string::npos ? "" : params.substr(comma + 1);
      }
    }
  }
  return shape;
}

}  // namespace

TEST_CASE("R-SIP-AUTH wrong REGISTERs from one address lock that address out, not the working phone at another") {
  World w;
  Client admin(w.port());
  const auto snapshot = must_login(admin, "alice", "alice-pass").snapshot();
  set_sip_password(admin, user_id(snapshot, "ana"), "ana-sip-secret");
  const auto port = w.daemon.sip_port();

  SipPhone phone;  // ana's desk phone, on 127.0.0.1
  REQUIRE(phone.register_as(port, "ana", "ana-sip-secret", 300).status == 200);

  // A stale-password device (or a guesser) on 127.0.0.2.
  for (int k = 0; k < 8; ++k) {
    const auto reply = status_line(register_with("127.0.0.2", port, "ana", "stale-" + std::to_string(k)));
    CHECK((k < 5 ? reply == "SIP/2.0 401 Unauthorized" : reply == "SIP/2.0 403 Forbidden"));
  }
  // The address is locked out, even with the right password...
  CHECK(status_line(register_with("127.0.0.2", port, "ana", "ana-sip-secret")) == "SIP/2.0 403 Forbidden");
  // ...the working phone is not: it refreshes its binding.
  CHECK(phone.register_as(port, "ana", "ana-sip-secret", 300).status == 200);
  // Nor is anyone else's phone from another address.
  CHECK(status_line(register_with("127.0.0.3", port, "ana", "ana-sip-secret")) == "SIP/2.0 200 OK");
  CHECK(w.daemon.log().find("wrong credentials") != std::string::npos);
  CHECK(w.daemon.log().find("locked out") != std::string::npos);
}

TEST_CASE("R-SIP-AUTH guessing one name from many addresses locks the name, but for its bound phone's address") {
  World w;
  Client admin(w.port());
  const auto snapshot = must_login(admin, "alice", "alice-pass").snapshot();
  set_sip_password(admin, user_id(snapshot, "ana"), "ana-sip-secret");
  const auto port = w.daemon.sip_port();
  SipPhone phone;  // on 127.0.0.1
  REQUIRE(phone.register_as(port, "ana", "ana-sip-secret", 300).status == 200);

  // 100 wrong answers (the per-name bound) from 25 addresses, 4 each (under
  // the per-address bound of 5).
  for (int source = 10; source < 35; ++source)
    for (int k = 0; k < 4; ++k)
      CHECK(status_line(register_with("127.0.1." + std::to_string(source), port, "ana", "guess")) ==
            "SIP/2.0 401 Unauthorized");
  // The name is locked for other addresses, right password or not...
  CHECK(status_line(register_with("127.0.2.1", port, "ana", "ana-sip-secret")) == "SIP/2.0 403 Forbidden");
  CHECK(status_line(register_with("127.0.2.2", port, "ana", "guess")) == "SIP/2.0 403 Forbidden");
  // ...the phone holding the binding keeps refreshing it, and other names are untouched.
  CHECK(phone.register_as(port, "ana", "ana-sip-secret", 300).status == 200);
  set_sip_password(admin, user_id(snapshot, "carla"), "carla-sip-secret");
  CHECK(status_line(register_with("127.0.2.3", port, "carla", "carla-sip-secret")) == "SIP/2.0 200 OK");
}

TEST_CASE("R-SIP-AUTH an unknown name, a login without SIP access and a wrong password get the same answer") {
  World w;
  Client admin(w.port());
  const auto snapshot = must_login(admin, "alice", "alice-pass").snapshot();
  set_sip_password(admin, user_id(snapshot, "ana"), "ana-sip-secret");
  const auto port = w.daemon.sip_port();
  // Each from its own address, so no lockout enters.
  const auto unknown = register_with("127.0.3.1", port, "nobody", "whatever-pass");
  const auto no_sip = register_with("127.0.3.2", port, "bob", "bob-pass");  // a real login without SIP access
  const auto wrong = register_with("127.0.3.3", port, "ana", "not-the-password");
  INFO(unknown << "\n---\n" << no_sip << "\n---\n" << wrong);
  CHECK(status_line(unknown) == "SIP/2.0 401 Unauthorized");
  CHECK(shape_of(no_sip) == shape_of(unknown));
  CHECK(shape_of(wrong) == shape_of(unknown));
}

TEST_CASE("R-SIP-TCP with SIP TCP at its cap, the API still logs in and /healthz answers") {
  // The daemon inherits a descriptor limit of 256: SIP TCP may take at most
  // a quarter of it.
  rlimit saved{};
  REQUIRE(::getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit low = saved;
  low.rlim_cur = 256;
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::unique_ptr<World> w;
  try {
    w = std::make_unique<World>();
  } catch (...) {
    ::setrlimit(RLIMIT_NOFILE, &saved);
    throw;
  }
  REQUIRE(::setrlimit(RLIMIT_NOFILE, &saved) == 0);
  const auto port = w->daemon.sip_port();

  // 320 connections from 20 addresses, 16 each (the per-source default).
  std::vector<int> fds;
  for (int source = 1; source <= 20; ++source) {
    const std::string from = "127.0.4." + std::to_string(source);
    for (int k = 0; k < 16; ++k) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, from.c_str(), &local.sin_addr);
      ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
      sockaddr_in to{};
      to.sin_family = AF_INET;
      to.sin_port = htons(port);
      to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
        const std::string junk = "x";
        (void)::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
      }
      fds.push_back(fd);
    }
  }
  std::this_thread::sleep_for(500ms);  // a few of the guard's checks
  CHECK(http_get(w->port(), "/healthz").status == 200);
  Client agent(w->port());
  must_login(agent, "ana", "ana-pass");
  // The SIP side still answers within its cap.
  CHECK(w->daemon.log().find("Too many open files") == std::string::npos);
  for (int fd : fds) ::close(fd);
}
