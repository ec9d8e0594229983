// R-MSG-4: browser voice recordings (WebM/Opus) rewritten as Ogg Opus for
// WhatsApp voice notes (server/attachments/webm_opus.h). The fixtures in
// tests/fixtures/media are real encodes (tests/fixtures/media/
// make_webm_fixtures.py says how they were made); the Ogg is checked by a
// reader of the test's own (its CRC computed bit by bit) and compared with
// ffmpeg's Ogg of the same packets.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "attachments/ogg_opus_writer.h"
#include "attachments/webm_opus.h"
#include "support/test_files.h"

using namespace contactd::attachments;
using namespace std::string_literals;

using contactd::test::sha256_hex;

namespace {

std::string fixture(const std::string& name) { return contactd::test::fixture_bytes("media/" + name); }

std::uint64_t le(const std::string& b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(b[at + i]);
  return v;
}

// RFC 3533's CRC, bit by bit (not the table the writer uses).
std::uint32_t crc_bitwise(const std::string& page) {
  std::uint32_t crc = 0;
  for (unsigned char c : page) {
    crc ^= std::uint32_t{c} << 24;
    for (int k = 0; k < 8; ++k) crc = crc & 0x80000000u ? crc << 1 ^ 0x04C11DB7u : crc << 1;
  }
  return crc;
}

struct OggPage {
  std::uint8_t flags;
  std::uint64_t granule;
  std::size_t packets_ending;  // packets completed on this page
};

struct OggStream {
  std::vector<std::string> packets;
  std::vector<OggPage> pages;
  std::uint32_t serial{0};
};

// Reads a single-stream Ogg file, checking what RFC 3533 requires of every
// page: capture pattern, version 0, CRC, one serial, page sequence numbers
// 0, 1, 2..., beginning of stream on the first page only, end of stream on
// the last only, no packet left unfinished at the end.
OggStream read_ogg(const std::string& b) {
  OggStream s;
  std::string current;
  bool open_packet = false;
  std::size_t pos = 0;
  while (pos < b.size()) {
    REQUIRE(b.size() - pos >= 27);
    REQUIRE(b.compare(pos, 4, "OggS") == 0);
    CHECK(b[pos + 4] == 0);
    const auto flags = static_cast<std::uint8_t>(b[pos + 5]);
    const std::uint32_t serial = static_cast<std::uint32_t>(le(b, pos + 14, 4));
    if (s.pages.empty()) s.serial = serial;
    CHECK(serial == s.serial);
    CHECK(le(b, pos + 18, 4) == s.pages.size());
    const std::size_t segments = static_cast<std::uint8_t>(b[pos + 26]);
    REQUIRE(b.size() - pos >= 27 + segments);
    std::size_t body = 0;
    for (std::size_t i = 0; i < segments; ++i) body += static_cast<std::uint8_t>(b[pos + 27 + i]);
    const std::size_t length = 27 + segments + body;
    REQUIRE(b.size() - pos >= length);
    std::string page = b.substr(pos, length);
    const auto stored_crc = static_cast<std::uint32_t>(le(page, 22, 4));
    page.replace(22, 4, 4, '\0');
    CHECK(crc_bitwise(page) == stored_crc);
    CHECK(((flags & 0x01) != 0) == open_packet);  // "continued" exactly when a packet is open
    CHECK(((flags & 0x02) != 0) == s.pages.empty());
    std::size_t data = pos + 27 + segments, ending = 0;
    for (std::size_t i = 0; i < segments; ++i) {
      const std::size_t v = static_cast<std::uint8_t>(b[pos + 27 + i]);
      current += b.substr(data, v);
      data += v;
      open_packet = v == 255;
      if (!open_packet) {
        s.packets.push_back(std::move(current));
        current.clear();
        ++ending;
      }
    }
    s.pages.push_back({flags, le(b, pos + 6, 8), ending});
    pos += length;
  }
  CHECK_FALSE(open_packet);
  for (std::size_t i = 0; i < s.pages.size(); ++i) CHECK(((s.pages[i].flags & 0x04) != 0) == (i + 1 == s.pages.size()));
  return s;
}

std::vector<std::string> audio_packets(const OggStream& s) { return {s.packets.begin() + 2, s.packets.end()}; }

OggOpus remux(const std::string& webm) {
  auto r = webm_opus_to_ogg(webm);
  if (auto* e = std::get_if<WebmOpusError>(&r)) FAIL(to_string(e->code) << ": " << e->message);
  return std::get<OggOpus>(std::move(r));
}

WebmOpusErrorCode refusal(const std::string& webm) {
  auto r = webm_opus_to_ogg(webm);
  REQUIRE(std::holds_alternative<WebmOpusError>(r));
  const auto& e = std::get<WebmOpusError>(r);
  CHECK(!e.message.empty());
  return e.code;
}

// Checks RFC 7845's headers and granule positions of `ogg`; returns it parsed.
OggStream check_ogg_opus(const OggOpus& out) {
  OggStream s = read_ogg(out.bytes);
  REQUIRE(s.pages.size() >= 3);
  REQUIRE(s.packets.size() == out.packets + 2);
  // The ID header and the comment header, each alone on its page, granule 0.
  CHECK(s.packets[0].compare(0, 8, "OpusHead") == 0);
  CHECK(s.packets[1].compare(0, 8, "OpusTags") == 0);
  CHECK(s.pages[0].packets_ending == 1);
  CHECK(s.pages[0].granule == 0);
  CHECK(s.pages[1].packets_ending == 1);
  CHECK(s.pages[1].granule == 0);
  const std::string& tags = s.packets[1];
  REQUIRE(tags.size() >= 16);
  const auto vendor = le(tags, 8, 4);
  REQUIRE(tags.size() == 8 + 4 + vendor + 4);
  CHECK(le(tags, 12 + vendor, 4) == 0);
  // Audio pages: each granule is the samples of every packet completed so
  // far (from the TOC); the last may be trimmed, never below the one before.
  std::size_t next = 2;
  std::uint64_t samples = 0, previous = 0;
  for (std::size_t p = 2; p < s.pages.size(); ++p) {
    for (std::size_t k = 0; k < s.pages[p].packets_ending; ++k) {
      const auto d = opus_packet_samples(s.packets[next++]);
      REQUIRE(d);
      samples += *d;
    }
    if (p + 1 < s.pages.size()) CHECK(s.pages[p].granule == samples);
    CHECK(s.pages[p].granule >= previous);
    previous = s.pages[p].granule;
  }
  CHECK(s.pages.back().granule == out.granule);
  CHECK(out.granule <= samples);
  return s;
}

// ---- a WebM writer of the test's own, for layouts the fixtures lack ----------

std::string vint(std::uint64_t n) {
  for (int len = 1; len <= 8; ++len)
    if (n < (std::uint64_t{1} << (7 * len)) - 1) {
      std::string s(len, '\0');
      for (int i = len - 1; i >= 0; --i, n >>= 8) s[i] = static_cast<char>(n & 0xFF);
      s[0] = static_cast<char>(s[0] | (0x80 >> (len - 1)));
      return s;
    }
  return {};
}
std::string el(const std::string& id, const std::string& data) { return id + vint(data.size()) + data; }
std::string uint1(const std::string& id, std::uint8_t v) { return el(id, std::string(1, static_cast<char>(v))); }

const std::string kUnknownSize = "\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF"s;

std::string ebml_header(const std::string& doctype = "webm") {
  return el("\x1A\x45\xDF\xA3"s, el("\x42\x82"s, doctype));
}
std::string tracks(const std::string& head, const std::string& codec = "A_OPUS", std::uint8_t type = 2) {
  return el("\x16\x54\xAE\x6B"s,
            el("\xAE"s, uint1("\xD7"s, 1) + uint1("\x83"s, type) + el("\x86"s, codec) + el("\x63\xA2"s, head)));
}
std::string block_header(std::uint8_t flags) { return "\x81\x00\x00"s + static_cast<char>(flags); }

std::string xiph_laced(const std::vector<std::string>& frames) {
  std::string s = block_header(0x02) + static_cast<char>(frames.size() - 1);
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) {
    std::size_t n = frames[i].size();
    for (; n >= 255; n -= 255) s.push_back('\xFF');
    s.push_back(static_cast<char>(n));
  }
  for (const auto& f : frames) s += f;
  return s;
}

