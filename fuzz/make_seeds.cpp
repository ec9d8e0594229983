// Writes the seed corpora of fuzz/corpus/: small real inputs of each fuzz
// target, in that target's input format. Run after changing a format:
//   make_fuzz_seeds fuzz/corpus
#include <google/protobuf/text_format.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "contactd/v1/envelope.pb.h"
#include "media/rtp_packet.h"
#include "media/telephone_event.h"

namespace {

namespace fs = std::filesystem;
using namespace contactd;

fs::path root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream out(root / target / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + (root / target / name).string());
}

std::string bytes(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

// --- sdp_fuzz: SDP bodies as phones send them.
void sdp() {
  // baresip 1.x offering PCMU, PCMA and telephone events.
  write("sdp_fuzz", "baresip_offer.sdp",
        "v=0\r\n"
        "o=- 1829612245 3829473616 IN IP4 192.168.1.20\r\n"
        "s=-\r\n"
        "c=IN IP4 192.168.1.20\r\n"
        "t=0 0\r\n"
        "m=audio 10300 RTP/AVP 0 8 101\r\n"
        "b=AS:64\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-15\r\n"
        "a=ptime:20\r\n"
        "a=sendrecv\r\n"
        "a=label:1\r\n"
        "a=rtcp-rsize\r\n"
        "a=ssrc:2875339066 cname:6a9c2f38-0f3e-4c27-9d3f-1a3b0f6b4a37\r\n");
  // A softphone offering video too and putting c= on the media.
  write("sdp_fuzz", "audio_video_offer.sdp",
        "v=0\r\n"
        "o=alice 2890844526 2890844526 IN IP6 2001:db8::1\r\n"
        "s=call\r\n"
        "t=0 0\r\n"
        "m=video 51372 RTP/AVP 96\r\n"
        "c=IN IP6 2001:db8::1\r\n"
        "a=rtpmap:96 H264/90000\r\n"
        "m=audio 49170 RTP/AVP 8 0\r\n"
        "c=IN IP4 198.51.100.7\r\n"
        "a=sendonly\r\n");
}

// --- rtp_fuzz: RTP datagrams.
void rtp() {
  std::vector<std::uint8_t> audio(media::kRtpHeaderBytes + 160, 0xFF);
  media::write_rtp_header({true, 0, 4711, 160000, 0x11223344}, audio);
  write("rtp_fuzz", "pcmu_20ms.rtp", bytes(audio));

  std::vector<std::uint8_t> digit(media::kRtpHeaderBytes + media::kTelephoneEventBytes);
  media::write_rtp_header({true, 101, 4712, 160160, 0x11223344}, digit);
  media::write_telephone_event({5, false, 10, 160}, std::span(digit).subspan(media::kRtpHeaderBytes));
  write("rtp_fuzz", "telephone_event.rtp", bytes(digit));

  // Two CSRCs, a one-word header extension and 4 bytes of padding.
  std::vector<std::uint8_t> full(media::kRtpHeaderBytes);
  media::write_rtp_header({false, 8, 9, 1280, 0xCAFEBABE}, full);
  full[0] |= 0x20 | 0x10 | 2;  // P, X, CC=2
  for (std::uint8_t b : {0, 0, 0, 1, 0, 0, 0, 2}) full.push_back(b);              // CSRCs
  for (std::uint8_t b : {0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0}) full.push_back(b);  // extension
  for (int i = 0; i < 160; ++i) full.push_back(0xD5);
  for (std::uint8_t b : {0, 0, 0, 4}) full.push_back(b);                          // padding
  write("rtp_fuzz", "csrc_extension_padding.rtp", bytes(full));
}

// --- telephone_event_fuzz: (timestamp, payload) records of whole digits.
void telephone_events() {
  std::string records;
  std::uint32_t ts = 8000;
  for (char d : {'5', '#'}) {
    media::DigitSender sender(*media::event_of_digit(d), ts);
    while (!sender.done()) {
      const auto p = sender.next();
      std::array<std::uint8_t, 8> r{};
      r[0] = static_cast<std::uint8_t>(p.timestamp >> 24);
      r[1] = static_cast<std::uint8_t>(p.timestamp >> 16);
      r[2] = static_cast<std::uint8_t>(p.timestamp >> 8);
      r[3] = static_cast<std::uint8_t>(p.timestamp);
      media::write_telephone_event(p.event, std::span(r).subspan(4));
      records.append(r.begin(), r.end());
    }
    ts = sender.resume_timestamp() + 800;
  }
  write("telephone_event_fuzz", "digits_5_hash.bin", records);
}

// --- http_fuzz: byte 0 is the read size (0: everything at once).
void http() {
  const std::string upgrade =
      "GET /ws HTTP/1.1\r\n"
      "Host: contactd.example:8080\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n"
      "Origin: https://contactd.example\r\n"
      "\r\n";
  write("http_fuzz", "ws_upgrade.http", std::string(1, '\0') + upgrade);
  write("http_fuzz", "ws_upgrade_split.http", std::string(1, '\x07') + upgrade);
  write("http_fuzz", "keepalive_probes.http",
        std::string(1, '\0') +
            "GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n"
            "GET /readyz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
  write("http_fuzz", "chunked_post.http",
        std::string(1, '\x05') +
            "POST /webchat/ HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n0\r\nTrailer: x\r\n\r\n"
            "GET / HTTP/1.0\r\n\r\n");
  write("http_fuzz", "content_length_post.http",
        std::string(1, '\0') + "POST /ws HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world");
  write("http_fuzz", "route_posts.http",
        std::string(1, '\x0b') +
            "POST /hooks/meta?hub.mode=subscribe&x=%41+b HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            "PUT /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n"
            "400\r\n" + std::string(0x400, 'u') + "\r\n3\r\nend\r\n0\r\n\r\n"
            "GET /media/a.ogg HTTP/1.1\r\nHost: a\r\nRange: bytes=100-199\r\n\r\n"
            "DELETE /hooks/meta HTTP/1.1\r\nHost: a\r\n\r\n"
            "POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
}

// --- api_fuzz: byte 0 is who is logged in; frames separated by "\n--\n".
std::string envelope(const std::string& text) {
  v1::Envelope e;
  if (!google::protobuf::TextFormat::ParseFromString(text, &e)) throw std::runtime_error("bad envelope: " + text);
  return e.SerializeAsString();
}

void api_seed(const std::string& name, char who, const std::vector<std::string>& frames) {
  std::string s(1, who);
  for (std::size_t i = 0; i < frames.size(); ++i) s += (i ? "\n--\n" : "") + envelope(frames[i]);
  write("api_fuzz", name, s);
}

void api() {
  api_seed("login.bin", 0, {R"(request_id: 7 command { login { login: "ana" password: "ana" } })",
                            R"(request_id: 8 command { get_snapshot {} })"});
  api_seed("login_wrong_then_resume.bin", 0,
           {R"(request_id: 1 command { login { login: "bob" password: "nope" } })",
            R"(request_id: 2 command { resume { token: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" last_seq: 3 } })",
            R"(request_id: 3 command { set_status { status_id: 1 } })"});
  api_seed("agent_work.bin", 1,
           {R"(request_id: 2 command { set_status { status_id: 1 } })",
            R"(request_id: 3 command { clear_status {} })",
            R"(request_id: 4 command { search_contacts { text: "ann" limit: 5 } })",
            R"(request_id: 5 command { save_contact { name: "Ann" addresses { channel: CHANNEL_EMAIL value: "ann@example.com" } fields { key: "tier" value: "gold" } } })",
            R"(request_id: 6 command { get_contact { contact_id: 1 } })",
            R"(request_id: 7 command { start_interaction { campaign_id: 1 channel: CHANNEL_EMAIL address: "ann@example.com" text: "hello" } })",
            R"(request_id: 8 command { logout {} })"});
  api_seed("supervisor_history.bin", 2,
           {R"(request_id: 2 command { search_history { campaign_id: 1 customer: "ann" closed_from_ms: -9223372036854775808 page_size: 10 } })",
            R"(request_id: 3 command { get_interaction_detail { interaction_id: 1 } })",
            R"(request_id: 4 command { list_transfer_targets {} })"});
  api_seed("admin_setup.bin", 3,
           {R"(request_id: 2 command { create_campaign { name: "Support" } })",
            R"(request_id: 3 command { create_user { login: "dan" display_name: "Dan" profile: AGENT password: "correct horse" } })",
            R"(request_id: 4 command { set_membership { user_id: 5 campaign_id: 3 member: true } })",
            R"(request_id: 5 command { define_status { name: "Training" } })",
            R"(request_id: 6 command { upload_contacts { campaign_id: 1 channel: CHANNEL_PHONE list: "june" rows { name: "Zoe" address: "+33 1 23 45 67 89" } } })"});
}

