#pragma once
// What GET /v1/attachments/<id> answers, independent of the HTTP library:
// which bytes (Range, RFC 9110 section 14) and the Content-Disposition
// (RFC 6266, with RFC 8187/5987 encoding of non-ASCII names). Standard
// library only; every input is untrusted.
//
// The route is expected to send, besides the body:
//   Content-Type: the sniffed type (AttachmentInfo::content_type), never a client's
//   Content-Disposition: content_disposition(filename, may_show_inline(type))
//   Content-Length, Accept-Ranges: bytes, and Content-Range for 206 and 416
//   X-Content-Type-Options: nosniff
//   Content-Security-Policy: default-src 'none'; sandbox  (an SVG opened directly runs no script)
//   Cache-Control: private
#include <cstdint>
#include <string>
#include <string_view>

namespace contactd::attachments {

// Range headers longer than this are ignored (answered with the whole file).
inline constexpr std::size_t kMaxRangeHeader = 256;

struct RangePlan {
  enum class Kind : std::uint8_t { full, partial, unsatisfiable };
  Kind kind{Kind::full};
  int status{200};            // 200, 206 or 416
  std::uint64_t first{0};     // first byte to send (full: 0)
  std::uint64_t length{0};    // bytes to send (416: 0)
  std::string content_range;  // "bytes 0-499/1234" (206), "bytes */1234" (416), "" (200)
};

// `range`: the Range header's value ("" when absent); `size`: the file's size.
//   ""               -> 200, the whole file
//   bytes=100-199    -> 206 bytes 100-199 (a last past the end is cut to the end)
//   bytes=100-       -> 206 from byte 100 to the end
//   bytes=-500       -> 206 the last 500 bytes (the whole file if it is shorter)
//   bytes=5000- on a 1000-byte file, bytes=-0, any range of an empty file -> 416 "bytes */size"
// Ignored (200, the whole file, as RFC 9110 allows a server to): another unit,
// a malformed value (bytes=9-3, bytes=abc), a header longer than kMaxRangeHeader,
// and several ranges (bytes=0-9,20-29): multipart/byteranges is not produced;
// media players ask for one range, and ignoring lists of ranges also defeats
// overlapping-range amplification.
RangePlan plan_range(std::string_view range, std::uint64_t size);

// A file name as the store records it: its last path component (after any
// '/' or '\'), invalid UTF-8 and control characters replaced by '_', at most
// 255 bytes (cut on a character boundary, keeping the extension when it
// can). Empty when nothing usable is left ("", ".", "..", "/").
std::string clean_filename(std::string_view name);

// `inline; filename="photo.jpg"` (inline_display) or `attachment; ...`; a
// name that is not plain printable ASCII also gets filename*:
// `attachment; filename="__t__.pdf"; filename*=UTF-8''%C3%A9t%C3%A9.pdf`.
// The quoted fallback holds only printable ASCII without '"', '\', '/', '%',
// ';' (each other byte becomes '_'); filename* carries the whole cleaned
// name percent-encoded (RFC 8187 attr-char left as is). An empty name gives
// "download".
std::string content_disposition(std::string_view filename, bool inline_display);

// Whether a browser may show this type in the page (images but SVG, audio,
// video, PDF, plain text); everything else is sent as an attachment.
bool may_show_inline(std::string_view content_type);

}  // namespace contactd::attachments