std::string ebml_laced(const std::vector<std::string>& frames) {
  std::string s = block_header(0x06) + static_cast<char>(frames.size() - 1);
  s += vint(frames[0].size());
  for (std::size_t i = 1; i + 1 < frames.size(); ++i) {
    // A signed difference in two bytes: value + (2^13 - 1).
    const auto diff = static_cast<std::int64_t>(frames[i].size()) - static_cast<std::int64_t>(frames[i - 1].size());
    const auto coded = static_cast<std::uint16_t>(diff + 8191);
    s.push_back(static_cast<char>(0x40 | coded >> 8));
    s.push_back(static_cast<char>(coded & 0xFF));
  }
  for (const auto& f : frames) s += f;
  return s;
}

const OggStream& chrome_reference() {
  static const OggStream s = read_ogg(fixture("voice_chrome.ogg"));
  return s;
}

}  // namespace

TEST_CASE("R-MSG-4 Ogg's CRC-32 and the Opus TOC durations of RFC 6716") {
  CHECK(ogg_crc32("123456789") == 0x89A1897Fu);  // CRC-32, polynomial 0x04C11DB7, init 0, no reflection, no XOR
  CHECK(ogg_crc32("") == 0);
  auto toc = [](unsigned config, unsigned code) { return std::string(1, static_cast<char>(config << 3 | code)); };
  CHECK(opus_packet_samples(toc(0, 0) + "x") == 480u);       // SILK NB 10 ms
  CHECK(opus_packet_samples(toc(3, 0) + "x") == 2880u);      // SILK NB 60 ms
  CHECK(opus_packet_samples(toc(11, 0)) == 2880u);           // SILK WB 60 ms, a DTX packet of its TOC alone
  CHECK(opus_packet_samples(toc(12, 0) + "x") == 480u);      // hybrid SWB 10 ms
  CHECK(opus_packet_samples(toc(15, 1) + "xy") == 1920u);    // hybrid FB 20 ms, two frames
  CHECK(opus_packet_samples(toc(16, 2) + "\x01xy") == 240u);  // CELT NB 2.5 ms, two frames
  CHECK(opus_packet_samples(toc(31, 3) + "\x06" "abc") == 5760u);  // CELT FB 20 ms x 6 = 120 ms
  CHECK(opus_packet_samples(toc(16, 3) + "\x30") == 5760u);  // 48 frames of 2.5 ms
  CHECK_FALSE(opus_packet_samples(""));                     // empty
  CHECK_FALSE(opus_packet_samples(toc(16, 1) + "xyz"));      // code 1: an odd payload cannot be two equal frames
  CHECK_FALSE(opus_packet_samples(toc(16, 2)));             // code 2 without its length byte
  CHECK_FALSE(opus_packet_samples(toc(16, 3)));             // code 3 without its count byte
  CHECK_FALSE(opus_packet_samples(toc(16, 3) + "\x00"s));   // no frames
  CHECK_FALSE(opus_packet_samples(toc(31, 3) + "\x07"));    // 140 ms: over 120 ms
}

