#pragma once
// Why the media store refused or failed, typed so the HTTP route maps each
// to its status without reading messages.
#include <cstdint>
#include <string>
#include <string_view>

namespace contactd::attachments {

enum class AttachmentErrorCode : std::uint8_t {
  too_large,         // more bytes than the limit (the message names the limit)          413
  type_mismatch,     // content does not match the name ("photo.jpg is not a JPEG image") 415
  type_not_allowed,  // an extension R-MSG-2 (or the provider table) does not list        415
  empty,             // no bytes at all                                                 400
  bad_name,          // no usable file name                                             400
  io_error,          // the disk refused (full, permissions); the message names paths: log it, answer a generic 500
  unavailable,       // the database is unreachable; the file is not kept                 503
  closed,            // write() or finish() after finish(), abort() or a refusal          500
  quota,             // the uploader's uploads in progress or unsent bytes are at their bound 429
};
std::string_view to_string(AttachmentErrorCode code);

struct AttachmentError {
  AttachmentErrorCode code;
  std::string message;
};

// The HTTP status a route answers with (see the table above).
int http_status(AttachmentErrorCode code);

}  // namespace contactd::attachments
