#include "attachments/sniff.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace contactd::attachments {
namespace {

using namespace std::string_view_literals;

using Bytes = std::string_view;

bool starts(Bytes b, Bytes magic) { return b.size() >= magic.size() && b.substr(0, magic.size()) == magic; }
bool at(Bytes b, std::size_t pos, Bytes magic) { return b.size() >= pos + magic.size() && b.substr(pos, magic.size()) == magic; }
std::uint8_t u8(Bytes b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }
std::uint32_t be32(Bytes b, std::size_t i) {
  return std::uint32_t{u8(b, i)} << 24 | std::uint32_t{u8(b, i + 1)} << 16 | std::uint32_t{u8(b, i + 2)} << 8 | u8(b, i + 3);
}
std::uint32_t le16(Bytes b, std::size_t i) { return std::uint32_t{u8(b, i)} | std::uint32_t{u8(b, i + 1)} << 8; }
std::uint32_t le32(Bytes b, std::size_t i) { return le16(b, i) | le16(b, i + 2) << 16; }

enum class Format : std::uint8_t {
  jpeg, png, gif, webp, svg, webm, isobmff, pdf, zip, rar, ole2, mp3, wav, ogg, flac, aac, amr,
};

// Finer distinctions inside a container format.
enum class Flavor : std::uint8_t {
  none,
  // ISO BMFF
  quicktime, m4a, gpp, gpp2, mp4, heif,
  // zip
  zip_plain, zip_ooxml, docx, xlsx, pptx, zip_unknown,
  // OLE2
  ole_unknown, doc, xls, ppt,
  // Ogg
  ogg_opus, ogg_vorbis, ogg_flac, ogg_theora, ogg_other,
  // WebM
  webm_audio, webm_video,
  // AMR
  amr_nb, amr_wb,
};

struct Detected {
  Format format;
  Flavor flavor{Flavor::none};
  bool opus{false};
};

// ---- text --------------------------------------------------------------

// Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF), no
// NUL and no C0 control besides TAB, LF, FF and CR. A sequence cut by the end
// of an incomplete prefix is fine.
bool is_text(Bytes b, bool complete) {
  if (starts(b, "\xEF\xBB\xBF")) b.remove_prefix(3);
  std::size_t i = 0;
  while (i < b.size()) {
    const std::uint8_t c = u8(b, i);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') return false;
      ++i;
      continue;
    }
    std::size_t len;
    std::uint8_t lo = 0x80, hi = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return false;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if (i + k >= b.size()) return !complete;  // cut by the end of the prefix
      const std::uint8_t d = u8(b, i + k);
      if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF)) return false;
    }
    i += len;
  }
  return true;
}

// ---- SVG ----------------------------------------------------------------

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// UTF-8 XML whose first element is <svg ...>: a BOM, an XML declaration,
// comments, processing instructions and a DOCTYPE may come first.
bool is_svg(Bytes b) {
  if (b.find('\0') != Bytes::npos) return false;
  if (starts(b, "\xEF\xBB\xBF")) b.remove_prefix(3);
  std::size_t i = 0;
  auto skip_to = [&](Bytes end) {
    const auto p = b.find(end, i);
    if (p == Bytes::npos) return false;
    i = p + end.size();
    return true;
  };
  for (int items = 0; items < 64; ++items) {
    while (i < b.size() && is_space(b[i])) ++i;
    if (at(b, i, "<?")) {
      if (!skip_to("?>")) return false;
    } else if (at(b, i, "<!--")) {
      if (!skip_to("-->")) return false;
    } else if (at(b, i, "<!DOCTYPE")) {
      // An internal subset [...] may hold '>' characters.
      const auto bracket = b.find('[', i), close = b.find('>', i);
      if (close == Bytes::npos) return false;
      if (bracket != Bytes::npos && bracket < close) {
        i = bracket;
        if (!skip_to("]")) return false;
      }
      if (!skip_to(">")) return false;
    } else if (at(b, i, "<svg")) {
      return i + 4 < b.size() && (is_space(b[i + 4]) || b[i + 4] == '>' || b[i + 4] == '/');
    } else {
      return false;
    }
  }
  return false;
}

