#pragma once
// Attachment ids: 128 random bits from OpenSSL's CSPRNG, written as 32
// lower-case hex digits. Unguessable, so an id alone is never a permission
// (downloads still check who asks), and safe as a file name.
#include <string>
#include <string_view>

namespace contactd::attachments {

std::string new_attachment_id();
// Exactly 32 lower-case hex digits. Check before turning an id from a URL
// into a path or a query.
bool is_attachment_id(std::string_view id);

}  // namespace contactd::attachments
