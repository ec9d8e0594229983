// The test SIP user agent itself (issue 5): phones call each other directly
// on loopback, no contactd involved, and check what they hear — so that
// tests of contactd's phone features can trust the harness.
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <variant>

#include "harness/rtp_endpoint.h"
#include "harness/sip_phone.h"
#include "media/wav.h"

using namespace contactd;
using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

SipPhoneOptions tone(double hz, std::vector<int> codecs = {0, 8}, bool telephone_event = true) {
  SipPhoneOptions o;
  o.tone_hz = hz;
  o.codecs = std::move(codecs);
  o.telephone_event = telephone_event;
  return o;
}

std::shared_ptr<const media::Samples> hold_music() {
  auto loaded = media::load_wav(std::string(CONTACTD_SOURCE_DIR) + "/assets/hold-music.wav");
  REQUIRE(std::holds_alternative<media::Samples>(loaded));
  return std::make_shared<const media::Samples>(std::get<media::Samples>(std::move(loaded)));
}

}  // namespace

TEST_CASE("sip ua: a call answered at once carries audio both ways and ends with a BYE seen by the other side",
          "[sip]") {
  SipPhone a(tone(1000));
  SipPhone b(tone(600));
  b.set_answer_mode(AnswerMode::answer);
  REQUIRE(a.call(b.sip_port(), "bob", "\"Ann Example\" <sip:5550001@127.0.0.1>") == 200);
  CHECK(a.in_call());
  CHECK(b.wait_incoming());
  CHECK(b.incoming_count() == 1);
  CHECK(b.incoming_from().user == "5550001");
  CHECK(b.incoming_from().display_name == "Ann Example");
  CHECK(b.incoming_from().request_user == "bob");

  CHECK(a.media().wait_hears(600));
  CHECK(b.media().wait_hears(1000));
  CHECK(a.media().hears(1000) < 0.1);  // each hears the other, not itself
  CHECK(b.media().hears(600) < 0.1);
  CHECK(a.media().last_payload_type() == 0);  // the caller's first choice
  CHECK(b.media().last_payload_type() == 0);

  REQUIRE(a.hang_up());
  CHECK(a.state() == SipPhone::State::idle);
  CHECK(b.wait_ended());
  CHECK(b.bye_received());
  CHECK_FALSE(a.bye_received());
  CHECK(b.state() == SipPhone::State::idle);
  CHECK(b.media().wait_silence());  // a stopped sending
}

TEST_CASE("sip ua: a ringing phone answers when told, then hangs up itself, over TCP", "[sip]") {
  SipPhone a(tone(1000));
  SipPhone b(tone(1400));  // ring is the default mode
  REQUIRE(a.start_call(b.sip_port(), "desk", "customer", "tcp"));
  REQUIRE(b.wait_incoming());
  CHECK(b.state() == SipPhone::State::ringing);
  CHECK(a.wait_ringing());
  CHECK(a.last_provisional() == 180);
  CHECK(a.state() == SipPhone::State::calling);
  CHECK(a.wait_final(300ms) == 0);  // still ringing
  CHECK_FALSE(a.start_call(b.sip_port(), "desk", "customer"));  // one call at a time

  REQUIRE(b.answer());
  CHECK(a.wait_final() == 200);
  CHECK(a.media().wait_hears(1400));
  CHECK(b.media().wait_hears(1000));

  REQUIRE(b.hang_up());
  CHECK(a.wait_ended());
  CHECK(a.bye_received());
  CHECK_FALSE(a.in_call());
}

