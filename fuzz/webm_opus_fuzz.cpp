// Fuzz target: the WebM/Opus to Ogg Opus remuxer (server/attachments/
// webm_opus.h), which reads agents' uploads (browser voice recordings).
// Checks, besides ASan/UBSan:
//  - a refusal carries a message; a success is deterministic;
//  - the output is bounded by the input (at most 3x + 4 KiB: a 1-byte laced
//    frame costs a lacing value and its byte in Ogg);
//  - the output is an Ogg Opus stream as RFC 3533/7845 require: pages with
//    the capture pattern, version 0, a correct CRC, one serial, sequence
//    numbers 0, 1, 2..., beginning of stream on the first page and end of
//    stream on the last only, no packet spanning pages; OpusHead alone on
//    page 0 and OpusTags alone on page 1 (granule 0); audio granule positions
//    non-decreasing, each the samples (from the TOC) of the packets completed
//    so far except the last page, which holds the final granule reported.
// Input: the file's bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "attachments/ogg_opus_writer.h"
#include "attachments/webm_opus.h"

using namespace contactd::attachments;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::uint64_t le(std::string_view b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<std::uint8_t>(b[at + i]);
  return v;
}

void check_ogg(const OggOpus& out) {
  const std::string_view b = out.bytes;
  std::size_t pos = 0, page = 0, packets = 0;
  std::uint32_t serial = 0;
  std::uint64_t samples = 0, previous = 0;
  while (pos < b.size()) {
    check(b.size() - pos >= 27 && b.substr(pos, 4) == "OggS" && b[pos + 4] == 0);
    const auto flags = static_cast<std::uint8_t>(b[pos + 5]);
    const std::uint64_t granule = le(b, pos + 6, 8);
    if (page == 0) serial = static_cast<std::uint32_t>(le(b, pos + 14, 4));
    check(le(b, pos + 14, 4) == serial && le(b, pos + 18, 4) == page);
    const std::size_t segments = static_cast<std::uint8_t>(b[pos + 26]);
    check(b.size() - pos >= 27 + segments);
    std::size_t body = 0;
    for (std::size_t i = 0; i < segments; ++i) body += static_cast<std::uint8_t>(b[pos + 27 + i]);
    const std::size_t length = 27 + segments + body;
    check(b.size() - pos >= length && segments > 0);
    std::string copy(b.substr(pos, length));
    copy.replace(22, 4, 4, '\0');
    check(ogg_crc32(copy) == le(b, pos + 22, 4));
    check((flags & 0x01) == 0);                   // nothing continued
    check(((flags & 0x02) != 0) == (page == 0));  // beginning of stream
    const bool last = pos + length == b.size();
    check(((flags & 0x04) != 0) == last);         // end of stream
    check(static_cast<std::uint8_t>(b[pos + 27 + segments - 1]) < 255);  // the last packet ends here
    std::size_t data = pos + 27 + segments, start = data;
    std::size_t on_page = 0;
    for (std::size_t i = 0; i < segments; ++i) {
      const std::size_t v = static_cast<std::uint8_t>(b[pos + 27 + i]);
      data += v;
      if (v == 255) continue;
      const std::string_view packet = b.substr(start, data - start);
      start = data;
      ++on_page;
      if (packets == 0) check(packet.substr(0, 8) == "OpusHead");
      if (packets == 1) check(packet.substr(0, 8) == "OpusTags");
      if (packets >= 2) {
        const auto d = opus_packet_samples(packet);
        check(d.has_value() && packet.size() <= kMaxOpusPacketBytes);
        samples += *d;
      }
      ++packets;
    }
    if (page < 2) check(on_page == 1 && granule == 0);
    if (page >= 2) {
      check(granule >= previous && granule <= samples);
      if (!last) check(granule == samples);
      previous = granule;
    }
    pos += length;
    ++page;
  }
  check(page >= 3 && packets == out.packets + 2 && previous == out.granule);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto r = webm_opus_to_ogg(in);
  if (auto* e = std::get_if<WebmOpusError>(&r)) {
    check(!e->message.empty() && !to_string(e->code).empty());
    return 0;
  }
  const auto& out = std::get<OggOpus>(r);
  check(out.bytes.size() <= 3 * size + 4096);
  check_ogg(out);
  auto again = webm_opus_to_ogg(in);
  check(std::holds_alternative<OggOpus>(again) && std::get<OggOpus>(again).bytes == out.bytes);
  return 0;
}
