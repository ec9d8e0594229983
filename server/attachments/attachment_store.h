#pragma once
// The media store (issue 12 item 2, R-MSG-2/3): files on disk under a
// configured directory, one row each in PostgreSQL's `attachments` table
// (migrations/0013_media.sql). Uploads stream through Upload: bytes go to a
// temporary file as they arrive (never the whole file in memory), the size
// limit and the type (by content, see sniff.h) are checked while streaming,
// SHA-256 is computed beside the writes (file_hasher.h), and finish()
// records the file, moves it into place and makes it durable.
//
// Layout: <directory>/ab/cd/<id> (ab, cd: the id's first four hex digits),
// files 0640, directories 0750; uploads in progress: <directory>/tmp/<id>.part.
// Crash safety: finish() commits the row before it moves the file into
// place, so there is never a file without a row. A crash leaves temporary
// files (removed when the store opens) and at worst a row whose id nobody
// received (its file missing or not yet durable): a route answers it as gone
// and the sweep removes it with the unbound uploads.
//
// Permissions are the caller's: lookup() gives the owner and the interaction
// a file is bound to; bind() can require the owner.
//
// Thread-safety: the store is; one Upload is used by one thread at a time.
// Database calls are blocking (call from worker threads) and share one
// connection, reopened after it breaks.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <variant>

#include "attachments/error.h"
#include "attachments/options.h"
#include "attachments/sniff.h"
#include "core/ids.h"
#include "core/interaction.h"
#include "core/time.h"

namespace contactd::attachments {

enum class Source : std::uint8_t { upload, provider };
std::string_view to_string(Source s);

// One stored file, as recorded.
struct AttachmentInfo {
  std::string id;
  std::string filename;      // cleaned (clean_filename), as downloads name it
  std::string content_type;  // sniffed: what downloads send
  Kind kind{Kind::document};
  std::uint64_t size_bytes{0};
  std::string sha256;        // lower-case hex of the content
  core::UserId owner{core::kNoUser};  // who uploaded it; kNoUser for provider media
  core::TimePoint created_at{};
  core::InteractionId interaction{0};  // 0: not used by a message yet
  Source source{Source::upload};
  std::optional<core::TimePoint> deleted_at;  // set by the sweep: the file is gone
};

// What a download needs.
struct StoredAttachment {
  AttachmentInfo info;
  std::filesystem::path path;  // meaningless once info.deleted_at is set
  // The interaction the file is bound to (info.interaction), for the
  // permission check of closed interactions: its campaign and owner.
  core::CampaignId campaign{0};
  core::UserId interaction_owner{core::kNoUser};
  // The provider account that interaction goes through (0: none, e.g.
  // WebChat): only such files may have public URLs (public_url.h).
  std::uint64_t account{0};  // core::AccountId
};

template <typename T>
using Result = std::variant<T, AttachmentError>;

class AttachmentStore;
class FileHasher;

// One file being received. Move-only; destroying an unfinished Upload aborts it.
class Upload {
 public:
  Upload(Upload&&) noexcept;
  Upload& operator=(Upload&&) noexcept;
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  ~Upload();

  // Appends `chunk`. Refuses (and removes the temporary file) as soon as the
  // bytes would exceed the limit (too_large: the chunk that crosses it is not
  // written, so the file never holds more than the limit) or once the first
  // kSniffBytes show the content does not match the name (type_mismatch).
  // After a refusal every call returns the same error.
  std::optional<AttachmentError> write(std::string_view chunk);
  // The whole body has been written: checks what write() could not yet
  // (empty, the type of a file shorter than kSniffBytes), converts a voice
  // recording (voice_note.h), fsyncs, records the row, renames into place.
  // On any error the temporary file is removed.
  Result<AttachmentInfo> finish();
  // Gives up: removes the temporary file. Idempotent.
  void abort();

  const std::string& id() const { return id_; }
  std::uint64_t bytes_written() const { return size_; }
  std::uint64_t limit() const { return limit_; }

 private:
  friend class AttachmentStore;
  Upload() = default;
  std::optional<AttachmentError> fail(AttachmentError e);
  std::optional<AttachmentError> sniff_now(bool complete);
  std::optional<AttachmentError> to_voice_note();

