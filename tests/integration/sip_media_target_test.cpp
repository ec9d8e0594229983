// Issue 11: the phone side cannot be aimed at others. Real SIP on loopback
// (the test phone, and raw UDP where the test must choose the source
// address), a real contactd, sockets that count what reaches them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "harness/sip_phone.h"
#include "media/sdp.h"
#include "world.h"

using namespace contactd;
using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

// A UDP socket on a loopback address of the test's choice (127.0.0.0/8 is
// all loopback on Linux): a victim that never sends, a caller's media port,
// an attacker, or a SIP source.
class Udp {
 public:
  explicit Udp(const std::string& address = "127.0.0.1") : address_(address) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Udp() { ::close(fd_); }
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;

  std::uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }

  void send(std::uint16_t to_port, const std::string& bytes) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(to_port);
    ::inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  // One 20 ms PCMU frame of silence.
  void send_rtp(std::uint16_t to_port) {
    std::string p(12 + 160, '\xff');
    p[0] = '\x80';
    p[1] = 0;  // PCMU
    p[2] = static_cast<char>(sequence_ >> 8);
    p[3] = static_cast<char>(sequence_ & 0xff);
    const std::uint32_t ts = sequence_ * 160u;
    for (int k = 0; k < 4; ++k) p[4 + k] = static_cast<char>(ts >> (24 - 8 * k));
    for (int k = 0; k < 4; ++k) p[8 + k] = static_cast<char>(0x11 * (k + 1) + port_);
    ++sequence_;
    send(to_port, p);
  }
  // The next datagram within `timeout`, "" if none.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return "";
    char buffer[65536];
    const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }
  // Datagrams that arrive within `window`.
  std::size_t count_for(std::chrono::milliseconds window) {
    const auto end = std::chrono::steady_clock::now() + window;
    std::size_t n = 0;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return n;
      if (!receive(left).empty()) ++n;
    }
  }
  std::size_t drain() {  // what is queued now
    std::size_t n = 0;
    while (!receive(0ms).empty()) ++n;
    return n;
  }

 private:
  std::string address_;
  int fd_{-1};
  std::uint16_t port_{0};
  std::uint16_t sequence_{1};
};

std::string offer(const std::string& address, std::uint16_t port, const std::string& family = "IP4") {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN " + family + " " + address + "\r\nt=0 0\r\nm=audio " +
         std::to_string(port) + " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
}

// contactd's RTP port, from its SDP answer.
std::uint16_t media_port(const std::string& answer) {
  auto parsed = media::parse_sdp(answer);
  REQUIRE(std::holds_alternative<media::SessionDescription>(parsed));
  const auto& sd = std::get<media::SessionDescription>(parsed);
  REQUIRE(!sd.media.empty());
  return sd.media[0].port;
}

// Sales answers calls to 5000 (callers wait with queue music; no agent is
// logged in, so nobody takes them).
struct Line {
  explicit Line(const std::string& sip_extra = "") : w(options(sip_extra)), admin(w.port()) {
    const auto snapshot = must_login(admin, "alice", "alice-pass").snapshot();
    std::uint64_t sales = 0;
    for (const auto& c : snapshot.campaigns())
      if (c.name() == "Sales") sales = c.id();
    REQUIRE(sales != 0);
    v1::Command c = webchat_settings(sales, v1::STRATEGY_LONGEST_IDLE, {{v1::CHANNEL_PHONE, v1::PROVIDER_SIP_TRUNK}});
    c.mutable_update_campaign()->mutable_settings()->set_phone_number("5000");
    require_ack(admin.request(c));
  }
  static DaemonOptions options(const std::string& sip_extra) {
    DaemonOptions o;
    o.sip_extra = sip_extra;
    return o;
  }
  std::uint16_t sip_port() const { return w.daemon.sip_port(); }

  World w;
  Client admin;
};

// A hand-made INVITE over UDP from `from` (so the test picks the source
// address); returns the final response (status line and headers), "" if none.
std::string raw_invite(Udp& from, std::uint16_t sip_port, const std::string& number, const std::string& call_id,
                       const std::string& body) {
  const std::string host = from.address() + ":" + std::to_string(from.port());
  const std::string request =
      "INVITE sip:" + number + "@127.0.0.1:" + std::to_string(sip_port) + " SIP/2.0\r\nVia: SIP/2.0/UDP " + host +
      ";branch=z9hG4bK-" + call_id + ";rport\r\nMax-Forwards: 70\r\nFrom: <sip:caller@" + from.address() +
      ">;tag=" + call_id + "\r\nTo: <sip:" + number + "@127.0.0.1>\r\nCall-ID: " + call_id +
      "\r\nCSeq: 1 INVITE\r\nContact: <sip:caller@" + host +
      ">\r\nContent-Type: application/sdp\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  from.send(sip_port, request);
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < end) {
    const std::string r = from.receive(500ms);
    if (r.empty() || r.find("Call-ID: " + call_id + "\r\n") == std::string::npos) continue;
    if (r.rfind("SIP/2.0 1", 0) == 0) continue;  // 100 Trying, 180
    return r.substr(0, r.find("\r\n\r\n"));
  }
  return "";
}

