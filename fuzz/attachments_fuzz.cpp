// Fuzz target: what the media store reads from uploads and download requests
// (server/attachments): the sniffer on a file's first bytes, the name check
// for every extension family, file-name cleaning, Content-Disposition and the
// Range planner. Checks, besides ASan/UBSan:
//  - sniff() and check_content() agree: content sniffed as X is accepted
//    under X's extension, with a content type whose top level is its kind;
//  - clean_filename is idempotent, has no path separators or control bytes;
//  - a Content-Disposition is one header value: printable ASCII, no CR/LF;
//  - a range plan stays inside the file and its Content-Range says so.
// Input: byte 0 flags (bit 0: the prefix is the whole file; bit 1: inline),
// bytes 1..8 the file size for the Range header (little-endian), then the
// Range header, '\n', the file name, '\n', the file's first bytes.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "attachments/download.h"
#include "attachments/sniff.h"

using namespace contactd::attachments;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

std::string_view field(std::string_view& rest) {
  const auto nl = rest.find('\n');
  const auto f = rest.substr(0, nl);
  rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  return f;
}

constexpr const char* kExtensions[] = {"jpg", "jpeg", "png", "gif",  "webp", "svg", "webm", "mp4", "mov",
                                       "3gp", "txt",  "csv", "pdf",  "rar",  "zip", "docx", "xlsx", "pptx",
                                       "doc", "xls",  "ppt", "mp3",  "wav",  "ogg", "oga",  "opus", "flac",
                                       "aac", "acc",  "m4a", "amr"};

void fuzz_content(std::string_view bytes, bool complete) {
  const auto sniffed = sniff(bytes, complete);
  if (sniffed) {
    check(!sniffed->content_type.empty());
    const auto top = sniffed->content_type.substr(0, sniffed->content_type.find('/'));
    const bool typed = top == "image" || top == "audio" || top == "video";
    check(typed ? top == to_string(sniffed->kind) : sniffed->kind == Kind::document);
    auto again = check_content("f." + sniffed->extension, bytes, complete);
    check(std::holds_alternative<Sniffed>(again));
  }
  for (const char* ext : kExtensions) {
    auto r = check_content(std::string("file.") + ext, bytes, complete);
    if (auto* s = std::get_if<Sniffed>(&r)) check(!s->content_type.empty());
    else check(std::get<SniffRefusal>(r).reason == SniffRefusal::Reason::mismatch);
  }
}

void fuzz_name(std::string_view name, bool inline_display) {
  const std::string clean = clean_filename(name);
  check(clean.size() <= 255);
  check(clean_filename(clean) == clean);
  for (unsigned char c : clean) check(c >= 0x20 && c != 0x7F && c != '/' && c != '\\');
  (void)check_content(name, "", true);
  const std::string header = content_disposition(name, inline_display);
  std::size_t quotes = 0;
  for (unsigned char c : header) {
    check(c >= 0x20 && c < 0x7F);
    quotes += c == '"';
  }
  check(quotes == 2);
}

void fuzz_range(std::string_view header, std::uint64_t size) {
  const auto plan = plan_range(header, size);
  switch (plan.kind) {
    case RangePlan::Kind::full:
      check(plan.status == 200 && plan.first == 0 && plan.length == size && plan.content_range.empty());
      break;
    case RangePlan::Kind::partial:
      check(plan.status == 206 && plan.length >= 1 && plan.first < size && plan.length <= size - plan.first);
      check(plan.content_range == "bytes " + std::to_string(plan.first) + "-" +
                                      std::to_string(plan.first + plan.length - 1) + "/" + std::to_string(size));
      break;
    case RangePlan::Kind::unsatisfiable:
      check(plan.status == 416 && plan.length == 0 && plan.content_range == "bytes */" + std::to_string(size));
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 9) return 0;
  const bool complete = (data[0] & 1) != 0, inline_display = (data[0] & 2) != 0;
  std::uint64_t file_size = 0;
  for (int i = 8; i >= 1; --i) file_size = file_size << 8 | data[i];
  std::string_view rest(reinterpret_cast<const char*>(data) + 9, size - 9);
  const auto range = field(rest);
  const auto name = field(rest);
  fuzz_range(range, file_size);
  fuzz_name(name, inline_display);
  fuzz_content(rest, complete);
  return 0;
}
