// SDP offer/answer for anchored calls (issue 5).
#include <catch2/catch.hpp>

#include "media/sdp.h"

using namespace contactd::media;

namespace {

// What baresip offers on loopback (seen in the SIP research).
const char* kBaresipOffer =
    "v=0\r\n"
    "o=- 1234 5678 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "c=IN IP4 127.0.0.1\r\n"
    "t=0 0\r\n"
    "m=audio 30012 RTP/AVP 0 8 101\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=ptime:20\r\n"
    "a=sendrecv\r\n";

SessionDescription parsed(const std::string& text) {
  auto r = parse_sdp(text);
  INFO((std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : ""));
  REQUIRE(std::holds_alternative<SessionDescription>(r));
  return std::get<SessionDescription>(r);
}

std::string error_of(const std::string& text) {
  auto r = parse_sdp(text);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}

}  // namespace

TEST_CASE("SDP: a phone's offer is read: address, port, formats in order, static and mapped payload types, ptime") {
  const auto sd = parsed(kBaresipOffer);
  CHECK(sd.origin_session == "1234");
  CHECK(sd.origin_version == 5678);
  REQUIRE(sd.media.size() == 1);
  const auto& m = sd.media[0];
  CHECK(m.type == "audio");
  CHECK(m.port == 30012);
  CHECK(m.address == "127.0.0.1");
  CHECK(m.formats == std::vector<int>{0, 8, 101});
  CHECK(m.ptime_ms == 20);
  CHECK(m.direction == Direction::sendrecv);
  auto plan = std::get<AudioPlan>(choose_audio(sd));
  CHECK(plan.payload_type == 0);  // the offerer's first choice
  CHECK(plan.telephone_event == 101);
  CHECK(plan.remote_address == "127.0.0.1");
  CHECK(plan.remote_port == 30012);
}

TEST_CASE("SDP: the codec follows the offerer's preference, telephone events are found by name, not number") {
  const auto sd = parsed(
      "v=0\no=x 1 1 IN IP4 10.0.0.1\ns=-\nt=0 0\n"
      "m=audio 4000 RTP/AVP 18 8 0 96\nc=IN IP4 10.0.0.2\na=rtpmap:18 G729/8000\na=rtpmap:96 TELEPHONE-EVENT/8000\n"
      "a=sendonly\n");
  auto plan = std::get<AudioPlan>(choose_audio(sd));
  CHECK(plan.payload_type == 8);  // G.729 skipped, PCMA before PCMU
  CHECK(plan.telephone_event == 96);
  CHECK(plan.remote_address == "10.0.0.2");  // media-level c= wins
  CHECK(plan.remote_direction == Direction::sendonly);
  CHECK(mirror(plan.remote_direction) == Direction::recvonly);  // a phone putting us on hold
}

TEST_CASE("SDP: no G.711 means no common codec (488), video and refused streams are skipped") {
  auto none = choose_audio(parsed("v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
                                  "m=audio 4000 RTP/AVP 18 9\r\na=rtpmap:18 G729/8000\r\na=rtpmap:9 G722/8000\r\n"));
  REQUIRE(std::holds_alternative<std::string>(none));
  CHECK(std::get<std::string>(none).find("no common codec") == 0);

  const auto sd = parsed("v=0\r\no=x 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
                         "m=video 5000 RTP/AVP 96\r\n"
                         "m=audio 0 RTP/AVP 0\r\n"
                         "m=audio 6000 RTP/AVP 8\r\n");
  auto plan = std::get<AudioPlan>(choose_audio(sd));
  CHECK(plan.media_index == 2);
  CHECK(plan.payload_type == 8);
  CHECK(plan.telephone_event == -1);

  // The answer keeps every m= line in place, refusing the others with port 0,
  // and offers no telephone events the offer did not have.
  const auto answer = write_sdp("127.0.0.1", 40000, 7, 1, plan, Direction::sendrecv, &sd);
  const auto back = parsed(answer);
  REQUIRE(back.media.size() == 3);
  CHECK(back.media[0].port == 0);
  CHECK(back.media[1].port == 0);
  CHECK(back.media[2].port == 40000);
  CHECK(back.media[2].formats == std::vector<int>{8});
}

TEST_CASE("SDP: contactd's answer parses back to what was chosen") {
  const auto offer = parsed(kBaresipOffer);
  const auto plan = std::get<AudioPlan>(choose_audio(offer));
  const auto text = write_sdp("127.0.0.1", 41000, 99, 2, plan, Direction::recvonly, &offer);
  CHECK(text.find("\r\na=recvonly\r\n") != std::string::npos);
  const auto answer = parsed(text);
  CHECK(answer.origin_session == "99");
  CHECK(answer.origin_version == 2);
  REQUIRE(answer.media.size() == 1);
  CHECK(answer.media[0].port == 41000);
  CHECK(answer.media[0].address == "127.0.0.1");
  CHECK(answer.media[0].formats == std::vector<int>{0, 101});
  CHECK(answer.media[0].direction == Direction::recvonly);
  auto again = std::get<AudioPlan>(choose_audio(answer));
  CHECK(again.payload_type == 0);
  CHECK(again.telephone_event == 101);
}

