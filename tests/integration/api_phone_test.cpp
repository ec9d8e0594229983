// Agents' SIP phones register with contactd (issue 5): real SIP over loopback
// (a sofia-sip user agent doing digest authentication), a real daemon, the
// API showing the registration.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/sip_phone.h"
#include "auth/sip_digest.h"
#include "world.h"

using namespace contactd;
using namespace contactd::test;

namespace {

std::uint64_t user_id(const v1::Snapshot& s, const std::string& login) {
  const v1::UserState* u = overseen(s, login);
  REQUIRE(u);
  return u->id();
}

v1::Command sip_password(std::uint64_t user, const std::string& password) {
  v1::Command c;
  c.mutable_update_user()->set_user_id(user);
  c.mutable_update_user()->set_sip_password(password);
  return c;
}

}  // namespace

TEST_CASE("phones register with digest authentication: the right SIP password is bound, a wrong one, an unknown "
          "user and a user without SIP access all get 401, then the guessing address gets 403") {
  World w;
  Client admin(w.port());
  const auto snapshot = must_login(admin, "alice", "alice-pass").snapshot();
  const auto ana = user_id(snapshot, "ana");
  require_ack(admin.request(sip_password(ana, "ana-sip-secret")));
  CHECK(w.db.query("SELECT length(sip_secret) FROM users WHERE login = 'ana'") == "32");  // a digest, not the password
  Client agent(w.port());
  must_login(agent, "ana", "ana-pass");

  SipPhone phone;
  auto ok = phone.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret", 300, "udp");
  REQUIRE(ok.status == 200);
  CHECK(ok.contact.find("sip:") == 0);
  auto registered = next_of(agent, v1::Event::kPhoneRegistered).phone_registered();
  CHECK(registered.user_id() == ana);
  CHECK(registered.source().rfind("udp 127.0.0.1:", 0) == 0);
  CHECK(w.db.query("SELECT phone_contact IS NOT NULL FROM users WHERE login = 'ana'") == "t");
  CHECK(overseen(admin.snapshot().response().snapshot(), "ana")->phone_registered());

  SipPhone wrong;
  CHECK(wrong.register_as(w.daemon.sip_port(), "ana", "not-the-password").status == 401);
  SipPhone stranger;
  CHECK(stranger.register_as(w.daemon.sip_port(), "nobody", "whatever-pass").status == 401);
  SipPhone bob;  // a real user without SIP access: the same answer as a stranger (no enumeration)
  CHECK(bob.register_as(w.daemon.sip_port(), "bob", "bob-pass").status == 401);
  SipPhone over_tcp;
  CHECK(over_tcp.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret", 300, "tcp").status == 200);

  // Guessing: after 5 wrong answers within a minute from one address, that
  // address is refused, even with the right password, until the minute passes
  // (other addresses are not: sip_hardening_test).
  for (int k = 0; k < 2; ++k) {  // three wrong answers came above
    SipPhone guess;
    CHECK(guess.register_as(w.daemon.sip_port(), "ana", "guess-" + std::to_string(k)).status == 401);
  }
  SipPhone rightful;
  CHECK(rightful.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret").status == 403);
  SipPhone other;  // the whole address is refused, whatever the name
  require_ack(admin.request(sip_password(user_id(snapshot, "carla"), "carla-sip-secret")));
  CHECK(other.register_as(w.daemon.sip_port(), "carla", "carla-sip-secret").status == 403);
}

TEST_CASE("a phone's registration: too short an expiry gets 423, unregistering drops it, new SIP credentials "
          "revoke it, and a live one survives a restart") {
  World w;
  Client admin(w.port());
  const auto ana = user_id(must_login(admin, "alice", "alice-pass").snapshot(), "ana");
  require_ack(admin.request(sip_password(ana, "ana-sip-secret")));

  {
    SipPhone phone;
    // 5 s is below the minimum (30 s in tests): 423 with Min-Expires, which
    // the phone (like most) answers by registering again for 30 s.
    REQUIRE(phone.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret", 5).status == 200);
    CHECK(w.db.query("SELECT extract(epoch from phone_expires_at - now()) BETWEEN 25 AND 31 FROM users WHERE login = 'ana'") ==
          "t");
    REQUIRE(phone.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret", 120).status == 200);
    REQUIRE(phone.unregister().status == 200);
    CHECK(w.db.query("SELECT phone_contact IS NULL FROM users WHERE login = 'ana'") == "t");
    CHECK(w.db.query("SELECT payload->'phone_unregistered'->>'reason' FROM journal WHERE type = 'phone_unregistered' ORDER BY seq DESC LIMIT 1") ==
          "PHONE_GONE_UNREGISTERED");

    REQUIRE(phone.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret", 120).status == 200);
    require_ack(admin.request(sip_password(ana, "a-new-sip-secret")));
    CHECK(w.db.query("SELECT payload->'phone_unregistered'->>'reason' FROM journal WHERE type = 'phone_unregistered' ORDER BY seq DESC LIMIT 1") ==
          "PHONE_GONE_REVOKED");
  }
  {
    SipPhone old_settings;  // a phone still configured with the old password
    CHECK(old_settings.register_as(w.daemon.sip_port(), "ana", "ana-sip-secret", 120).status == 401);
  }
  // A phone with the new password; then contactd restarts under it.
  SipPhone phone;
  REQUIRE(phone.register_as(w.daemon.sip_port(), "ana", "a-new-sip-secret", 600).status == 200);
  admin.close();
  REQUIRE(w.daemon.stop() == 0);
  w.daemon.start();
  Client again(w.port());
  CHECK(overseen(must_login(again, "alice", "alice-pass").snapshot(), "ana")->phone_registered());

  // Bad values through the API change nothing.
  CHECK(error_of(again.request(sip_password(ana, "short"))) == v1::INVALID_ARGUMENT);
  CHECK(error_of(again.request(sip_password(424242, "long-enough-secret"))) == v1::NOT_FOUND);
}

namespace {

// Sends one UDP datagram to contactd's SIP port and returns the reply ("" after 2 s).
std::string udp_exchange(std::uint16_t port, const std::string& request_template) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  std::string request = request_template;
  for (std::size_t at; (at = request.find("LPORT")) != std::string::npos;)
    request.replace(at, 5, std::to_string(ntohs(local.sin_port)));
  sockaddr_in to = local;
  to.sin_port = htons(port);
  ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  const auto n = ::recv(fd, buf, sizeof buf, 0);
  ::close(fd);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
}

std::string register_request(std::uint16_t port, const std::string& to_user, const std::string& authorization, int cseq) {
  return "REGISTER sip:127.0.0.1:" + std::to_string(port) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:LPORT;branch=z9hG4bK-" + std::to_string(cseq) + "\r\n"
         "Max-Forwards: 70\r\nFrom: <sip:" + to_user + "@127.0.0.1>;tag=t1\r\nTo: <sip:" + to_user + "@127.0.0.1>\r\n"
         "Call-ID: raw-" + std::to_string(cseq) + "@test\r\nCSeq: " + std::to_string(cseq) + " REGISTER\r\n"
         "Contact: <sip:" + to_user + "@127.0.0.1:LPORT>\r\nExpires: 300\r\n" + authorization +
         "Content-Length: 0\r\n\r\n";
}

std::string status_line(const std::string& reply) { return reply.substr(0, reply.find("\r\n")); }

}  // namespace

TEST_CASE("bad SIP input: garbage is dropped, a malformed Authorization gets 400, registering someone else's "
          "address 403, a forged nonce a new challenge, and nothing is bound") {
  World w;
  Client admin(w.port());
  const auto snapshot = must_login(admin, "alice", "alice-pass").snapshot();
  require_ack(admin.request(sip_password(user_id(snapshot, "ana"), "ana-sip-secret")));
  require_ack(admin.request(sip_password(user_id(snapshot, "bob"), "bob-sip-secret")));
  const auto port = w.daemon.sip_port();

  CHECK(udp_exchange(port, "hello, not SIP\r\n\r\n").empty());
  CHECK(status_line(udp_exchange(port, register_request(port, "ana", "Authorization: Digest nonsense\r\n", 1))) ==
        "SIP/2.0 400 Bad Request");
  const auto bare = status_line(udp_exchange(port, register_request(port, "ana", "Authorization: Digest\r\n", 6)));
  CHECK((bare == "SIP/2.0 400 Bad Request" || bare == "SIP/2.0 401 Unauthorized"));  // refused, not a crash

  // A correct digest for ana's own credentials, but for bob's address.
  const auto challenge = udp_exchange(port, register_request(port, "ana", "", 2));
  REQUIRE(status_line(challenge) == "SIP/2.0 401 Unauthorized");
  const auto at = challenge.find("nonce=\"") + 7;
  const std::string nonce = challenge.substr(at, challenge.find('"', at) - at);
  auth::DigestAnswer a{"ana", "contactd", nonce, "sip:127.0.0.1:" + std::to_string(port), "", "auth", "00000001", "c1"};
  a.response = auth::expected_response(auth::digest_secret("ana", "contactd", "ana-sip-secret"), "REGISTER", a);
  const std::string authorization = "Authorization: Digest username=\"ana\", realm=\"contactd\", nonce=\"" + nonce +
                                    "\", uri=\"" + a.uri + "\", response=\"" + a.response +
                                    "\", qop=auth, nc=00000001, cnonce=\"c1\", algorithm=MD5\r\n";
  CHECK(status_line(udp_exchange(port, register_request(port, "bob", authorization, 3))) == "SIP/2.0 403 Forbidden");
  // The same answer for ana's own address is accepted: the digest was right.
  CHECK(status_line(udp_exchange(port, register_request(port, "ana", authorization, 4))) == "SIP/2.0 200 OK");

  std::string forged = authorization;
  forged.replace(forged.find(nonce), nonce.size(), "ffffffff.00000000000000000000000000000000");
  const auto again = udp_exchange(port, register_request(port, "bob", forged, 5));
  CHECK(status_line(again) == "SIP/2.0 401 Unauthorized");
  CHECK(w.db.query("SELECT count(*) FROM users WHERE phone_contact IS NOT NULL") == "1");  // ana's only
}
