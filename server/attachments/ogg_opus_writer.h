#pragma once
// Writes one Ogg Opus stream (RFC 7845 over RFC 3533) from Opus packets
// taken out of another container: the OpusHead page, the OpusTags page, then
// audio pages whose granule positions count 48 kHz samples (from each
// packet's TOC, RFC 6716 section 3.1), the last one flagged end-of-stream.
// No decoding. Standard library only.
//
// Pages: one OpusHead (beginning of stream), one OpusTags, then audio pages
// closed once they hold a second of audio or when the next packet's lacing
// values would pass 255; a packet never spans pages (packets are at most
// kMaxOpusPacketBytes).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace contactd::attachments {

// The largest Opus packet accepted: 48 frames of 1275 bytes (RFC 6716's
// largest, 120 ms of 2.5 ms frames) with room for a code 3 packet's header
// and padding, below 255 * 255 so that one packet always fits on one page.
inline constexpr std::size_t kMaxOpusPacketBytes = 65024;

// The duration of an Opus packet in 48 kHz samples, from its TOC byte (and
// for code 3 the frame count byte): frames x frame size. Empty when the
// packet is malformed as RFC 6716 section 3.2 defines it for what the TOC
// says (empty packet, code 1 with an odd payload, code 2 or 3 too short, no
// frames, more than 120 ms).
std::optional<std::uint32_t> opus_packet_samples(std::string_view packet);

// Ogg's CRC-32: polynomial 0x04C11DB7, initial value 0, not reflected, no
// final XOR, over the page with its CRC field zeroed (RFC 3533 section 6).
std::uint32_t ogg_crc32(std::string_view bytes, std::uint32_t crc = 0);

// Appends pages to `out`. Use: headers(), audio() for each packet, finish().
class OggOpusWriter {
 public:
  OggOpusWriter(std::uint32_t serial, std::string& out) : serial_(serial), out_(out) {}

  // The identification header (`opus_head`, copied as is) and a comment
  // header naming `vendor` with no comments, each on a page of its own.
  // REQUIRES: both fit one page (opus_head and vendor under 60,000 bytes).
  void headers(std::string_view opus_head, std::string_view vendor);
  // One audio packet of `samples` samples. REQUIRES: headers() was called;
  // 1 <= packet.size() <= kMaxOpusPacketBytes. `packet` is copied.
  void audio(std::string_view packet, std::uint32_t samples);
  // Writes the last page (end of stream) with the final granule position:
  // every packet's samples less `end_trim` (samples to drop from the end,
  // RFC 7845 section 4.4). REQUIRES: at least one packet was written and
  // end_trim <= the samples of the last packet.
  void finish(std::uint32_t end_trim);

  std::uint64_t samples() const { return samples_; }
  std::uint64_t packets() const { return packets_; }

 private:
  void page(std::uint8_t flags, std::uint64_t granule);
  void lace(std::size_t size);  // the lacing values of one packet of `size` bytes

  const std::uint32_t serial_;
  std::string& out_;
  std::uint32_t sequence_{0};
  std::uint64_t samples_{0};  // samples of every packet written so far
  std::uint64_t packets_{0};
  // The page being filled: its lacing values and data.
  std::vector<std::uint8_t> lacing_;
  std::string data_;
  std::uint64_t page_samples_{0};
};

}  // namespace contactd::attachments
