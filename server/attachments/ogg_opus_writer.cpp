#include "attachments/ogg_opus_writer.h"

#include <array>

namespace contactd::attachments {
namespace {

constexpr std::uint8_t kBeginning = 0x02, kEnd = 0x04;
constexpr std::uint64_t kPageSamples = 48000;  // close a page after a second of audio
constexpr std::size_t kMaxLacing = 255;

constexpr std::array<std::uint32_t, 256> kCrcTable = [] {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t r = i << 24;
    for (int k = 0; k < 8; ++k) r = (r & 0x80000000u) ? (r << 1) ^ 0x04C11DB7u : r << 1;
    table[i] = r;
  }
  return table;
}();

void put_le(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>(v >> (8 * i) & 0xFF));
}

std::size_t lacing_values(std::size_t size) { return size / 255 + 1; }

}  // namespace

std::optional<std::uint32_t> opus_packet_samples(std::string_view packet) {
  if (packet.empty()) return std::nullopt;
  const auto toc = static_cast<std::uint8_t>(packet[0]);
  const unsigned config = toc >> 3;
  std::uint32_t frame;  // samples per frame at 48 kHz
  if (config < 12) {
    static constexpr std::uint32_t kSilk[] = {480, 960, 1920, 2880};  // 10, 20, 40, 60 ms
    frame = kSilk[config % 4];
  } else if (config < 16) {
    frame = config % 2 == 0 ? 480 : 960;  // hybrid: 10, 20 ms
  } else {
    static constexpr std::uint32_t kCelt[] = {120, 240, 480, 960};  // 2.5, 5, 10, 20 ms
    frame = kCelt[config % 4];
  }
  std::uint32_t frames;
  switch (toc & 0x03) {
    case 0: frames = 1; break;
    case 1:
      if ((packet.size() - 1) % 2 != 0) return std::nullopt;  // two frames of equal size
      frames = 2;
      break;
    case 2:
      if (packet.size() < 2) return std::nullopt;  // the first frame's length
      frames = 2;
      break;
    default:
      if (packet.size() < 2) return std::nullopt;
      frames = static_cast<std::uint8_t>(packet[1]) & 0x3F;
      if (frames == 0) return std::nullopt;
      break;
  }
  const std::uint32_t samples = frames * frame;
  if (samples > 5760) return std::nullopt;  // 120 ms at most
  return samples;
}

std::uint32_t ogg_crc32(std::string_view bytes, std::uint32_t crc) {
  for (unsigned char c : bytes) crc = (crc << 8) ^ kCrcTable[((crc >> 24) ^ c) & 0xFF];
  return crc;
}

void OggOpusWriter::page(std::uint8_t flags, std::uint64_t granule) {
  const std::size_t start = out_.size();
  out_ += "OggS";
  out_.push_back('\0');  // version
  out_.push_back(static_cast<char>(flags));
  put_le(out_, granule, 8);
  put_le(out_, serial_, 4);
  put_le(out_, sequence_++, 4);
  put_le(out_, 0, 4);  // CRC, filled below
  out_.push_back(static_cast<char>(lacing_.size()));
  for (std::uint8_t v : lacing_) out_.push_back(static_cast<char>(v));
  out_ += data_;
  const std::uint32_t crc = ogg_crc32(std::string_view(out_).substr(start));
  for (int i = 0; i < 4; ++i) out_[start + 22 + i] = static_cast<char>(crc >> (8 * i) & 0xFF);
  lacing_.clear();
  data_.clear();
  page_samples_ = 0;
}

void OggOpusWriter::headers(std::string_view opus_head, std::string_view vendor) {
  auto alone = [&](std::string_view packet, std::uint8_t flags) {
    lace(packet.size());
    data_.assign(packet);
    page(flags, 0);
  };
  alone(opus_head, kBeginning);
  std::string tags = "OpusTags";
  put_le(tags, vendor.size(), 4);
  tags += vendor;
  put_le(tags, 0, 4);  // no user comments
  alone(tags, 0);
}

void OggOpusWriter::lace(std::size_t size) {
  for (std::size_t n = size;; n -= 255) {
    lacing_.push_back(static_cast<std::uint8_t>(n >= 255 ? 255 : n));
    if (n < 255) break;
  }
}

void OggOpusWriter::audio(std::string_view packet, std::uint32_t samples) {
  const std::size_t values = lacing_values(packet.size());
  if (!lacing_.empty() && (lacing_.size() + values > kMaxLacing || page_samples_ >= kPageSamples))
    page(0, samples_);
  lace(packet.size());
  data_ += packet;
  samples_ += samples;
  page_samples_ += samples;
  ++packets_;
}

void OggOpusWriter::finish(std::uint32_t end_trim) { page(kEnd, samples_ - end_trim); }

}  // namespace contactd::attachments
