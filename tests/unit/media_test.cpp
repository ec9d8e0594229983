// Media primitives for the phone (issue 5): G.711, RTP, RFC 4733, WAV, tones.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <numbers>

#include "media/g711.h"
#include "media/player.h"
#include "media/rtp_stream.h"
#include "media/rtp_packet.h"
#include "media/telephone_event.h"
#include "media/tone.h"
#include "media/wav.h"

using namespace contactd::media;

namespace {

Samples tone(double frequency, std::size_t n, double amplitude = 8000) {
  Samples s(n);
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<std::int16_t>(amplitude * std::sin(2 * std::numbers::pi * frequency * static_cast<double>(i) / 8000));
  return s;
}

}  // namespace

TEST_CASE("G.711 µ-law matches the reference table values and round-trips every code") {
  CHECK(linear_to_ulaw(0) == 0xFF);
  CHECK(ulaw_to_linear(0x7E) == -8);
  CHECK(linear_to_ulaw(-8) == 0x7E);
  CHECK(ulaw_to_linear(0x7F) == 0);  // "negative zero"
  CHECK(ulaw_to_linear(0x00) == -32124);  // the extremes of the table
  CHECK(ulaw_to_linear(0x80) == 32124);
  CHECK(ulaw_to_linear(0xFF) == 0);
  CHECK(linear_to_ulaw(32767) == 0x80);
  CHECK(linear_to_ulaw(-32768) == 0x00);
  for (int code = 0; code < 256; ++code) {
    if (code == 0x7F) continue;  // "negative zero" decodes to 0, which encodes as 0xFF
    INFO(code);
    CHECK(linear_to_ulaw(ulaw_to_linear(static_cast<std::uint8_t>(code))) == code);
  }
  // Quantisation error stays within half a step of each segment (step 2^(seg+3)).
  for (int v = -32000; v <= 32000; v += 37) {
    const int back = ulaw_to_linear(linear_to_ulaw(static_cast<std::int16_t>(v)));
    CHECK(std::abs(back - v) <= std::max(4, std::abs(v) / 16));
  }
}

TEST_CASE("G.711 A-law matches the reference table values and round-trips every code") {
  CHECK(linear_to_alaw(0) == 0xD5);
  CHECK(alaw_to_linear(0xD5) == 8);
  CHECK(alaw_to_linear(0x55) == -8);
  CHECK(alaw_to_linear(0xAA) == 32256);  // the extremes of the table
  CHECK(alaw_to_linear(0x2A) == -32256);
  CHECK(linear_to_alaw(32767) == 0xAA);
  CHECK(linear_to_alaw(-32768) == 0x2A);
  for (int code = 0; code < 256; ++code) {
    INFO(code);
    CHECK(linear_to_alaw(alaw_to_linear(static_cast<std::uint8_t>(code))) == code);
  }
  for (int v = -32000; v <= 32000; v += 37) {
    const int back = alaw_to_linear(linear_to_alaw(static_cast<std::int16_t>(v)));
    CHECK(std::abs(back - v) <= std::max(16, std::abs(v) / 16));
  }
}

TEST_CASE("RTP: a written header parses back, CSRCs, extensions and padding are skipped, bad packets refused") {
  std::uint8_t buf[64] = {};
  RtpHeader h{true, 101, 0xBEEF, 0x01020304, 0xCAFEBABE};
  REQUIRE(write_rtp_header(h, buf) == 12);
  buf[12] = 0xAA;
  buf[13] = 0xBB;
  auto p = parse_rtp(std::span<const std::uint8_t>(buf, 14));
  REQUIRE(p);
  CHECK(p->header.marker);
  CHECK(p->header.payload_type == 101);
  CHECK(p->header.sequence == 0xBEEF);
  CHECK(p->header.timestamp == 0x01020304);
  CHECK(p->header.ssrc == 0xCAFEBABE);
  REQUIRE(p->payload.size() == 2);
  CHECK(p->payload[0] == 0xAA);

  // One CSRC, a one-word extension, two bytes of payload, three of padding.
  std::uint8_t x[12 + 4 + 8 + 2 + 3] = {};
  write_rtp_header(RtpHeader{false, 0, 1, 2, 3}, x);
  x[0] = 0x80 | 0x20 | 0x10 | 0x01;
  x[12 + 4 + 3] = 1;  // extension length: one word
  x[12 + 4 + 8] = 0x11;
  x[12 + 4 + 8 + 1] = 0x22;
  x[sizeof x - 1] = 3;
  auto q = parse_rtp(x);
  REQUIRE(q);
  REQUIRE(q->payload.size() == 2);
  CHECK(q->payload[0] == 0x11);
  CHECK(q->payload[1] == 0x22);

  CHECK_FALSE(parse_rtp(std::span<const std::uint8_t>(buf, 11)));  // short
  std::uint8_t v1[12] = {0x40};
  CHECK_FALSE(parse_rtp(v1));  // version 1
  x[sizeof x - 1] = 40;        // padding longer than the packet
  CHECK_FALSE(parse_rtp(x));
  std::uint8_t csrcs[16] = {0x8F};  // claims 15 CSRCs in 16 bytes
  CHECK_FALSE(parse_rtp(csrcs));
}