TEST_CASE("SDP: malformed descriptions are refused with the reason") {
  CHECK(error_of("") == "v= and o= are required");
  CHECK(error_of("v=1\r\n") == "unsupported SDP version");
  CHECK(error_of("v=0\r\no=x 1\r\n") == "malformed o= line");
  CHECK(error_of("v=0\r\no=x 1 1 IN IP4 a\r\nnonsense\r\n") == "line 3 is not type=value");
  CHECK(error_of("v=0\r\no=x 1 1 IN IP4 a\r\nm=audio 99999 RTP/AVP 0\r\n") == "malformed m= port");
  CHECK(error_of("v=0\r\no=x 1 1 IN IP4 a\r\nm=audio 4000 RTP/AVP 0 abc\r\n") == "malformed payload type");
  CHECK(error_of("v=0\r\no=x 1 1 IN IP4 a\r\nm=audio 4000 RTP/AVP 0\r\n") ==
        "a stream without a connection address (c=)");
  CHECK(error_of("v=0\r\no=x 1 1 IN IP4 a\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n") ==
        "malformed a=rtpmap clock rate");
  CHECK(error_of("v=0\r\no=x 1 1 IN IP4 a\r\nc=IN ATM x\r\n") == "malformed c= line");
}

// --- Issue 11: SDP from unauthenticated callers ---

namespace {

// linphone 5 (desktop): several codecs, rtcp-fb, rtcp-xr, a session-level a= line.
const char* kLinphoneOffer =
    "v=0\r\n"
    "o=alice 3125 1742 IN IP4 192.168.1.20\r\n"
    "s=Talk\r\n"
    "c=IN IP4 192.168.1.20\r\n"
    "t=0 0\r\n"
    "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
    "m=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100\r\n"
    "a=rtpmap:96 opus/48000/2\r\n"
    "a=fmtp:96 useinbandfec=1\r\n"
    "a=rtpmap:97 speex/16000\r\n"
    "a=fmtp:97 vbr=on\r\n"
    "a=rtpmap:98 speex/8000\r\n"
    "a=fmtp:98 vbr=on\r\n"
    "a=fmtp:18 annexb=yes\r\n"
    "a=rtpmap:101 telephone-event/48000\r\n"
    "a=rtpmap:99 telephone-event/16000\r\n"
    "a=rtpmap:100 telephone-event/8000\r\n"
    "a=rtcp:7079\r\n"
    "a=rtcp-fb:* trr-int 1000\r\n"
    "a=rtcp-fb:* ccm tmmbr\r\n";

// A desk phone (Yealink-style): media-level c=, ptime/maxptime, rtcp with an address.
const char* kDeskPhoneOffer =
    "v=0\r\n"
    "o=- 20038 20038 IN IP4 10.20.30.40\r\n"
    "s=SDP data\r\n"
    "t=0 0\r\n"
    "m=audio 11796 RTP/AVP 8 0 9 18 101\r\n"
    "c=IN IP4 10.20.30.40\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:18 G729/8000\r\n"
    "a=fmtp:18 annexb=no\r\n"
    "a=ptime:20\r\n"
    "a=maxptime:150\r\n"
    "a=rtcp:11797 IN IP4 10.20.30.40\r\n"
    "a=sendrecv\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n";

std::string offer_with(const std::string& c_line, const std::string& extra = "", const std::string& m_port = "30000") {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n" + c_line + "\r\nt=0 0\r\nm=audio " + m_port +
         " RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n" + extra;
}

std::optional<TargetRefusal> target_refusal(const std::string& text) {
  const auto plan = std::get<AudioPlan>(choose_audio(parsed(text)));
  return refuse_media_target(plan);
}

}  // namespace

