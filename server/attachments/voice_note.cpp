#include "attachments/voice_note.h"

#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "attachments/sniff.h"
#include "attachments/webm_opus.h"

namespace contactd::attachments {
namespace {

AttachmentError io_failure(const std::string& what, int err) {
  return {AttachmentErrorCode::io_error, what + ": " + std::error_code(err, std::generic_category()).message()};
}

}  // namespace

bool converts_to_voice_note(std::string_view filename) { return extension_of(filename) == "webm"; }

std::string voice_note_name(std::string_view filename) {
  const auto dot = filename.rfind('.');
  return std::string(filename.substr(0, dot)) + ".ogg";
}

std::variant<std::uint64_t, AttachmentError> rewrite_as_voice_note(int fd, std::uint64_t size, std::uint64_t limit,
                                                                   std::string_view filename) {
  const std::string name(filename);
  if (size > kMaxWebmOpusBytes)
    return AttachmentError{AttachmentErrorCode::too_large, name + " is larger than the 16 MB of a voice message"};
  std::string webm(static_cast<std::size_t>(size), '\0');
  for (std::size_t at = 0; at < webm.size();) {
    const ssize_t n = ::pread(fd, webm.data() + at, webm.size() - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure("reading back " + name, errno);
    if (n == 0)
      return AttachmentError{AttachmentErrorCode::io_error, "reading back " + name + ": it is shorter than written"};
    at += static_cast<std::size_t>(n);
  }
  auto remuxed = webm_opus_to_ogg(webm);
  if (auto* e = std::get_if<WebmOpusError>(&remuxed))
    return AttachmentError{e->code == WebmOpusErrorCode::too_large ? AttachmentErrorCode::too_large
                                                                   : AttachmentErrorCode::type_mismatch,
                           name + " is not a voice recording WhatsApp can play: " + e->message};
  const std::string& ogg = std::get<OggOpus>(remuxed).bytes;
  if (ogg.size() > limit)
    return AttachmentError{AttachmentErrorCode::too_large,
                           name + " as Ogg is " + std::to_string(ogg.size()) + " bytes, over the limit of " +
                               std::to_string(limit)};
  if (::ftruncate(fd, 0) != 0) return io_failure("truncating " + name, errno);
  for (std::size_t at = 0; at < ogg.size();) {
    const ssize_t n = ::pwrite(fd, ogg.data() + at, ogg.size() - at, static_cast<off_t>(at));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_failure("writing " + name + " as Ogg", errno);
    at += static_cast<std::size_t>(n);
  }
  return std::uint64_t{ogg.size()};
}

}  // namespace contactd::attachments
