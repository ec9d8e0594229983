#pragma once
// R-MSG-4 at upload: a browser's voice recording (WebM with one Opus track,
// what Chrome's and Edge's MediaRecorder write) uploaded as a voice message
// is stored as the Ogg Opus file WhatsApp plays as a voice note. The
// conversion is a remux (webm_opus.h): once the whole body is in the
// temporary file and before the row is recorded, Upload::finish() reads it
// back (at most kMaxWebmOpusBytes), rewrites the same file as Ogg and records
// that: its name "<stem>.ogg", audio/ogg; codecs=opus, its size and SHA-256.
// The WebM is not kept.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "attachments/error.h"

namespace contactd::attachments {

// Whether an upload named `filename` and marked as voice is converted: its
// extension is webm.
bool converts_to_voice_note(std::string_view filename);
// The stored name of a converted recording: "memo.webm" -> "memo.ogg".
std::string voice_note_name(std::string_view filename);

// Rewrites the `size` bytes of WebM in the file open (read and write) at `fd`
// as Ogg Opus, in place; returns the new size. Refused (the file then holds
// either): a recording that is not one Opus audio track (type_mismatch,
// naming `filename` and what is wrong), over kMaxWebmOpusBytes or an Ogg over
// `limit` (too_large), a read or write that fails (io_error).
std::variant<std::uint64_t, AttachmentError> rewrite_as_voice_note(int fd, std::uint64_t size, std::uint64_t limit,
                                                                   std::string_view filename);

}  // namespace contactd::attachments