TEST_CASE("sip ua: codecs - PCMA-only and PCMU+PCMA offers and answers, no common codec is 488", "[sip]") {
  SECTION("a PCMA-only caller, a phone that takes both") {
    SipPhone a(tone(1000, {8}));
    SipPhone b(tone(600));
    b.set_answer_mode(AnswerMode::answer);
    REQUIRE(a.call(b.sip_port(), "b", "a") == 200);
    CHECK(b.media().wait_hears(1000));
    CHECK(a.media().wait_hears(600));
    CHECK(a.media().last_payload_type() == 8);
    CHECK(b.media().last_payload_type() == 8);
    CHECK(a.remote_sdp().find("PCMA/8000") != std::string::npos);
    CHECK(a.remote_sdp().find("PCMU") == std::string::npos);
  }
  SECTION("a PCMU+PCMA caller, a PCMA-only phone") {
    SipPhone a(tone(1000));
    SipPhone b(tone(600, {8}));
    b.set_answer_mode(AnswerMode::answer);
    REQUIRE(a.call(b.sip_port(), "b", "a") == 200);
    CHECK(b.media().wait_hears(1000));
    CHECK(a.media().wait_hears(600));
    CHECK(a.media().last_payload_type() == 8);
    CHECK(b.media().last_payload_type() == 8);
  }
  SECTION("PCMU only against PCMA only") {
    SipPhone a(tone(1000, {0}));
    SipPhone b(tone(600, {8}));
    b.set_answer_mode(AnswerMode::answer);
    CHECK(a.call(b.sip_port(), "b", "a") == 488);
    CHECK(a.last_warning().find("305") != std::string::npos);
    CHECK(b.incoming_count() == 1);
    CHECK(b.state() == SipPhone::State::idle);
    CHECK(a.state() == SipPhone::State::idle);
  }
  SECTION("a G.729-only offer, a malformed one, none at all") {
    SipPhone a;
    SipPhone b;
    b.set_answer_mode(AnswerMode::answer);
    const std::string g729 =
        "v=0\r\no=x 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        "m=audio 40000 RTP/AVP 18\r\na=rtpmap:18 G729/8000\r\n";
    CHECK(a.call_with_sdp(b.sip_port(), "b", "a", g729) == 488);
    CHECK(a.last_warning().find("305") != std::string::npos);
    CHECK(a.call_with_sdp(b.sip_port(), "b", "a", "this is not SDP") == 400);
    CHECK(a.call_with_body(b.sip_port(), "b", "a", "", "") == 488);
    CHECK(b.incoming_count() == 3);
    CHECK(a.call(b.sip_port(), "b", "a") == 200);  // and a good one still works
  }
}

TEST_CASE("sip ua: RFC 4733 digits both ways, INFO digits, and no RFC 4733 without telephone-event", "[sip]") {
  SipPhone a(tone(1000));
  SipPhone b(tone(600));
  b.set_answer_mode(AnswerMode::answer);
  REQUIRE(a.call(b.sip_port(), "b", "a") == 200);
  REQUIRE(b.media().wait_hears(1000));
  REQUIRE(a.media().wait_hears(600));

  CHECK(a.media().send_digits("123#"));
  CHECK(b.media().wait_digits("123#"));
  CHECK(b.media().send_digits("*90"));
  CHECK(a.media().wait_digits("*90"));
  CHECK(a.media().digits() == "*90");  // once per key press
  CHECK(b.media().wait_hears(1000));  // audio again after the digits

  CHECK(a.send_info_digits("5#"));
  CHECK(b.wait_info_digits("5#"));
  CHECK(b.send_info_digits("7"));
  CHECK(a.wait_info_digits("7"));
  REQUIRE(a.hang_up());

  SipPhone plain(tone(1400, {0, 8}, false));  // no telephone-event
  REQUIRE(plain.call(b.sip_port(), "b", "plain") == 200);
  CHECK(b.remote_sdp().find("telephone-event") == std::string::npos);
  CHECK(plain.remote_sdp().find("telephone-event") == std::string::npos);
  CHECK(b.media().wait_hears(1400));
  CHECK_FALSE(plain.media().send_digits("1"));
  CHECK_FALSE(b.media().send_digits("1"));
}

TEST_CASE("sip ua: decline, busy and unavailable reach the caller, CANCEL while ringing reaches the callee", "[sip]") {
  SipPhone a;
  SipPhone b(tone(1000));
  b.set_answer_mode(AnswerMode::decline);
  CHECK(a.call(b.sip_port(), "b", "a") == 603);
  CHECK(a.wait_ended());
  b.set_answer_mode(AnswerMode::busy);
  CHECK(a.call(b.sip_port(), "b", "a") == 486);
  b.set_answer_mode(AnswerMode::unavailable);
  CHECK(a.call(b.sip_port(), "b", "a") == 503);
  CHECK(a.last_retry_after() == "5");
  std::this_thread::sleep_for(300ms);
  CHECK(b.incoming_count() == 3);  // the caller's stack did not retry by itself

  b.set_answer_mode(AnswerMode::ring);
  REQUIRE(a.start_call(b.sip_port(), "b", "a"));
  REQUIRE(b.wait_incoming());
  REQUIRE(a.wait_ringing());
  REQUIRE(a.hang_up());  // CANCEL
  CHECK(a.wait_final() == 487);
  CHECK(b.wait_cancelled());
  CHECK(b.wait_ended());
  CHECK(b.state() == SipPhone::State::idle);

  // Declined by hand while ringing.
  REQUIRE(a.start_call(b.sip_port(), "b", "a"));
  REQUIRE(b.wait_incoming());
  CHECK_FALSE(b.wait_cancelled(100ms));
  REQUIRE(b.decline());
  CHECK(a.wait_final() == 603);
  CHECK(b.wait_ended());
}