TEST_CASE("R-MSG-4 a Chrome MediaRecorder WebM/Opus recording becomes Ogg Opus with the same packets") {
  const std::string webm = fixture("voice_chrome.webm");
  const OggOpus out = remux(webm);
  const OggStream ogg = check_ogg_opus(out);
  const OggStream& ffmpeg = chrome_reference();
  // The OpusHead is the track's CodecPrivate, the packets are ffmpeg's encode, byte for byte.
  CHECK(ogg.packets[0] == ffmpeg.packets[0]);
  CHECK(audio_packets(ogg) == audio_packets(ffmpeg));
  CHECK(out.packets == 26);  // 312 samples of pre-skip and 1.5 s, in 60 ms packets
  CHECK(out.channels == 1);
  CHECK(out.pre_skip == 312);
  // No end trimming in a MediaRecorder file (no DiscardPadding): the final
  // granule counts every sample of every packet; ffmpeg's Ogg trimmed the
  // encoder's padding, which the WebM does not say.
  CHECK(out.granule == 26 * 2880);
  CHECK(ffmpeg.pages.back().granule == 312 + 72000);
  // Deterministic: the same recording, the same bytes (and serial).
  CHECK(remux(webm).bytes == out.bytes);
}

TEST_CASE("R-MSG-4 ffmpeg's WebM (SeekHead, Void, sized Clusters, DiscardPadding) remuxes as ffmpeg remuxes it") {
  const OggOpus out = remux(fixture("voice_ffmpeg.webm"));
  const OggStream ogg = check_ogg_opus(out);
  const OggStream ffmpeg = read_ogg(fixture("voice_ffmpeg.ogg"));
  CHECK(ogg.packets[0] == ffmpeg.packets[0]);
  CHECK(audio_packets(ogg) == audio_packets(ffmpeg));
  CHECK(out.channels == 2);
  // The last BlockGroup's DiscardPadding trims the end to the length encoded:
  // 1.31 s after the pre-skip. (ffmpeg's own remux ends at 63720, a granule
  // it derives from millisecond timestamps.)
  CHECK(out.pre_skip == 312);
  CHECK(out.granule == 312 + 62880);
  CHECK(out.granule < out.packets * 960);
}