  AttachmentStore* store_{nullptr};
  std::string id_;
  std::filesystem::path temp_;
  int fd_{-1};
  std::unique_ptr<FileHasher> hasher_;  // SHA-256, computed beside the writes
  std::string filename_;
  std::string declared_type_;  // kept for the logs only: never served
  std::uint64_t limit_{0};
  std::uint64_t size_{0};
  std::uint64_t flushed_{0};  // bytes whose writeback was started
  core::UserId owner_{core::kNoUser};
  Source source_{Source::upload};
  bool voice_{false};  // marked as a voice message: a WebM is converted (voice_note.h)
  std::string prefix_;  // the first kSniffBytes, for sniffing
  std::optional<Sniffed> sniffed_;
  std::optional<AttachmentError> error_;
  bool done_{false};
  std::shared_ptr<void> slot_;  // the uploader's place among their uploads in progress
};

struct SweepReport {
  std::uint64_t expired{0};        // files of finished interactions past retention
  std::uint64_t unbound{0};        // uploads no message used, past the grace period
  std::uint64_t bytes_freed{0};
  std::uint64_t missing_files{0};  // rows whose file was already gone
};

enum class BindOutcome : std::uint8_t {
  bound,            // now bound to the interaction (or already was, to the same one)
  not_found,        // no such id, or deleted
  other_owner,      // `require_owner` was given and the file is someone else's
  bound_elsewhere,  // already used by another interaction
};
std::string_view to_string(BindOutcome o);

class AttachmentStore {
 public:
  // Creates the directory (and tmp/) if missing and removes what uploads
  // left in tmp/ (a crash). Throws std::runtime_error when the directory
  // cannot be created or written. No database access until it is needed.
  // REQUIRES: `clock` outlives the store; every Upload ends before the store.
  AttachmentStore(AttachmentOptions options, std::string database_url, const core::Clock& clock);
  ~AttachmentStore();

  const AttachmentOptions& options() const { return options_; }
  // Temporary files removed when the store opened.
  std::size_t removed_at_start() const { return removed_at_start_; }

  // An agent's upload. `filename` is cleaned (clean_filename); its extension
  // must be in R-MSG-2 (type_not_allowed), `limit` the campaign provider's
  // size for that kind (core::size_limit) capped by max_upload_bytes.
  // `declared_type` (the request's Content-Type) is never trusted. quota:
  // the owner already has options().uploads_in_progress_per_user uploads in
  // progress (finish() refuses with quota a file that would take the owner's
  // unsent files past unsent_bytes_per_user). `voice`:
  // the caller sends it as a voice message (R-MSG-4); a .webm must then be
  // one Opus audio track and is stored as Ogg Opus (voice_note.h).
  Result<Upload> begin_upload(core::UserId owner, std::string_view filename, std::string_view declared_type,
                              std::uint64_t limit, bool voice = false);
  // Inbound provider media, fed by the coordinator from the provider's
  // download: source 'provider', no owner. The provider table's extra types
  // (amr, 3gp, opus, ppt, pptx) are accepted. `filename` may be empty (a
  // WhatsApp photo has none): the name becomes "<kind>.<extension>" from the
  // content, whatever the extension family.
  Result<Upload> fetch_from(std::string_view filename, std::string_view declared_type, std::uint64_t limit);

  // Metadata and path. Empty if the id is malformed or unknown. Deleted rows
  // are returned (info.deleted_at set) so a route can answer 410 Gone.
  // Throws on database errors.
  std::optional<StoredAttachment> lookup(std::string_view id);

  // Marks the file used by a message of `interaction`. With `require_owner`,
  // a file another user uploaded is not bound (other_owner). Throws on
  // database errors.
  BindOutcome bind(std::string_view id, core::InteractionId interaction,
                   std::optional<core::UserId> require_owner = std::nullopt);
  // The same inside a caller's transaction (the projection of a message).
  static BindOutcome bind(pqxx::work& tx, std::string_view id, core::InteractionId interaction,
                          std::optional<core::UserId> require_owner = std::nullopt);

  // Deletes the files of attachments bound to interactions finished (or
  // closed: an abandoned one has no finished_at) more than `retention` before
  // `now` and of unbound ones created more than unbound_grace before `now`;
  // their rows are marked deleted. Interactions still open keep their files
  // whatever their age. retention 0: bound files are kept. Runs in batches,
  // each locking its rows, so a concurrent bind() of a file being swept
  // answers not_found. Throws on database errors (what was done before stays
  // done; the next sweep continues).
  SweepReport sweep(core::TimePoint now, std::chrono::milliseconds retention);

  // <directory>/ab/cd/<id>. REQUIRES: is_attachment_id(id).
  std::filesystem::path path_of(std::string_view id) const;

 private:
  friend class Upload;
  Result<Upload> begin(Source source, core::UserId owner, std::string filename, std::string_view declared_type,
                       std::uint64_t limit);
  // Records the row; false (nothing recorded) when an upload would take its
  // owner past unsent_bytes_per_user. Throws on database errors.
  bool record(const AttachmentInfo& info);
  void forget(const std::string& id) noexcept;
  template <typename F>
  auto with_connection(F&& f);

  const AttachmentOptions options_;
  const std::filesystem::path root_;
  const std::filesystem::path tmp_;
  const std::string url_;
  const core::Clock& clock_;
  std::size_t removed_at_start_{0};
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
  std::mutex slots_mu_;
  std::map<core::UserId, int> uploads_in_progress_;
};

}  // namespace contactd::attachments