// ---- containers ---------------------------------------------------------

std::optional<Detected> iso_bmff(Bytes b) {
  if (b.size() < 12) return std::nullopt;
  const Bytes type = b.substr(4, 4);
  if (type != "ftyp") {
    // Old QuickTime files begin with another top-level atom.
    static constexpr std::array<Bytes, 6> kQuickTime{"moov", "mdat", "wide", "free", "skip", "pnot"};
    const auto size = be32(b, 0);
    if (size >= 8 && std::find(kQuickTime.begin(), kQuickTime.end(), type) != kQuickTime.end())
      return Detected{Format::isobmff, Flavor::quicktime};
    return std::nullopt;
  }
  const std::uint32_t size = be32(b, 0);
  if (b.size() < 16 || size < 16 || size % 4 != 0 || size > 4096) return std::nullopt;
  const Bytes major = b.substr(8, 4);
  std::vector<Bytes> brands{major};
  for (std::size_t p = 16; p + 4 <= size && p + 4 <= b.size(); p += 4) brands.push_back(b.substr(p, 4));
  auto has = [&](Bytes brand) { return std::find(brands.begin(), brands.end(), brand) != brands.end(); };
  if (major == "qt  ") return Detected{Format::isobmff, Flavor::quicktime};
  for (Bytes image : {"heic", "heix", "mif1", "msf1", "avif", "avis"})
    if (major == image) return Detected{Format::isobmff, Flavor::heif};
  if (has("M4A ") || has("M4B ") || has("M4P ")) return Detected{Format::isobmff, Flavor::m4a};
  if (starts(major, "3gp")) return Detected{Format::isobmff, Flavor::gpp};
  if (starts(major, "3g2")) return Detected{Format::isobmff, Flavor::gpp2};
  return Detected{Format::isobmff, Flavor::mp4};
}

// Walks the zip's local file headers in the prefix to see which parts it
// names (an OOXML document names [Content_Types].xml, _rels/, word/...).
Flavor zip_flavor(Bytes b) {
  bool ooxml = false, named = false;
  Flavor part = Flavor::none;
  std::size_t p = 0;
  while (p + 30 <= b.size() && at(b, p, "PK\x03\x04")) {
    const std::uint32_t flags = le16(b, p + 6), compressed = le32(b, p + 18);
    const std::uint32_t name_len = le16(b, p + 26), extra_len = le16(b, p + 28);
    if (p + 30 + name_len > b.size()) break;
    const Bytes name = b.substr(p + 30, name_len);
    named = true;
    if (name == "[Content_Types].xml" || starts(name, "_rels/") || starts(name, "docProps/") ||
        starts(name, "customXml/"))
      ooxml = true;
    if (part == Flavor::none) {
      if (starts(name, "word/")) part = Flavor::docx;
      else if (starts(name, "xl/")) part = Flavor::xlsx;
      else if (starts(name, "ppt/")) part = Flavor::pptx;
    }
    if ((flags & 0x08) != 0 && compressed == 0) break;  // sizes follow the data: cannot walk on
    p += 30 + std::size_t{name_len} + extra_len + compressed;
  }
  if (part != Flavor::none) return part;
  if (ooxml) return Flavor::zip_ooxml;
  return named ? Flavor::zip_plain : Flavor::zip_unknown;
}

bool contains_utf16(Bytes b, Bytes ascii) {
  std::string wide;
  for (char c : ascii) {
    wide.push_back(c);
    wide.push_back('\0');
  }
  return b.find(wide) != Bytes::npos;
}

Flavor ole_flavor(Bytes b) {
  // Directory entries (UTF-16LE names) when the directory sector is in the prefix.
  if (contains_utf16(b, "WordDocument")) return Flavor::doc;
  if (contains_utf16(b, "Workbook") || contains_utf16(b, "Book\0"sv)) return Flavor::xls;
  if (contains_utf16(b, "PowerPoint Document")) return Flavor::ppt;
  return Flavor::ole_unknown;
}