TEST_CASE("R-MSG-4 laced blocks, BlockGroups and a sized Segment give the same packets") {
  const OggStream& ref = chrome_reference();
  const std::vector<std::string> packets = audio_packets(ref);
  REQUIRE(packets.size() == 26);
  std::string cluster = uint1("\xE7"s, 0);
  // Xiph lacing of packets 0..4, EBML lacing of 5..9, fixed-size lacing of one
  // packet twice, then BlockGroups and SimpleBlocks of the rest.
  cluster += el("\xA3"s, xiph_laced({packets.begin(), packets.begin() + 5}));
  cluster += el("\xA3"s, ebml_laced({packets.begin() + 5, packets.begin() + 10}));
  cluster += el("\xA3"s, block_header(0x04) + "\x01"s + packets[10] + packets[10]);
  std::vector<std::string> expected(packets.begin(), packets.begin() + 11);
  expected.push_back(packets[10]);
  for (std::size_t i = 11; i < packets.size(); ++i) {
    const std::string block = block_header(0x00) + packets[i];
    cluster += i % 2 ? el("\xA0"s, el("\xFB"s, "\x01"s) + el("\xA1"s, block)) : el("\xA3"s, block);
    expected.push_back(packets[i]);
  }
  const std::string segment = el("\x18\x53\x80\x67"s, el("\xEC"s, std::string(7, '\0')) + tracks(ref.packets[0]) +
                                                        el("\x1F\x43\xB6\x75"s, cluster) +
                                                        el("\x1C\x53\xBB\x6B"s, "cues"));
  const OggOpus out = remux(ebml_header() + segment);
  const OggStream ogg = check_ogg_opus(out);
  CHECK(audio_packets(ogg) == expected);
  CHECK(out.granule == 27 * 2880);
}

TEST_CASE("R-MSG-4 an unknown-size Cluster ends where the next Segment-level element begins") {
  const OggStream& ref = chrome_reference();
  const auto p = audio_packets(ref);
  auto cluster = [&](std::size_t from, std::size_t to) {
    std::string c = "\x1F\x43\xB6\x75"s + kUnknownSize + uint1("\xE7"s, 0);
    for (std::size_t i = from; i < to; ++i) c += el("\xA3"s, block_header(0x80) + p[i]);
    return c;
  };
  // Clusters of unknown size, Tags between them, Cues after them.
  const std::string webm = ebml_header() + "\x18\x53\x80\x67"s + kUnknownSize + tracks(ref.packets[0]) + cluster(0, 3) +
                           el("\x12\x54\xC3\x67"s, "tags") + cluster(3, 6) + el("\x1C\x53\xBB\x6B"s, "cues");
  const OggStream ogg = check_ogg_opus(remux(webm));
  CHECK(audio_packets(ogg) == std::vector<std::string>(p.begin(), p.begin() + 6));
}

TEST_CASE("R-MSG-4 a WebM with video, another codec or two tracks is refused with a typed error") {
  CHECK(refusal(fixture("video.webm")) == WebmOpusErrorCode::not_audio_only);
  CHECK(refusal(fixture("vorbis.webm")) == WebmOpusErrorCode::not_opus);
  const std::string head = chrome_reference().packets[0];
  const std::string entry =
      el("\xAE"s, uint1("\xD7"s, 1) + uint1("\x83"s, 2) + el("\x86"s, "A_OPUS"s) + el("\x63\xA2"s, head));
  const std::string two = el("\x16\x54\xAE\x6B"s, entry + entry);
  CHECK(refusal(ebml_header() + el("\x18\x53\x80\x67"s, two)) == WebmOpusErrorCode::several_tracks);
  CHECK(refusal(ebml_header() + el("\x18\x53\x80\x67"s, tracks(head, "A_OPUS", 17))) ==
        WebmOpusErrorCode::not_audio_only);
}