int status_of(const std::string& response) {
  return response.size() > 11 && response.rfind("SIP/2.0 ", 0) == 0 ? std::stoi(response.substr(8, 3)) : 0;
}

}  // namespace

TEST_CASE("R-SEC no media leaves toward an SDP address before RTP arrives from it") {
  Line line;
  // The SDP names a socket that never sends (the victim of a reflection).
  Udp victim;
  SipPhone caller;
  REQUIRE(caller.call_with_sdp(line.sip_port(), "5000", "5551111", offer("127.0.0.1", victim.port())) == 200);
  caller.media().stop();  // the test phone would send from its own port; this caller sends nothing
  // Queue music is due (50 packets a second), but nothing came from there.
  CHECK(victim.count_for(1500ms) == 0);

  // Another host named in the SDP gets nothing either, however long a
  // co-located sender keeps sending (it is not the SDP's host).
  Udp other_host("127.0.0.2");
  SipPhone second;
  REQUIRE(second.call_with_sdp(line.sip_port(), "5000", "5552222", offer("127.0.0.2", other_host.port())) == 200);
  REQUIRE(second.media().sending());  // the phone's own port on 127.0.0.1 sends to contactd
  CHECK(other_host.count_for(3s) == 0);
  CHECK(second.media().packets_received() == 0);

  // Once RTP comes from the address and port the SDP named, music flows there.
  const auto port = media_port(caller.remote_sdp());
  victim.send_rtp(port);
  CHECK(victim.count_for(1s) > 20);
  CHECK(caller.hang_up());
  CHECK(second.hang_up());
}

TEST_CASE("R-SEC a caller that sends no RTP is hung up by the media inactivity timeout, one that sends is not") {
  Line line("rtp_inactivity_timeout_seconds = 2\n");
  Udp silent;
  SipPhone quiet;
  REQUIRE(quiet.call_with_sdp(line.sip_port(), "5000", "5550001", offer("127.0.0.1", silent.port())) == 200);
  quiet.media().stop();
  SipPhone talking(SipPhoneOptions{1000});
  REQUIRE(talking.call(line.sip_port(), "5000", "5550002") == 200);

  CHECK(quiet.wait_ended(6s));
  CHECK(quiet.bye_received());
  CHECK(talking.in_call());  // sends RTP all along
  CHECK(talking.media().wait_hears_music());
  CHECK(line.w.daemon.log().find("hanging up (media inactivity timeout)") != std::string::npos);
  // The call ended as a hang-up does: the interaction is closed (the caller left before anyone took it).
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  std::string state;
  while (std::chrono::steady_clock::now() < deadline &&
         (state = line.w.db.query("SELECT state FROM interactions WHERE customer = '5550001'")) != "closed")
    std::this_thread::sleep_for(50ms);
  CHECK(state == "closed");
  CHECK(line.w.db.query("SELECT state FROM interactions WHERE customer = '5550002'") != "closed");
  CHECK(talking.hang_up());
}

TEST_CASE("R-SEC a packet racing the caller from its address but another port does not take the media") {
  Line line;
  Udp caller_media;  // the port the caller's SDP names
  Udp racer;         // same host, another port, first to send
  SipPhone caller;
  REQUIRE(caller.call_with_sdp(line.sip_port(), "5000", "5551111", offer("127.0.0.1", caller_media.port())) == 200);
  caller.media().stop();
  const auto port = media_port(caller.remote_sdp());
  std::size_t to_racer = 0, to_caller = 0;
  // 3 s (past the NAT grace of 2 s): the racer sends from the start, the caller from 300 ms on.
  for (int tick = 0; tick < 150; ++tick) {
    racer.send_rtp(port);
    if (tick >= 15) caller_media.send_rtp(port);
    std::this_thread::sleep_for(20ms);
    to_racer += racer.drain();
    to_caller += caller_media.drain();
  }
  CHECK(to_racer == 0);
  CHECK(to_caller > 100);  // the queue music, 50 a second
  CHECK(caller.hang_up());
}