Detected ogg(Bytes b) {
  // First page: 27-byte header, segment table, then the first packet.
  if (b.size() >= 27) {
    const std::size_t body = 27 + std::size_t{u8(b, 26)};
    if (at(b, body, "OpusHead")) return Detected{Format::ogg, Flavor::ogg_opus, true};
    if (at(b, body, "\x01vorbis")) return Detected{Format::ogg, Flavor::ogg_vorbis};
    if (at(b, body, "\x7F" "FLAC")) return Detected{Format::ogg, Flavor::ogg_flac};
    if (at(b, body, "\x80theora")) return Detected{Format::ogg, Flavor::ogg_theora};
  }
  return Detected{Format::ogg, Flavor::ogg_other};
}

// EBML variable-size integer at b[p]: its length in bytes and value.
std::optional<std::pair<std::size_t, std::uint64_t>> vint(Bytes b, std::size_t p) {
  if (p >= b.size()) return std::nullopt;
  const std::uint8_t first = u8(b, p);
  std::size_t len = 1;
  while (len <= 8 && (first & (0x80 >> (len - 1))) == 0) ++len;
  if (len > 8 || p + len > b.size()) return std::nullopt;
  std::uint64_t v = first & (0xFF >> len);
  for (std::size_t k = 1; k < len; ++k) v = v << 8 | u8(b, p + k);
  return std::pair{len, v};
}

// The string value of the first EBML element `id` found at or after `from`.
std::optional<Bytes> ebml_string(Bytes b, Bytes id, std::size_t& from) {
  for (auto p = b.find(id, from); p != Bytes::npos; p = b.find(id, p + 1)) {
    auto size = vint(b, p + id.size());
    if (!size || size->second > 64) continue;
    const std::size_t start = p + id.size() + size->first;
    if (start + size->second > b.size()) continue;
    from = start + size->second;
    return b.substr(start, size->second);
  }
  return std::nullopt;
}

std::optional<Detected> webm(Bytes b) {
  std::size_t from = 4;
  const auto header_end = std::min<std::size_t>(b.size(), 64);
  auto doctype = ebml_string(b.substr(0, header_end), "\x42\x82", from);
  if (!doctype || *doctype != "webm") return std::nullopt;
  bool audio = false, video = false, opus = false;
  while (auto codec = ebml_string(b, "\x86", from)) {
    if (starts(*codec, "V_")) video = true;
    if (starts(*codec, "A_")) {
      if (!audio && *codec == "A_OPUS") opus = true;
      audio = true;
    }
  }
  return Detected{Format::webm, audio && !video ? Flavor::webm_audio : Flavor::webm_video, opus};
}

// ---- audio frames -------------------------------------------------------

bool mpeg_audio_frame(Bytes b, std::size_t p) {
  if (p + 4 > b.size() || u8(b, p) != 0xFF || (u8(b, p + 1) & 0xE0) != 0xE0) return false;
  const std::uint8_t h1 = u8(b, p + 1), h2 = u8(b, p + 2);
  const int version = (h1 >> 3) & 3, layer = (h1 >> 1) & 3, bitrate = h2 >> 4, rate = (h2 >> 2) & 3;
  return version != 1 && layer != 0 && bitrate != 0xF && rate != 3;
}

bool adts_frame(Bytes b, std::size_t p) {
  if (p + 7 > b.size() || u8(b, p) != 0xFF || (u8(b, p + 1) & 0xF6) != 0xF0) return false;
  return ((u8(b, p + 2) >> 2) & 0xF) < 13;  // sampling frequency index
}