TEST_CASE("R-PH-3 RFC 4733: a digit is sent as growing packets with one timestamp, the end three times, and "
          "received once") {
  REQUIRE(event_of_digit('5') == 5);
  REQUIRE(event_of_digit('*') == 10);
  REQUIRE(event_of_digit('#') == 11);
  REQUIRE(event_of_digit('d') == 15);
  CHECK_FALSE(event_of_digit('x'));
  CHECK(digit_of_event(11) == '#');
  CHECK_FALSE(digit_of_event(16));

  DigitSender sender(*event_of_digit('#'), 48000, 1280, 160);
  CHECK(sender.resume_timestamp() == 48000 + 1280);
  DigitReceiver receiver;
  std::vector<DigitSender::Packet> packets;
  std::string received;
  while (!sender.done()) {
    auto p = sender.next();
    std::uint8_t payload[4];
    write_telephone_event(p.event, payload);
    auto parsed = parse_telephone_event(payload);
    REQUIRE(parsed);
    CHECK(parsed->event == 11);
    CHECK(parsed->duration == p.event.duration);
    if (auto d = receiver.on_packet(p.timestamp, *parsed)) received += *d;
    packets.push_back(p);
  }
  REQUIRE(packets.size() == 8 + 2);  // 160 ms in 20 ms steps, the last one repeated twice more
  CHECK(packets[0].marker);
  for (std::size_t k = 0; k < packets.size(); ++k) {
    CHECK(packets[k].timestamp == 48000);
    CHECK(packets[k].marker == (k == 0));
    CHECK(packets[k].event.duration == std::min<std::size_t>(160 * (k + 1), 1280));
    CHECK(packets[k].event.end == (k >= 7));
  }
  CHECK(received == "#");  // once, not once per packet
  // The next digit (a new timestamp) is reported too, even the same key.
  CHECK(receiver.on_packet(50000, TelephoneEvent{11, false, 10, 160}) == '#');
  const std::uint8_t short_payload[3] = {1, 2, 3};
  CHECK_FALSE(parse_telephone_event(short_payload));
}

TEST_CASE("WAV: 8 kHz mono PCM16 reads back what was written, anything else is refused with the reason") {
  const Samples s = tone(400, 8000);
  const auto bytes = write_wav(s);
  CHECK(bytes.size() == 44 + 16000);
  auto r = read_wav(bytes);
  REQUIRE(std::holds_alternative<Samples>(r));
  CHECK(std::get<Samples>(r) == s);

  auto stereo = bytes;
  stereo[22] = 2;  // channels
  REQUIRE(std::holds_alternative<std::string>(read_wav(stereo)));
  CHECK(std::get<std::string>(read_wav(stereo)).find("2 channels") != std::string::npos);
  auto cd = bytes;
  cd[24] = 0x44;  // 44100 Hz
  cd[25] = 0xAC;
  CHECK(std::get<std::string>(read_wav(cd)).find("44100 Hz") != std::string::npos);
  std::vector<std::uint8_t> junk(100, 'x');
  CHECK(std::get<std::string>(read_wav(junk)) == "not a RIFF/WAVE file");
  auto no_data = std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + 36);
  CHECK(std::get<std::string>(read_wav(no_data)) == "no data chunk");
  CHECK(std::get<std::string>(load_wav("/nonexistent.wav")).find("cannot open") != std::string::npos);
}

TEST_CASE("tone detection finds a tone carried through G.711 and not a different one") {
  for (double f : {400.0, 1000.0, 2000.0}) {
    Samples block = tone(f, 160);
    for (auto& v : block) v = ulaw_to_linear(linear_to_ulaw(v));
    INFO(f);
    CHECK(tone_ratio(block, f) > 0.95);
    CHECK(tone_ratio(block, f == 1000.0 ? 400.0 : 1000.0) < 0.05);
  }
  CHECK(tone_ratio(Samples(160, 0), 1000) == 0);
  CHECK(tone_ratio({}, 1000) == 0);
}