TEST_CASE("R-SEC SDP real phones' offers are accepted: baresip, linphone, a desk phone, bare LF line ends") {
  for (const char* offer : {kBaresipOffer, kLinphoneOffer, kDeskPhoneOffer}) {
    INFO(offer);
    const auto plan = std::get<AudioPlan>(choose_audio(parsed(offer)));
    CHECK(!refuse_media_target(plan));
  }
  const auto linphone = std::get<AudioPlan>(choose_audio(parsed(kLinphoneOffer)));
  CHECK(linphone.payload_type == 0);
  CHECK(linphone.telephone_event == 100);  // the 8 kHz one
  const auto desk = std::get<AudioPlan>(choose_audio(parsed(kDeskPhoneOffer)));
  CHECK(desk.payload_type == 8);
  CHECK(desk.remote_address == "10.20.30.40");
  CHECK(desk.remote_port == 11796);

  std::string lf = kDeskPhoneOffer;  // some phones end lines with LF alone (RFC 4566 section 5: accept it)
  for (std::size_t at; (at = lf.find("\r\n")) != std::string::npos;) lf.erase(at, 1);
  CHECK(parsed(lf).media.size() == 1);

  // IPv6 is an address like any other.
  const auto v6 = std::get<AudioPlan>(choose_audio(parsed(
      "v=0\r\no=- 1 1 IN IP6 2001:db8::1\r\ns=-\r\nc=IN IP6 2001:db8::7\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n")));
  CHECK(v6.remote_address == "2001:db8::7");
  CHECK(!refuse_media_target(v6));
}

TEST_CASE("R-SEC SDP a c= address that is not an address is malformed (400)") {
  CHECK(error_of(offer_with("c=IN IP4 999.1.2.3")) == "malformed c= address");
  CHECK(error_of(offer_with("c=IN IP4 1.2.3")) == "malformed c= address");
  CHECK(error_of(offer_with("c=IN IP4 1.2.3.4.5")) == "malformed c= address");
  CHECK(error_of(offer_with("c=IN IP4 not_a_host!")) == "malformed c= address");
  CHECK(error_of(offer_with("c=IN IP4 ::1")) == "malformed c= address");         // the type says IPv4
  CHECK(error_of(offer_with("c=IN IP6 127.0.0.1")) == "malformed c= address");   // and IPv6 here
  CHECK(error_of(offer_with("c=IN IP4 \xff\xfe")) == "malformed c= address");
  CHECK(error_of(offer_with("c=IN IP4 1.2.3.4 extra")) == "malformed c= line");
}

TEST_CASE("R-SEC SDP media is sent only to a unicast IP literal on a port >= 1024, others are refused (488)") {
  const auto refused = [](const std::string& c_line, int warning) {
    INFO(c_line);
    const auto r = target_refusal(offer_with(c_line));
    REQUIRE(r);
    CHECK(r->warning == warning);
    CHECK(!r->reason.empty());
  };
  refused("c=IN IP4 0.0.0.0", 301);
  refused("c=IN IP4 0.1.2.3", 301);
  refused("c=IN IP4 255.255.255.255", 301);
  refused("c=IN IP4 240.0.0.1", 301);
  refused("c=IN IP4 224.0.0.1", 330);
  refused("c=IN IP4 239.1.2.3/127", 330);
  refused("c=IN IP6 ff02::1", 330);
  refused("c=IN IP6 ::", 301);
  refused("c=IN IP6 ::ffff:0.0.0.0", 301);
  refused("c=IN IP6 ::ffff:224.1.1.1", 330);
  refused("c=IN IP4 media.example.com", 301);  // a name: contactd does not resolve it
  for (const char* low : {"1", "9", "53", "123", "1023"}) {
    const auto r = target_refusal(offer_with("c=IN IP4 192.0.2.10", "", low));
    REQUIRE(r);
    CHECK(r->warning == 301);
  }
  CHECK(!target_refusal(offer_with("c=IN IP4 192.0.2.10", "", "1024")));
  CHECK(!target_refusal(offer_with("c=IN IP4 127.0.0.1")));
  CHECK(!target_refusal(offer_with("c=IN IP4 10.0.0.255")));  // may be a host in a larger prefix
}