std::optional<Detected> detect(Bytes b) {
  if (starts(b, "\xFF\xD8\xFF")) return Detected{Format::jpeg};
  if (starts(b, "\x89PNG\r\n\x1A\n")) return Detected{Format::png};
  if (starts(b, "GIF87a") || starts(b, "GIF89a")) return Detected{Format::gif};
  if (starts(b, "RIFF") && at(b, 8, "WEBP")) return Detected{Format::webp};
  if (starts(b, "RIFF") && at(b, 8, "WAVE")) return Detected{Format::wav};
  if (starts(b, "\x1A\x45\xDF\xA3")) return webm(b);
  if (starts(b, "%PDF-")) return Detected{Format::pdf};
  if (starts(b, "PK\x03\x04")) return Detected{Format::zip, zip_flavor(b)};
  if (starts(b, "PK\x05\x06") || starts(b, "PK\x07\x08")) return Detected{Format::zip, Flavor::zip_plain};
  if (starts(b, "Rar!\x1A\x07\x00"sv) || starts(b, "Rar!\x1A\x07\x01\x00"sv)) return Detected{Format::rar};
  if (starts(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return Detected{Format::ole2, ole_flavor(b)};
  if (starts(b, "OggS")) return ogg(b);
  if (starts(b, "fLaC")) return Detected{Format::flac};
  if (starts(b, "#!AMR-WB\n")) return Detected{Format::amr, Flavor::amr_wb};
  if (starts(b, "#!AMR\n")) return Detected{Format::amr, Flavor::amr_nb};
  if (starts(b, "ADIF")) return Detected{Format::aac};
  if (starts(b, "ID3") && b.size() >= 10) {
    // ID3v2: a syncsafe size; what follows the tag says MP3 or AAC when it is in the prefix.
    const std::size_t tag = 10 + (std::size_t{u8(b, 6)} << 21 | std::size_t{u8(b, 7)} << 14 |
                                  std::size_t{u8(b, 8)} << 7 | std::size_t{u8(b, 9)});
    if (adts_frame(b, tag)) return Detected{Format::aac};
    return Detected{Format::mp3};
  }
  if (adts_frame(b, 0)) return Detected{Format::aac};
  if (mpeg_audio_frame(b, 0)) return Detected{Format::mp3};
  if (auto iso = iso_bmff(b)) return iso;
  if (is_svg(b.substr(0, std::min(b.size(), kSniffBytes)))) return Detected{Format::svg};
  return std::nullopt;
}

Kind kind_of(std::string_view content_type) {
  if (starts(content_type, "image/")) return Kind::image;
  if (starts(content_type, "audio/")) return Kind::audio;
  if (starts(content_type, "video/")) return Kind::video;
  return Kind::document;
}

Sniffed make(std::string content_type, std::string extension, bool opus = false) {
  const Kind kind = kind_of(content_type);
  return Sniffed{std::move(content_type), kind, std::move(extension), opus};
}

constexpr const char* kDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
constexpr const char* kXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr const char* kPptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation";

std::optional<Sniffed> describe(const Detected& d) {
  switch (d.format) {
    case Format::jpeg: return make("image/jpeg", "jpg");
    case Format::png: return make("image/png", "png");
    case Format::gif: return make("image/gif", "gif");
    case Format::webp: return make("image/webp", "webp");
    case Format::svg: return make("image/svg+xml", "svg");
    case Format::webm:
      return d.flavor == Flavor::webm_audio ? make(d.opus ? "audio/webm; codecs=opus" : "audio/webm", "webm", d.opus)
                                            : make("video/webm", "webm", d.opus);
    case Format::isobmff:
      switch (d.flavor) {
        case Flavor::quicktime: return make("video/quicktime", "mov");
        case Flavor::m4a: return make("audio/mp4", "m4a");
        case Flavor::gpp: return make("video/3gpp", "3gp");
        case Flavor::gpp2: return make("video/3gpp2", "3gp");
        case Flavor::heif: return std::nullopt;  // HEIC/AVIF: no family of ours
        default: return make("video/mp4", "mp4");
      }
    case Format::pdf: return make("application/pdf", "pdf");
    case Format::zip:
      switch (d.flavor) {
        case Flavor::docx: return make(kDocx, "docx");
        case Flavor::xlsx: return make(kXlsx, "xlsx");
        case Flavor::pptx: return make(kPptx, "pptx");
        default: return make("application/zip", "zip");
      }
    case Format::rar: return make("application/vnd.rar", "rar");
    case Format::ole2:
      switch (d.flavor) {
        case Flavor::xls: return make("application/vnd.ms-excel", "xls");
        case Flavor::ppt: return make("application/vnd.ms-powerpoint", "ppt");
        case Flavor::doc: return make("application/msword", "doc");
        default: return make("application/x-ole-storage", "doc");
      }
    case Format::mp3: return make("audio/mpeg", "mp3");
    case Format::wav: return make("audio/wav", "wav");
    case Format::ogg:
      if (d.flavor == Flavor::ogg_opus) return make("audio/ogg; codecs=opus", "ogg", true);
      if (d.flavor == Flavor::ogg_theora) return make("video/ogg", "ogg");
      return make("audio/ogg", "ogg");
    case Format::flac: return make("audio/flac", "flac");
    case Format::aac: return make("audio/aac", "aac");
    case Format::amr: return make(d.flavor == Flavor::amr_wb ? "audio/amr-wb" : "audio/amr", "amr");
  }
  return std::nullopt;
}

// ---- families -------------------------------------------------------------

struct FamilyRule {
  Family family;
  // Accepts `d` (or the text check for text families); may set the content type.
  std::optional<Sniffed> (*accept)(const std::optional<Detected>& d, Bytes prefix, bool complete);
};

template <Format F>
std::optional<Sniffed> only(const std::optional<Detected>& d, Bytes, bool) {
  if (!d || d->format != F) return std::nullopt;
  return describe(*d);
}

std::optional<Sniffed> any_iso(const std::optional<Detected>& d, Bytes, bool) {
  if (!d || d->format != Format::isobmff || d->flavor == Flavor::heif) return std::nullopt;
  return describe(*d);
}

std::optional<Sniffed> m4a(const std::optional<Detected>& d, Bytes p, bool c) {
  auto s = any_iso(d, p, c);
  if (s && s->kind == Kind::video && d->flavor == Flavor::mp4) return make("audio/mp4", "m4a");
  return s;
}

std::optional<Sniffed> zip_any(const std::optional<Detected>& d, Bytes, bool) {
  if (!d || d->format != Format::zip) return std::nullopt;
  return describe(*d);
}

// An OOXML extension: a zip naming that part, or an OOXML (or unreadable)
// zip whose part is past the prefix.
template <Flavor Part>
std::optional<Sniffed> ooxml(const std::optional<Detected>& d, Bytes, bool) {
  if (!d || d->format != Format::zip) return std::nullopt;
  if (d->flavor != Part && d->flavor != Flavor::zip_ooxml && d->flavor != Flavor::zip_unknown) return std::nullopt;
  return describe(Detected{Format::zip, Part});
}

template <Flavor Stream>
std::optional<Sniffed> ole(const std::optional<Detected>& d, Bytes, bool) {
  if (!d || d->format != Format::ole2) return std::nullopt;
  if (d->flavor != Stream && d->flavor != Flavor::ole_unknown) return std::nullopt;
  return describe(Detected{Format::ole2, Stream});
}

std::optional<Sniffed> plain_text(const std::optional<Detected>&, Bytes p, bool c) {
  if (!is_text(p, c)) return std::nullopt;
  return make("text/plain; charset=utf-8", "txt");
}

std::optional<Sniffed> csv(const std::optional<Detected>&, Bytes p, bool c) {
  if (!is_text(p, c)) return std::nullopt;
  return make("text/csv; charset=utf-8", "csv");
}

std::optional<Sniffed> ogg_family(const std::optional<Detected>& d, Bytes p, bool c) { return only<Format::ogg>(d, p, c); }

constexpr std::array<FamilyRule, 31> kFamilies{{
    {{"jpg", "a JPEG image", true}, only<Format::jpeg>},
    {{"jpeg", "a JPEG image", true}, only<Format::jpeg>},
    {{"png", "a PNG image", true}, only<Format::png>},
    {{"gif", "a GIF image", true}, only<Format::gif>},
    {{"webp", "a WebP image", true}, only<Format::webp>},
    {{"svg", "an SVG image", true}, only<Format::svg>},
    {{"webm", "a WebM file", true}, only<Format::webm>},
    {{"mp4", "an MP4 video", true}, any_iso},
    {{"mov", "a QuickTime video", true}, any_iso},
    {{"3gp", "a 3GPP video", false}, any_iso},
    {{"txt", "UTF-8 text", true}, plain_text},
    {{"csv", "UTF-8 text (CSV)", true}, csv},
    {{"pdf", "a PDF document", true}, only<Format::pdf>},
    {{"rar", "a RAR archive", true}, only<Format::rar>},
    {{"zip", "a ZIP archive", true}, zip_any},
    {{"docx", "a Word document", true}, ooxml<Flavor::docx>},
    {{"xlsx", "an Excel workbook", true}, ooxml<Flavor::xlsx>},
    {{"pptx", "a PowerPoint presentation", false}, ooxml<Flavor::pptx>},
    {{"doc", "a Word document", true}, ole<Flavor::doc>},
    {{"xls", "an Excel workbook", true}, ole<Flavor::xls>},
    {{"ppt", "a PowerPoint presentation", false}, ole<Flavor::ppt>},
    {{"mp3", "an MP3 audio file", true}, only<Format::mp3>},
    {{"wav", "a WAV audio file", true}, only<Format::wav>},
    {{"ogg", "an Ogg audio file", true}, ogg_family},
    {{"oga", "an Ogg audio file", true}, ogg_family},
    {{"opus", "an Ogg Opus audio file", false}, ogg_family},
    {{"flac", "a FLAC audio file", true}, only<Format::flac>},
    {{"aac", "an AAC audio file", true}, only<Format::aac>},
    {{"acc", "an AAC audio file", true}, only<Format::aac>},  // R-MSG-2 lists "acc" beside "aac"
    {{"m4a", "an M4A audio file", true}, m4a},
    {{"amr", "an AMR audio file", false}, only<Format::amr>},
}};

const FamilyRule* rule_of(std::string_view extension) {
  for (const auto& r : kFamilies)
    if (r.family.extension == extension) return &r;
  return nullptr;
}

}  // namespace

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::image: return "image";
    case Kind::audio: return "audio";
    case Kind::video: return "video";
    case Kind::document: return "document";
  }
  return "document";
}

