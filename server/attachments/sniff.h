#pragma once
// What a file is, by its first bytes (magic numbers), and whether that
// matches the family its name's extension promises (R-MSG-2). The content
// type a download sends is the one found here, never the one a client
// declared. Standard library only; the input is untrusted and may be
// truncated anywhere.
//
// Families and what each accepts:
//   jpg jpeg        image/jpeg          FF D8 FF
//   png             image/png           89 'PNG' 0D 0A 1A 0A
//   gif             image/gif           'GIF87a' | 'GIF89a'
//   webp            image/webp          'RIFF' size 'WEBP'
//   svg             image/svg+xml       UTF-8 XML (BOM, prolog, comments, DOCTYPE) whose root is <svg
//   webm            video/webm          EBML 1A 45 DF A3 with DocType "webm"; audio/webm when the
//                                       sniffed tracks are all audio (A_OPUS, A_VORBIS: a browser's recording)
//   mp4 mov m4a 3gp (ISO BMFF)          'ftyp' box: major brand 'qt  ' video/quicktime; 'M4A '/'M4B '/'M4P '
//                                       (major or compatible) audio/mp4; '3gp*' video/3gpp; '3g2*'
//                                       video/3gpp2; else video/mp4. A QuickTime file may also start with a
//                                       moov/mdat/wide/free/skip box (video/quicktime). Any ISO BMFF file
//                                       is accepted under any of the four extensions: the content type says
//                                       which it is.
//   pdf             application/pdf     '%PDF-'
//   zip             application/zip     PK 03 04 | PK 05 06 (empty) | PK 07 08 (spanned)
//   docx xlsx pptx  OOXML               a zip whose sniffed prefix names word/ (docx), xl/ (xlsx), ppt/ (pptx)
//                                       or [Content_Types].xml; the content type is the OOXML one of the
//                                       extension (a zip that names another part is a mismatch)
//   rar             application/vnd.rar 'Rar!' 1A 07 00 | 'Rar!' 1A 07 01 00
//   doc xls ppt     OLE2 CFB            D0 CF 11 E0 A1 B1 1A E1 (msword / vnd.ms-excel / vnd.ms-powerpoint)
//   txt csv         text/plain text/csv valid UTF-8 (a sequence cut by the end of the sniffed prefix is
//                                       fine), no NUL, no C0 control besides TAB LF CR FF; with charset=utf-8
//   mp3             audio/mpeg          'ID3' | MPEG audio frame sync (FF Ex/Fx with a layer)
//   wav             audio/wav           'RIFF' size 'WAVE'
//   ogg oga opus    audio/ogg           'OggS'; Opus when the first page carries 'OpusHead'
//                                       (then audio/ogg; codecs=opus: what WhatsApp voice notes need)
//   flac            audio/flac          'fLaC'
//   aac acc         audio/aac           ADTS (FF Fx with layer 00) | 'ADIF'
//   amr             audio/amr           '#!AMR\n' (and '#!AMR-WB\n': audio/amr-wb)
//
// Extensions outside R-MSG-2 (amr, 3gp, opus, oga, ppt, pptx) come from
// providers' inbound media (WhatsApp voice and video, documents).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace contactd::attachments {

// How many leading bytes sniffing looks at. An Upload keeps this much in
// memory (and no more) until it has decided.
inline constexpr std::size_t kSniffBytes = 4096;

enum class Kind : std::uint8_t { image, audio, video, document };
std::string_view to_string(Kind k);

// What the bytes are.
struct Sniffed {
  std::string content_type;   // e.g. "image/jpeg", "audio/ogg; codecs=opus"
  Kind kind{Kind::document};  // decided by the content (a .webm voice recording is audio)
  std::string extension;      // the usual extension of that content ("jpg", "ogg"...)
  bool opus{false};           // Ogg (or WebM) whose first audio track is Opus (R-MSG-4 voice notes)
};

// The content alone. `prefix` is the first bytes of the file (at most
// kSniffBytes are looked at); `complete` says the prefix is the whole file
// (so a text file may not end inside a UTF-8 sequence). Empty: unknown.
std::optional<Sniffed> sniff(std::string_view prefix, bool complete);

// The family of an extension (lower-cased, without the dot), if the store
// knows it; `r_msg_2` says it is in R-MSG-2's list (what agents may upload).
struct Family {
  std::string_view extension;
  std::string_view description;  // "a JPEG image": for error messages
  bool r_msg_2;
};
std::optional<Family> family_of(std::string_view extension);
// The extension of `filename` (after its last dot), lower-cased; "" if none.
std::string extension_of(std::string_view filename);

// Why a file was refused.
struct SniffRefusal {
  enum class Reason : std::uint8_t { unknown_extension, mismatch };
  Reason reason;
  std::string message;  // e.g. "photo.jpg is not a JPEG image"
};

// The content type to record for `prefix` named `filename`: the sniffed type
// if it belongs to the extension's family, else a refusal naming the file and
// the family. REQUIRES: family_of(extension_of(filename)) is known, else
// unknown_extension.
std::variant<Sniffed, SniffRefusal> check_content(std::string_view filename, std::string_view prefix, bool complete);

}  // namespace contactd::attachments
