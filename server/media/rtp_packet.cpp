#include "media/rtp_packet.h"

namespace contactd::media {
namespace {

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) << 24 | static_cast<std::uint32_t>(p[1]) << 16 |
         static_cast<std::uint32_t>(p[2]) << 8 | p[3];
}
void put16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 8);
  p[1] = static_cast<std::uint8_t>(v);
}
void put32(std::uint8_t* p, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) p[k] = static_cast<std::uint8_t>(v >> (24 - 8 * k));
}

}  // namespace

std::size_t write_rtp_header(const RtpHeader& h, std::span<std::uint8_t> out) {
  out[0] = 0x80;  // V=2
  out[1] = static_cast<std::uint8_t>((h.marker ? 0x80 : 0) | (h.payload_type & 0x7F));
  put16(&out[2], h.sequence);
  put32(&out[4], h.timestamp);
  put32(&out[8], h.ssrc);
  return kRtpHeaderBytes;
}

std::optional<RtpPacket> parse_rtp(std::span<const std::uint8_t> d) {
  if (d.size() < kRtpHeaderBytes || (d[0] >> 6) != 2) return std::nullopt;
  std::size_t offset = kRtpHeaderBytes + 4 * static_cast<std::size_t>(d[0] & 0x0F);  // CSRCs
  if (d[0] & 0x10) {  // header extension: 4 bytes + length words
    if (d.size() < offset + 4) return std::nullopt;
    offset += 4 + 4 * static_cast<std::size_t>(be16(&d[offset + 2]));
  }
  std::size_t padding = 0;
  if (d[0] & 0x20) {
    padding = d.back();
    if (padding == 0) return std::nullopt;
  }
  if (d.size() < offset + padding) return std::nullopt;
  RtpPacket p;
  p.header.marker = (d[1] & 0x80) != 0;
  p.header.payload_type = d[1] & 0x7F;
  p.header.sequence = be16(&d[2]);
  p.header.timestamp = be32(&d[4]);
  p.header.ssrc = be32(&d[8]);
  p.payload = d.subspan(offset, d.size() - offset - padding);
  return p;
}

}  // namespace contactd::media
