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