TEST_CASE("R-SEC SDP junk bytes, bad line ends and oversized descriptions are refused with the reason") {
  const std::string good = offer_with("c=IN IP4 127.0.0.1");
  REQUIRE(std::holds_alternative<SessionDescription>(parse_sdp(good)));

  std::string nul = good;
  nul.insert(nul.find("s=-") + 2, 1, '\0');
  CHECK(error_of(nul) == "a NUL byte");
  CHECK(error_of(good + std::string("a=x\x01y\r\n")) == "a control character (1)");
  CHECK(error_of(good + "a=x\x7fy\r\n") == "a control character (127)");

  std::string cr_only = good;  // old Mac line ends: CR alone
  for (std::size_t at; (at = cr_only.find("\r\n")) != std::string::npos;) cr_only.erase(at + 1, 1);
  CHECK(error_of(cr_only) == "a CR not followed by LF");
  std::string unterminated = good;
  unterminated.resize(unterminated.size() - 2);
  CHECK(error_of(unterminated) == "the last line does not end with CRLF");
  CHECK(error_of("v=0 o=- 1 1 IN IP4 127.0.0.1 s=- c=IN IP4 127.0.0.1 t=0 0 m=audio 30000 RTP/AVP 0\r\n") ==
        "unsupported SDP version");  // everything on one line

  std::string many_m = good;
  for (int i = 0; i < 500; ++i) many_m += "m=audio 0 RTP/AVP 0\r\n";
  CHECK(error_of(many_m) == "more than 16 m= lines");
  std::string many_lines = good;
  for (int i = 0; i < 300; ++i) many_lines += "a=x\r\n";
  CHECK(error_of(many_lines) == "more than 256 lines");
  std::string big = good + "a=x:" + std::string(60 * 1024, 'y') + "\r\n";
  CHECK(error_of(big) == "larger than 16384 bytes");
  CHECK(error_of(good + "a=x:" + std::string(2000, 'y') + "\r\n").find("is longer than 1024 bytes") !=
        std::string::npos);
  std::string formats = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\nm=audio 30000 RTP/AVP";
  for (int i = 0; i < 100; ++i) formats += " 0";
  CHECK(error_of(formats + "\r\n") == "more than 64 formats on an m= line");
  CHECK(error_of(good + "X=upper\r\n").find("is not type=value") != std::string::npos);
  CHECK(error_of(good + "a=bad name\r\n").find("malformed a= line") != std::string::npos);
  CHECK(error_of(offer_with("c=IN IP4 127.0.0.1", "", "30000 RTP/AVP") ) == "malformed payload type");
  CHECK(error_of("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nc=IN IP4 127.0.0.1\r\nm=aud\"io 30000 RTP/AVP 0\r\n") ==
        "malformed m= line");
}

TEST_CASE("R-SEC SDP junk in a=rtpmap, a=fmtp, a=ptime, a=maxptime and a=rtcp is refused") {
  const std::string good = offer_with("c=IN IP4 127.0.0.1");
  const auto bad = [&](const std::string& line, const std::string& why) {
    INFO(line);
    CHECK(error_of(good + line + "\r\n") == why);
  };
  bad("a=ptime:abc", "malformed a=ptime");
  bad("a=ptime:0", "malformed a=ptime");
  bad("a=ptime:-20", "malformed a=ptime");
  bad("a=ptime:99999999999999999999", "malformed a=ptime");
  bad("a=maxptime:", "malformed a=maxptime");
  bad("a=fmtp:", "malformed a=fmtp");
  bad("a=fmtp:abc 0-15", "malformed a=fmtp");
  bad("a=fmtp:300 0-15", "malformed a=fmtp");
  bad("a=rtcp:", "malformed a=rtcp");
  bad("a=rtcp:70000", "malformed a=rtcp");
  bad("a=rtcp:abc", "malformed a=rtcp");
  bad("a=rtcp:30001 IN IP4 999.9.9.9", "malformed a=rtcp");
  bad("a=rtcp:30001 IN IP4", "malformed a=rtcp");
  bad("a=rtpmap:200 PCMU/8000", "malformed a=rtpmap");
  bad("a=rtpmap:0 PCMU/0", "malformed a=rtpmap clock rate");
  bad("a=rtpmap:0 PCMU/-8000", "malformed a=rtpmap clock rate");
  bad("a=rtpmap:0 PCMU/8000/0", "malformed a=rtpmap channels");
  bad("a=rtpmap:0 PC\"MU/8000", "malformed a=rtpmap encoding");
  // The well-formed ones pass.
  for (const char* line : {"a=ptime:30", "a=maxptime:150", "a=fmtp:101 0-16", "a=rtcp:30001",
                           "a=rtcp:30001 IN IP4 127.0.0.1", "a=rtpmap:0 PCMU/8000/1"}) {
    INFO(line);
    CHECK(std::holds_alternative<SessionDescription>(parse_sdp(good + line + "\r\n")));
  }
}

TEST_CASE("R-SEC trunk address lists hold addresses and prefixes, anything else is an error") {
  std::string error;
  const auto list = AddressList::parse(" 192.0.2.7, 10.1.0.0/16 ,2001:db8::/32,", &error);
  REQUIRE(list);
  CHECK(list->contains("192.0.2.7"));
  CHECK(!list->contains("192.0.2.8"));
  CHECK(list->contains("10.1.255.3"));
  CHECK(!list->contains("10.2.0.1"));
  CHECK(list->contains("2001:db8:1::5"));
  CHECK(!list->contains("2001:db9::5"));
  CHECK(list->contains("::ffff:10.1.2.3"));  // IPv4-mapped
  CHECK(!list->contains("trunk.example.com"));
  CHECK(AddressList::parse("", &error)->empty());
  CHECK(!AddressList::parse("10.0.0.0/33", &error));
  CHECK(error.find("10.0.0.0/33") != std::string::npos);
  CHECK(!AddressList::parse("trunk.example.com", &error));
  CHECK(!AddressList::parse("1.2.3.4/x", &error));
}