TEST_CASE("the player loops its audio in 20 ms frames, and frames survive G.711 both ways") {
  auto audio = std::make_shared<const Samples>([] {
    Samples s(200);
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<std::int16_t>(i);
    return s;
  }());
  Player p(audio);
  std::int16_t frame[kFrameSamples];
  p.next(frame);
  CHECK(frame[0] == 0);
  CHECK(frame[159] == 159);
  p.next(frame);
  CHECK(frame[0] == 160);
  CHECK(frame[39] == 199);
  CHECK(frame[40] == 0);  // wrapped around
  CHECK(frame[159] == 119);

  Samples t = tone(1000, kFrameSamples);
  for (int pt : {0, 8}) {
    std::uint8_t encoded[kFrameSamples];
    std::int16_t decoded[kFrameSamples];
    encode_frame(pt, std::span<const std::int16_t, kFrameSamples>(t.data(), kFrameSamples), encoded);
    decode_frame(pt, encoded, decoded);
    INFO(pt);
    CHECK(tone_ratio(decoded, 1000) > 0.95);
    CHECK(encoded[0] == (pt == 0 ? linear_to_ulaw(t[0]) : linear_to_alaw(t[0])));
  }
}

TEST_CASE("R-PH-2 the default hold music ships with the repository in the one format contactd plays") {
  auto r = load_wav(CONTACTD_SOURCE_DIR "/assets/hold-music.wav");
  REQUIRE(std::holds_alternative<Samples>(r));
  const auto& music = std::get<Samples>(r);
  CHECK(music.size() >= 8000 * 5);  // seconds of it, not a click
  double energy = 0;
  for (auto s : music) energy += static_cast<double>(s) * s;
  CHECK(energy / static_cast<double>(music.size()) > 1000.0);  // audible, not silence
}

TEST_CASE("an outgoing RTP stream stays one stream across own frames, relayed packets and digits") {
  RtpStream out(0xC0FFEE, 1000, 50000);
  auto a = out.own(0);
  CHECK(a.marker);  // the first frame starts a talkspurt
  CHECK(a.ssrc == 0xC0FFEE);
  CHECK(a.sequence == 1000);
  CHECK(a.timestamp == 50000);
  auto b = out.own(0);
  CHECK_FALSE(b.marker);
  CHECK(b.sequence == 1001);
  CHECK(b.timestamp == 50160);

  // Relay from the other leg: its timing, our identity, continuing our timeline.
  auto r1 = out.relay(RtpHeader{false, 0, 7, 900000, 0xAAAA});
  CHECK(r1.marker);  // a new source
  CHECK(r1.ssrc == 0xC0FFEE);
  CHECK(r1.sequence == 1002);
  CHECK(r1.timestamp == 50320);
  auto r2 = out.relay(RtpHeader{false, 0, 9, 900320, 0xAAAA});  // one packet lost upstream
  CHECK_FALSE(r2.marker);
  CHECK(r2.sequence == 1003);  // our sequence has no gap
  CHECK(r2.timestamp == 50640);  // the gap in time is kept
  auto late = out.relay(RtpHeader{false, 0, 8, 900160, 0xAAAA});  // the lost one, late
  CHECK(late.timestamp == 50480);
  CHECK(out.next_timestamp() == 50800);  // still after the latest

  // Hold music takes over: a new talkspurt right after the relayed audio.
  auto m = out.own(0);
  CHECK(m.marker);
  CHECK(m.timestamp == 50800);
  // A keypad digit: event packets share one timestamp, then audio resumes after it.
  DigitSender digit(5, 0, 480, 160);
  std::uint32_t digit_ts = 0;
  while (!digit.done()) {
    auto p = digit.next();
    auto h = out.event(101, p.marker, p.timestamp);
    CHECK(h.payload_type == 101);
    digit_ts = h.timestamp;
  }
  CHECK(digit_ts == 50960);
  out.resume(480);
  auto after = out.own(0);
  CHECK(after.marker);
  CHECK(after.timestamp == 50960 + 480);
  // The relay resumes, from a new phone stream: marker, continuing timeline.
  auto r3 = out.relay(RtpHeader{false, 0, 1, 123, 0xBBBB});
  CHECK(r3.marker);
  CHECK(r3.timestamp == after.timestamp + 160);
  CHECK(r3.sequence == after.sequence + 1);
}