TEST_CASE("sip ua: a phone in a call answers a second INVITE with 486 and keeps its call", "[sip]") {
  SipPhone a(tone(1000));
  SipPhone b(tone(600));
  SipPhone c(tone(1400));
  b.set_answer_mode(AnswerMode::answer);
  REQUIRE(a.call(b.sip_port(), "b", "a") == 200);
  CHECK(c.call(b.sip_port(), "b", "c") == 486);
  CHECK(b.incoming_count() == 2);
  CHECK(b.in_call());
  CHECK(b.media().wait_hears(1000));
  CHECK(a.media().wait_hears(600));
}

TEST_CASE("sip ua: hold and resume by re-INVITE - the held side stops sending, then talks again", "[sip]") {
  SipPhone a(tone(1000));
  SipPhone b(tone(600));
  b.set_answer_mode(AnswerMode::answer);
  REQUIRE(a.call(b.sip_port(), "b", "a") == 200);
  REQUIRE(a.media().wait_hears(600));

  CHECK(a.hold() == 200);
  CHECK(b.remote_direction() == media::Direction::sendonly);
  CHECK(a.remote_direction() == media::Direction::recvonly);
  a.media().clear();
  CHECK(a.media().wait_silence());
  CHECK(a.media().frames_received() == 0);
  CHECK(b.media().wait_hears(1000));  // the holder still sends

  CHECK(a.resume() == 200);
  CHECK(b.remote_direction() == media::Direction::sendrecv);
  CHECK(a.media().wait_hears(600));
  CHECK(b.hold() == 200);  // and the other way round
  b.media().clear();
  CHECK(b.media().wait_silence());
}

TEST_CASE("sip ua: a phone destroyed in a call says BYE and does not hang", "[sip]") {
  SipPhone b;
  b.set_answer_mode(AnswerMode::answer);
  const auto start = std::chrono::steady_clock::now();
  {
    SipPhone a;
    REQUIRE(a.call(b.sip_port(), "b", "a") == 200);
  }
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  CHECK(b.wait_ended());
  CHECK(b.bye_received());
  {
    SipPhone ringing;  // destroyed while its call rings: CANCEL
    b.set_answer_mode(AnswerMode::ring);
    REQUIRE(ringing.start_call(b.sip_port(), "b", "r"));
    REQUIRE(b.wait_incoming());
  }
  CHECK(b.wait_cancelled());
}

TEST_CASE("rtp endpoint: tones, silence, no packets, hold music, codec change", "[sip]") {
  RtpEndpoint x(1000);
  RtpEndpoint y(600);
  REQUIRE(x.start("127.0.0.1", y.port(), 8, 101));
  CHECK(y.wait_hears(1000));
  CHECK(y.last_payload_type() == 8);
  CHECK(y.hears_music() == 0);

  REQUIRE(x.start("127.0.0.1", y.port(), 0, 101));  // new codec, same stream
  CHECK(y.wait_hears(1000));
  std::this_thread::sleep_for(100ms);
  CHECK(y.last_payload_type() == 0);

  x.set_tone(0);  // silence frames
  y.clear();
  CHECK(y.wait_silence());
  CHECK(y.frames_received() > 40);
  x.set_tone(1400);
  CHECK(y.wait_hears(1400));
  CHECK_FALSE(y.silent());

  x.play(hold_music());
  y.clear();
  CHECK(y.wait_hears_music());
  CHECK(y.hears(1400) < 0.05);
  CHECK(y.hears(600) < 0.05);
  REQUIRE(x.start("127.0.0.1", y.port(), 8, 101));  // music through A-law too
  std::this_thread::sleep_for(1100ms);
  CHECK(y.hears_music() >= 0.8);

  x.stop();  // no packets at all
  y.clear();
  CHECK(y.wait_silence());
  CHECK(y.frames_received() == 0);
  CHECK(y.hears_music() == 0);
  CHECK_FALSE(x.send_digits("1"));  // not sending
  CHECK(x.packets_sent() > 100);
  CHECK(y.packets_received() > 100);
}