TEST_CASE("R-MSG-4 malformed WebM is refused with a typed error and never read past its end") {
  const std::string webm = fixture("voice_chrome.webm");
  const std::string head = chrome_reference().packets[0];
  const std::string packet = audio_packets(chrome_reference())[0];
  auto file = [&](const std::string& segment_body) {
    return ebml_header() + "\x18\x53\x80\x67"s + kUnknownSize + segment_body;
  };
  auto with_block = [&](const std::string& block) {
    return file(tracks(head) + el("\x1F\x43\xB6\x75"s, el("\xA3"s, block)));
  };
  CHECK(refusal("") == WebmOpusErrorCode::not_webm);
  CHECK(refusal("OggS") == WebmOpusErrorCode::not_webm);
  CHECK(refusal(ebml_header("matroska") + "\x18\x53\x80\x67"s + kUnknownSize) == WebmOpusErrorCode::not_webm);
  CHECK(refusal(ebml_header()) == WebmOpusErrorCode::truncated);  // nothing after the header
  CHECK(refusal(std::string(kMaxWebmOpusBytes + 1, '\x1A')) == WebmOpusErrorCode::too_large);
  // Sizes from the file are never trusted: a Tracks claiming 2^56 bytes.
  CHECK(refusal(file("\x16\x54\xAE\x6B\x01\x7F\xFF\xFF\xFF\xFF\xFF\xFF"s)) == WebmOpusErrorCode::truncated);
  CHECK(refusal(file("\x08\x00\x00\x00\x00\x81\x00"s)) == WebmOpusErrorCode::malformed);  // a 5-byte ID
  CHECK(refusal(file("\xEC\x00"s)) == WebmOpusErrorCode::malformed);  // a size of 9+ bytes
  CHECK(refusal(file("")) == WebmOpusErrorCode::no_audio);
  CHECK(refusal(file(tracks(head))) == WebmOpusErrorCode::no_audio);
  CHECK(refusal(file(el("\x1F\x43\xB6\x75"s, "") + tracks(head))) == WebmOpusErrorCode::malformed);
  CHECK(refusal(file(tracks(""))) == WebmOpusErrorCode::bad_opus_head);
  std::string no_channels = head;
  no_channels[9] = 0;
  CHECK(refusal(file(tracks(no_channels))) == WebmOpusErrorCode::bad_opus_head);
  std::string three_channels = head;
  three_channels[9] = 3;
  CHECK(refusal(file(tracks(three_channels))) == WebmOpusErrorCode::bad_opus_head);
  CHECK(refusal(file(tracks(head, "A_VORBIS"))) == WebmOpusErrorCode::not_opus);
  // Blocks: another track, an empty packet, an invalid TOC, lacing that overflows the block.
  CHECK(refusal(with_block("\x82\x00\x00\x80"s + packet)) == WebmOpusErrorCode::malformed);
  CHECK(refusal(with_block(block_header(0x80))) == WebmOpusErrorCode::bad_packet);
  CHECK(refusal(with_block(block_header(0x80) + "\xFB\x00"s)) == WebmOpusErrorCode::bad_packet);
  CHECK(refusal(with_block(block_header(0x02) + "\x01\xFF\xFF\x10"s + packet)) == WebmOpusErrorCode::malformed);
  CHECK(refusal(with_block(block_header(0x06) + "\x02\x81\x7F\xFF"s + packet)) == WebmOpusErrorCode::malformed);
  CHECK(refusal(with_block(block_header(0x04) + "\x01"s + packet + packet + "x")) == WebmOpusErrorCode::malformed);
  CHECK(refusal(with_block("\x81\x00"s)) == WebmOpusErrorCode::truncated);
  CHECK(refusal(with_block(block_header(0x80) + std::string(kMaxOpusPacketBytes + 1, '\x08'))) ==
        WebmOpusErrorCode::bad_packet);
  // Every prefix of a real recording: refused with a typed error, or (cut
  // between blocks of an unknown-size Cluster) the packets before the cut.
  const std::vector<std::string> all = audio_packets(read_ogg(remux(webm).bytes));
  for (std::size_t n = 0; n < webm.size(); ++n) {
    auto r = webm_opus_to_ogg(std::string_view(webm).substr(0, n));
    if (auto* out = std::get_if<OggOpus>(&r)) {
      const auto got = audio_packets(read_ogg(out->bytes));
      REQUIRE(got.size() <= all.size());
      CHECK(std::equal(got.begin(), got.end(), all.begin()));
    } else {
      CHECK(!std::get<WebmOpusError>(r).message.empty());
    }
  }
}