// --- webchat_fuzz: JSON text frames, one per line; "~" reconnects.
void webchat() {
  write("webchat_fuzz", "start_message_leave.txt",
        "{\"type\":\"start\",\"campaign\":1}\n"
        "{\"type\":\"message\",\"text\":\"Hello, I need help with my order\",\"ref\":\"m1\"}\n"
        "{\"type\":\"message\",\"text\":\"caf\\u00e9 \\ud83d\\ude00\"}\n"
        "{\"type\":\"leave\"}\n");
  write("webchat_fuzz", "start_reconnect_resume.txt",
        "{\"type\":\"start\",\"campaign\":2}\n"
        "~\n"
        "{\"type\":\"resume\",\"token\":\"$TOKEN\"}\n"
        "{\"type\":\"message\",\"text\":\"back again\"}\n");
  write("webchat_fuzz", "bad_frames.txt",
        "{\"type\":\"start\",\"campaign\":-1}\n"
        "[1,2,3]\n"
        "{\"type\":\"message\"}\n"
        "{\"type\":\"resume\",\"token\":\"nope\"}\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <fuzz/corpus directory>\n", argv[0]);
    return 2;
  }
  root = argv[1];
  sdp();
  rtp();
  telephone_events();
  http();
  api();
  webchat();
  return 0;
}