TEST_CASE("R-SEC the NAT rule: a caller whose port was rewritten is followed after the grace, never before") {
  Line line("rtp_nat_port_grace_ms = 1000\n");
  Udp announced;  // what the SDP says (a NAT's inside port), never used
  Udp rewritten;  // where the caller's packets really come from
  SipPhone caller;
  REQUIRE(caller.call_with_sdp(line.sip_port(), "5000", "5551111", offer("127.0.0.1", announced.port())) == 200);
  caller.media().stop();
  const auto port = media_port(caller.remote_sdp());
  std::size_t early = 0, late = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int tick = 0; tick < 100; ++tick) {  // 2 s
    rewritten.send_rtp(port);
    std::this_thread::sleep_for(20ms);
    const auto n = rewritten.drain();
    (std::chrono::steady_clock::now() - start < 800ms ? early : late) += n;
  }
  CHECK(early == 0);
  CHECK(late > 20);
  CHECK(announced.drain() == 0);
  CHECK(caller.hang_up());
}

TEST_CASE("R-SEC an INVITE flood from one unknown source gets 503, another source and a trunk still get through") {
  Line line("unknown_source_invites_per_minute = 3\ntrunk_addresses = \"127.0.0.3\"\n");
  Udp flooder("127.0.0.2");
  const std::string body = offer("127.0.0.2", 40000);
  for (int i = 0; i < 3; ++i)
    CHECK(status_of(raw_invite(flooder, line.sip_port(), "4040", "flood-" + std::to_string(i), body)) == 404);
  for (int i = 3; i < 8; ++i) {
    const std::string response = raw_invite(flooder, line.sip_port(), "4040", "flood-" + std::to_string(i), body);
    INFO(response);
    CHECK(status_of(response) == 503);
    CHECK(response.find("\r\nRetry-After: 60") != std::string::npos);
    CHECK(response.find("too many calls from 127.0.0.2") != std::string::npos);
  }
  // Another source is not affected.
  SipPhone other;
  CHECK(other.call(line.sip_port(), "5000", "5551111") == 200);
  CHECK(other.hang_up());
  // A trunk is not limited.
  Udp trunk("127.0.0.3");
  for (int i = 0; i < 8; ++i)
    CHECK(status_of(raw_invite(trunk, line.sip_port(), "4040", "trunk-" + std::to_string(i),
                               offer("127.0.0.3", 40000))) == 404);
  CHECK(line.w.daemon.log().find("INVITE from 127.0.0.2 refused") != std::string::npos);
}

TEST_CASE("R-SEC bad SDP addresses and malformed SDP are refused over SIP with a Warning saying why") {
  Line line;
  const auto port = line.sip_port();
  SipPhone p;
  struct Case {
    std::string sdp;
    int status;
    std::string warning;
  };
  const std::string many_m = [] {
    std::string s = offer("127.0.0.1", 40000);
    for (int i = 0; i < 500; ++i) s += "m=audio 0 RTP/AVP 0\r\n";
    return s;
  }();
  const std::vector<Case> cases{
      {offer("999.1.2.3", 40000), 400, "malformed c= address"},
      {offer("127.0.0.1 x", 40000), 400, "malformed c= line"},
      {offer("224.0.0.1", 40000), 488, "330 contactd"},
      {offer("255.255.255.255", 40000), 488, "301 contactd"},
      {offer("0.0.0.0", 40000), 488, "301 contactd"},
      {offer("ff02::1", 40000, "IP6"), 488, "330 contactd"},
      {offer("media.example.com", 40000), 488, "not a name"},
      {offer("127.0.0.1", 53), 488, "1024 or above"},
      {offer("127.0.0.1", 40000) + "a=ptime:abc\r\n", 400, "malformed a=ptime"},
      {offer("127.0.0.1", 40000) + "a=fmtp:x\r\n", 400, "malformed a=fmtp"},
      {offer("127.0.0.1", 40000) + "a=rtcp:99999\r\n", 400, "malformed a=rtcp"},
      {"v=0\ro=- 1 1 IN IP4 127.0.0.1\rc=IN IP4 127.0.0.1\rm=audio 40000 RTP/AVP 0\r", 400, "CR not followed"},
      {many_m, 400, "more than 16 m= lines"},
      {offer("127.0.0.1", 40000) + "a=x:" + std::string(20000, 'y') + "\r\n", 400, "larger than 16384 bytes"},
  };
  for (const auto& c : cases) {
    INFO(c.sdp.substr(0, 200));
    CHECK(p.call_with_sdp(port, "5000", "5551111", c.sdp, "tcp") == c.status);
    CHECK(p.last_warning().find(c.warning) != std::string::npos);
  }
  // A NUL byte (sent raw: the test phone's stack would stop at it).
  Udp raw;
  std::string nul = offer("127.0.0.1", 40000);
  nul.insert(nul.find("s=-") + 2, 1, '\0');
  const std::string response = raw_invite(raw, port, "5000", "nul-1", nul);
  INFO(response);
  CHECK(status_of(response) == 400);
  CHECK(response.find("a NUL byte") != std::string::npos);
  // None of them became an interaction.
  CHECK(line.w.db.query("SELECT count(*) FROM interactions") == "0");
}
