#pragma once
// The first bytes of real files of each type the media store accepts, as
// their writers lay them out (enough for sniffing; not playable).
#include <cstdint>
#include <string>

namespace contactd::test::samples {

using namespace std::string_literals;

inline std::string le32(std::uint32_t v) {
  return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8 & 0xFF), static_cast<char>(v >> 16 & 0xFF),
                     static_cast<char>(v >> 24 & 0xFF)};
}
inline std::string le16(std::uint16_t v) { return std::string{static_cast<char>(v & 0xFF), static_cast<char>(v >> 8)}; }

inline std::string padded(std::string s, std::size_t size = 600) {
  // Filler that is not text, so nothing sniffs as UTF-8 by accident.
  for (std::size_t i = 0; s.size() < size; ++i) s.push_back(static_cast<char>(0x80 + (i * 37) % 0x7F));
  return s;
}

inline std::string jpeg() { return padded("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00"s); }
inline std::string png() { return padded("\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06"s); }
inline std::string gif() { return padded("GIF89a\x10\x00\x10\x00\x80\x00\x00"s); }
inline std::string webp() { return padded("RIFF"s + le32(592) + "WEBPVP8 " + le32(580)); }
inline std::string svg() {
  return "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
         "<!-- Created with Inkscape (http://www.inkscape.org/) -->\n"
         "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\" [\n"
         "  <!ENTITY ns_svg \"http://www.w3.org/2000/svg\">\n]>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\"><rect width=\"8\" height=\"8\"/></svg>\n";
}
// EBML header with DocType webm, a Segment, Tracks and one TrackEntry per codec.
inline std::string webm(const std::string& codecs_tracks) {
  std::string s = "\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\xF7\x81\x01\x42\xF2\x81\x04\x42\xF3\x81\x08"
                  "\x42\x82\x84webm\x42\x87\x81\x04\x42\x85\x81\x02"s;
  s += "\x18\x53\x80\x67\x01\xFF\xFF\xFF\xFF\xFF\xFF\xFF"s;  // Segment, unknown size
  s += "\x15\x49\xA9\x66\x8E\x2A\xD7\xB1\x83\x0F\x42\x40\x4D\x80\x84\x51\x54\x73\x00"s;  // Info
  s += "\x16\x54\xAE\x6B\x40\x30"s + codecs_tracks;  // Tracks
  return padded(s);
}
inline std::string track(const std::string& codec) {
  return "\xAE"s + static_cast<char>(0x80 | (codec.size() + 5)) + "\xD7\x81\x01\x86"s +
         static_cast<char>(0x80 | codec.size()) + codec;
}
inline std::string webm_video() { return webm(track("V_VP8") + track("A_VORBIS")); }
inline std::string webm_voice() { return webm(track("A_OPUS")); }
inline std::string mkv() {
  std::string s = webm_video();
  return s.replace(s.find("webm"), 4, "mkvx");
}
inline std::string ftyp(const std::string& major, const std::string& compatible) {
  const std::uint32_t size = static_cast<std::uint32_t>(16 + compatible.size());
  std::string box{'\0', '\0', static_cast<char>(size >> 8), static_cast<char>(size & 0xFF)};
  return padded(box + "ftyp" + major + "\x00\x00\x02\x00"s + compatible + "\x00\x00\x00\x08" "free"s);
}
inline std::string mp4() { return ftyp("isom", "isomiso2avc1mp41"); }
inline std::string mov() { return ftyp("qt  ", "qt  "); }
inline std::string m4a() { return ftyp("M4A ", "M4A isommp42"); }
inline std::string gpp() { return ftyp("3gp4", "isom3gp4"); }
inline std::string heic() { return ftyp("heic", "mif1heic"); }
inline std::string pdf() { return padded("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<</Type/Catalog>>\nendobj\n"s); }
// A zip's local file header for `name` followed by `data` (stored).
inline std::string zip_entry(const std::string& name, const std::string& data) {
  return "PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x00\x00"s + le32(0) + le32(static_cast<std::uint32_t>(data.size())) +
         le32(static_cast<std::uint32_t>(data.size())) + le16(static_cast<std::uint16_t>(name.size())) + le16(0) + name +
         data;
}
inline std::string zip() { return padded(zip_entry("notes/hello.txt", "hello") + zip_entry("b.txt", "b")); }
inline std::string ooxml(const std::string& part) {
  return padded(zip_entry("[Content_Types].xml", "<Types/>") + zip_entry("_rels/.rels", "<Relationships/>") +
                zip_entry(part, "<x/>"));
}
inline std::string docx() { return ooxml("word/document.xml"); }
inline std::string xlsx() { return ooxml("xl/workbook.xml"); }
inline std::string rar() { return padded("Rar!\x1A\x07\x01\x00\x33\x92\xB5\xE5\x0A\x01\x05\x06\x00"s); }
inline std::string utf16(const std::string& ascii) {
  std::string w;
  for (char c : ascii) w += std::string{c, '\0'};
  return w;
}
inline std::string ole(const std::string& stream) {
  std::string s = "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"s + std::string(16, '\0') + "\x3E\x00\x03\x00\xFE\xFF\x09\x00"s;
  s = padded(s, 512);
  return padded(s + utf16("Root Entry") + std::string(44, '\0') + utf16(stream) + std::string(40, '\0'), 1536);
}
inline std::string doc() { return ole("WordDocument"); }
inline std::string xls() { return ole("Workbook"); }
inline std::string ole_undecided() { return padded("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"s, 512); }
inline std::string mp3_id3() {
  return padded("ID3\x04\x00\x00\x00\x00\x00\x0A"s + "TIT2\x00\x00\x00\x00\x00\x00"s + "\xFF\xFB\x90\x64\x00"s);
}
inline std::string mp3_frames() { return padded("\xFF\xFB\x90\x64\x00\x00\x00\x00"s); }
inline std::string wav() { return padded("RIFF"s + le32(1000) + "WAVEfmt " + le32(16) + "\x01\x00\x01\x00"s); }
inline std::string ogg(const std::string& first_packet) {
  return padded("OggS\x00\x02"s + std::string(8, '\0') + "\x01\x02\x03\x04"s + std::string(4, '\0') +
                "\x11\x22\x33\x44"s + "\x01"s + static_cast<char>(first_packet.size()) + first_packet);
}
inline std::string ogg_opus() { return ogg("OpusHead\x01\x01\x38\x01\x80\xBB\x00\x00\x00\x00\x00"s); }
inline std::string ogg_vorbis() { return ogg("\x01vorbis\x00\x00\x00\x00\x01\x44\xAC\x00\x00"s); }
inline std::string flac() { return padded("fLaC\x00\x00\x00\x22\x10\x00\x10\x00"s); }
inline std::string adts() { return padded("\xFF\xF1\x50\x80\x02\x1F\xFC\x21\x00"s); }
inline std::string amr() { return padded("#!AMR\n\x3C\x48\xF5\x5F"s); }
inline std::string exe() { return padded("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00"s); }
inline std::string text() { return "Olá, \"mundo\"\tçà\r\nline two ✓\n"; }
inline std::string csv() { return "name,amount\r\nJoão,12.50\r\n"; }

}  // namespace contactd::test::samples
