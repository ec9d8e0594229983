#pragma once
// RTP packets (RFC 3550): the fixed header written and parsed, CSRCs, header
// extension and padding skipped on parse. No I/O.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace contactd::media {

inline constexpr std::size_t kRtpHeaderBytes = 12;

struct RtpHeader {
  bool marker{false};
  std::uint8_t payload_type{0};
  std::uint16_t sequence{0};
  std::uint32_t timestamp{0};
  std::uint32_t ssrc{0};
};

struct RtpPacket {
  RtpHeader header;
  std::span<const std::uint8_t> payload;  // into the parsed buffer
};

// Writes the 12-byte fixed header (version 2, no padding, extension or
// CSRCs) at `out`. REQUIRES: out.size() >= kRtpHeaderBytes. Returns 12.
std::size_t write_rtp_header(const RtpHeader& header, std::span<std::uint8_t> out);
// nullopt unless `datagram` is a well-formed RTP version 2 packet.
std::optional<RtpPacket> parse_rtp(std::span<const std::uint8_t> datagram);

}  // namespace contactd::media