std::optional<Sniffed> sniff(std::string_view prefix, bool complete) {
  prefix = prefix.substr(0, std::min(prefix.size(), kSniffBytes));
  if (auto d = detect(prefix)) return describe(*d);
  if (!prefix.empty() && is_text(prefix, complete)) return make("text/plain; charset=utf-8", "txt");
  return std::nullopt;
}

std::optional<Family> family_of(std::string_view extension) {
  if (const auto* r = rule_of(extension)) return r->family;
  return std::nullopt;
}

std::string extension_of(std::string_view filename) {
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return {};
  const auto slash = filename.find_last_of("/\\");
  if (slash != std::string_view::npos && slash > dot) return {};
  std::string ext(filename.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

std::variant<Sniffed, SniffRefusal> check_content(std::string_view filename, std::string_view prefix,
                                                  bool complete) {
  prefix = prefix.substr(0, std::min(prefix.size(), kSniffBytes));
  const std::string shown(filename.substr(0, std::min<std::size_t>(filename.size(), 120)));
  const auto* rule = rule_of(extension_of(filename));
  if (!rule) return SniffRefusal{SniffRefusal::Reason::unknown_extension, shown + " is not an allowed file type"};
  if (auto accepted = rule->accept(detect(prefix), prefix, complete)) return *accepted;
  return SniffRefusal{SniffRefusal::Reason::mismatch, shown + " is not " + std::string(rule->family.description)};
}

}  // namespace contactd::attachments
