#include "media/wav.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace contactd::media {
namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return p[0] | p[1] << 8 | p[2] << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int k = 0; k < 4; ++k) out.push_back(static_cast<std::uint8_t>(v >> (8 * k)));
}
void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
}

}  // namespace

std::variant<Samples, std::string> read_wav(std::span<const std::uint8_t> d) {
  if (d.size() < 12 || std::memcmp(d.data(), "RIFF", 4) != 0 || std::memcmp(d.data() + 8, "WAVE", 4) != 0)
    return std::string("not a RIFF/WAVE file");
  bool format_seen = false;
  std::size_t offset = 12;
  while (offset + 8 <= d.size()) {  // chunks: fmt, LIST, fact, data...
    const std::uint8_t* chunk = d.data() + offset;
    std::size_t length = le32(chunk + 4);
    if (length > d.size() - offset - 8) length = d.size() - offset - 8;  // a truncated last chunk
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (length < 16) return std::string("short fmt chunk");
      std::uint16_t format = le16(chunk + 8);
      const std::uint16_t channels = le16(chunk + 10);
      const std::uint32_t rate = le32(chunk + 12);
      const std::uint16_t bits = le16(chunk + 22);
      if (format == 0xFFFE && length >= 40) format = le16(chunk + 8 + 24);  // WAVE_FORMAT_EXTENSIBLE
      if (format != 1 || channels != 1 || rate != 8000 || bits != 16)
        return "need PCM 16-bit mono 8000 Hz, got format " + std::to_string(format) + ", " +
               std::to_string(channels) + " channels, " + std::to_string(rate) + " Hz, " + std::to_string(bits) +
               " bits";
      format_seen = true;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!format_seen) return std::string("data before fmt");
      Samples samples(length / 2);
      for (std::size_t i = 0; i < samples.size(); ++i) samples[i] = static_cast<std::int16_t>(le16(chunk + 8 + 2 * i));
      if (samples.empty()) return std::string("no samples");
      return samples;
    }
    offset += 8 + length + (length & 1);  // chunks are word-aligned
  }
  return std::string("no data chunk");
}

std::variant<Samples, std::string> load_wav(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot open " + path;
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto r = read_wav(bytes);
  if (auto* why = std::get_if<std::string>(&r)) *why = path + ": " + *why;
  return r;
}

std::vector<std::uint8_t> write_wav(const Samples& samples) {
  const auto data_bytes = static_cast<std::uint32_t>(samples.size() * 2);
  std::vector<std::uint8_t> out;
  out.reserve(44 + data_bytes);
  for (char c : std::string("RIFF")) out.push_back(static_cast<std::uint8_t>(c));
  put32(out, 36 + data_bytes);
  for (char c : std::string("WAVEfmt ")) out.push_back(static_cast<std::uint8_t>(c));
  put32(out, 16);
  put16(out, 1);         // PCM
  put16(out, 1);         // mono
  put32(out, 8000);      // rate
  put32(out, 16000);     // bytes per second
  put16(out, 2);         // block align
  put16(out, 16);        // bits
  for (char c : std::string("data")) out.push_back(static_cast<std::uint8_t>(c));
  put32(out, data_bytes);
  for (auto s : samples) put16(out, static_cast<std::uint16_t>(s));
  return out;
}

}  // namespace contactd::media
