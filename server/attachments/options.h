#pragma once
// The media store's settings ([attachments] in the configuration; the
// coordinator maps the keys). Defaults are what a fresh install gets.
#include <chrono>
#include <cstdint>
#include <string>

namespace contactd::attachments {

struct AttachmentOptions {
  // Where files live: <directory>/ab/cd/<id>, uploads in progress in
  // <directory>/tmp/. Created (0750) if missing.
  std::string directory{"/var/lib/contactd/media"};
  // Files of interactions finished (or closed) longer ago than this are
  // deleted by the sweep; their rows stay, marked deleted (history still
  // names the file). 0: keep forever.
  std::chrono::hours retention{24 * 90};
  // Uploads no message ever used are deleted after this.
  std::chrono::hours unbound_grace{24};
  // How often the daemon runs the sweep.
  std::chrono::minutes sweep_every{60};
  // The largest upload the route reads at all, whatever the campaign's
  // provider allows (R-MSG-3's largest is 100 MB).
  std::uint64_t max_upload_bytes{100ull * 1024 * 1024};
  // Per uploader: uploads at once, and bytes of uploads no message has used
  // yet (they count until used or swept after unbound_grace).
  std::uint32_t uploads_in_progress_per_user{4};
  std::uint64_t unsent_bytes_per_user{1024ull * 1024 * 1024};
};

}  // namespace contactd::attachments
