#include "attachments/attachment_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "attachments/attachment_id.h"
#include "attachments/download.h"
#include "attachments/file_hasher.h"
#include "attachments/voice_note.h"
#include "store/database.h"

namespace contactd::attachments {
namespace fs = std::filesystem;
namespace {

constexpr mode_t kFileMode = 0640;
constexpr mode_t kDirMode = 0750;
constexpr std::uint64_t kWritebackBytes = 1024 * 1024;  // see Upload::write

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

AttachmentError io_error(const std::string& what, int err) {
  return AttachmentError{AttachmentErrorCode::io_error, what + ": " + errno_text(err)};
}

// mkdir with kDirMode (umask may narrow it; chmod makes it exact). Existing: fine.
void make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), kDirMode) == 0) {
    ::chmod(dir.c_str(), kDirMode);
    return;
  }
  if (errno != EEXIST) throw std::system_error(errno, std::generic_category(), "mkdir " + dir.string());
}

void make_dirs(const fs::path& dir) {
  if (dir.empty() || fs::is_directory(dir)) return;
  if (dir.has_parent_path() && dir.parent_path() != dir) make_dirs(dir.parent_path());
  make_dir(dir);
}

bool fsync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

// Sizes as R-MSG-3 writes them (MB = 1024 * 1024 bytes, as core::size_limit).
std::string size_text(std::uint64_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0) return std::to_string(bytes / (1024 * 1024)) + " MB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KB";
  return std::to_string(bytes) + " bytes";
}

Kind kind_from(std::string_view s) {
  if (s == "image") return Kind::image;
  if (s == "audio") return Kind::audio;
  if (s == "video") return Kind::video;
  return Kind::document;
}

constexpr const char* kSelect =
    "SELECT id, filename, content_type, kind, size_bytes, sha256, COALESCE(owner_id, 0),"
    " round(extract(epoch from created_at) * 1000)::bigint, COALESCE(interaction_id, 0), source,"
    " round(extract(epoch from deleted_at) * 1000)::bigint FROM attachments";

AttachmentInfo read_info(const pqxx::row& r) {
  AttachmentInfo i;
  i.id = r[0].as<std::string>();
  i.filename = r[1].as<std::string>();
  i.content_type = r[2].as<std::string>();
  i.kind = kind_from(r[3].as<std::string>());
  i.size_bytes = r[4].as<std::uint64_t>();
  i.sha256 = r[5].as<std::string>();
  i.owner = r[6].as<std::uint64_t>();
  i.created_at = core::from_unix_ms(r[7].as<std::int64_t>());
  i.interaction = r[8].as<std::uint64_t>();
  i.source = r[9].as<std::string>() == "provider" ? Source::provider : Source::upload;
  if (!r[10].is_null()) i.deleted_at = core::from_unix_ms(r[10].as<std::int64_t>());
  return i;
}

}  // namespace

std::string_view to_string(Source s) { return s == Source::provider ? "provider" : "upload"; }

std::string_view to_string(BindOutcome o) {
  switch (o) {
    case BindOutcome::bound: return "bound";
    case BindOutcome::not_found: return "not_found";
    case BindOutcome::other_owner: return "other_owner";
    case BindOutcome::bound_elsewhere: return "bound_elsewhere";
  }
  return "not_found";
}

std::string_view to_string(AttachmentErrorCode code) {
  switch (code) {
    case AttachmentErrorCode::too_large: return "too_large";
    case AttachmentErrorCode::type_mismatch: return "type_mismatch";
    case AttachmentErrorCode::type_not_allowed: return "type_not_allowed";
    case AttachmentErrorCode::empty: return "empty";
    case AttachmentErrorCode::bad_name: return "bad_name";
    case AttachmentErrorCode::io_error: return "io_error";
    case AttachmentErrorCode::unavailable: return "unavailable";
    case AttachmentErrorCode::closed: return "closed";
    case AttachmentErrorCode::quota: return "quota";
  }
  return "io_error";
}

int http_status(AttachmentErrorCode code) {
  switch (code) {
    case AttachmentErrorCode::too_large: return 413;
    case AttachmentErrorCode::type_mismatch:
    case AttachmentErrorCode::type_not_allowed: return 415;
    case AttachmentErrorCode::empty:
    case AttachmentErrorCode::bad_name: return 400;
    case AttachmentErrorCode::unavailable: return 503;
    case AttachmentErrorCode::quota: return 429;
    case AttachmentErrorCode::io_error:
    case AttachmentErrorCode::closed: return 500;
  }
  return 500;
}

// ---- Upload -------------------------------------------------------------

Upload::Upload(Upload&& o) noexcept { *this = std::move(o); }

Upload& Upload::operator=(Upload&& o) noexcept {
  if (this == &o) return *this;
  abort();
  store_ = o.store_;
  id_ = std::move(o.id_);
  temp_ = std::move(o.temp_);
  fd_ = std::exchange(o.fd_, -1);
  hasher_ = std::move(o.hasher_);
  filename_ = std::move(o.filename_);
  declared_type_ = std::move(o.declared_type_);
  limit_ = o.limit_;
  size_ = o.size_;
  flushed_ = o.flushed_;
  owner_ = o.owner_;
  source_ = o.source_;
  voice_ = o.voice_;
  prefix_ = std::move(o.prefix_);
  sniffed_ = std::move(o.sniffed_);
  error_ = std::move(o.error_);
  done_ = std::exchange(o.done_, true);
  slot_ = std::move(o.slot_);
  return *this;
}

Upload::~Upload() { abort(); }

void Upload::abort() {
  hasher_.reset();  // before the file it reads is closed
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!done_ && !temp_.empty()) ::unlink(temp_.c_str());
  done_ = true;
  slot_.reset();
  if (!error_) error_ = AttachmentError{AttachmentErrorCode::closed, "the upload is over"};
}

std::optional<AttachmentError> Upload::fail(AttachmentError e) {
  error_.reset();
  abort();
  error_ = std::move(e);
  return error_;
}

std::optional<AttachmentError> Upload::sniff_now(bool complete) {
  if (sniffed_) return std::nullopt;
  if (source_ == Source::provider && !family_of(extension_of(filename_))) {
    // A provider's file without a (known) extension: named after its content.
    auto s = sniff(prefix_, complete);
    if (!s) return fail({AttachmentErrorCode::type_not_allowed,
                         (filename_.empty() ? std::string("the provider's file") : filename_) + " is of no allowed type"});
    const std::string stem = filename_.empty() ? std::string(to_string(s->kind)) : filename_;
    filename_ = clean_filename(stem + "." + s->extension);
    sniffed_ = std::move(*s);
    return std::nullopt;
  }
  auto checked = check_content(filename_, prefix_, complete);
  if (auto* refusal = std::get_if<SniffRefusal>(&checked))
    return fail({refusal->reason == SniffRefusal::Reason::mismatch ? AttachmentErrorCode::type_mismatch
                                                                   : AttachmentErrorCode::type_not_allowed,
                 refusal->message});
  sniffed_ = std::get<Sniffed>(std::move(checked));
  if (voice_ && converts_to_voice_note(filename_) && !(sniffed_->kind == Kind::audio && sniffed_->opus))
    return fail({AttachmentErrorCode::type_mismatch,
                 filename_ + " is not a voice recording: a WebM voice message is one Opus audio track"});
  return std::nullopt;
}

std::optional<AttachmentError> Upload::to_voice_note() {
  hasher_.reset();  // the WebM's hash is of no use; the Ogg is hashed below
  auto rewritten = rewrite_as_voice_note(fd_, size_, limit_, filename_);
  if (auto* e = std::get_if<AttachmentError>(&rewritten)) return fail(std::move(*e));
  size_ = std::get<std::uint64_t>(rewritten);
  flushed_ = 0;
  filename_ = clean_filename(voice_note_name(filename_));
  sniffed_ = Sniffed{"audio/ogg; codecs=opus", Kind::audio, "ogg", true};
  try {
    hasher_ = std::make_unique<FileHasher>(fd_);
  } catch (const std::exception& e) {
    return fail({AttachmentErrorCode::io_error, e.what()});
  }
  hasher_->written(size_);
  return std::nullopt;
}

std::optional<AttachmentError> Upload::write(std::string_view chunk) {
  if (error_) return error_;
  if (chunk.size() > limit_ - size_)
    return fail({AttachmentErrorCode::too_large,
                 (filename_.empty() ? std::string("the file") : filename_) + " is larger than the limit of " +
                     size_text(limit_)});
  if (!sniffed_) {
    const std::size_t take = std::min(chunk.size(), kSniffBytes - prefix_.size());
    prefix_.append(chunk.substr(0, take));
    if (prefix_.size() == kSniffBytes)
      if (auto e = sniff_now(false)) return e;
  }
  const char* p = chunk.data();
  std::size_t left = chunk.size();
  while (left > 0) {
    const ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(io_error("writing " + temp_.string(), errno));
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  size_ += chunk.size();
  // Start the disk writing now rather than all at finish(): it overlaps what
  // follows, so the final fsync has little left to wait for (and a large
  // upload does not pile up dirty pages). Asynchronous; errors surface at the
  // fsync.
  if (size_ - flushed_ >= kWritebackBytes) {
    ::sync_file_range(fd_, static_cast<off_t>(flushed_), static_cast<off_t>(size_ - flushed_), SYNC_FILE_RANGE_WRITE);
    flushed_ = size_;
  }
  hasher_->written(size_);
  return std::nullopt;
}

Result<AttachmentInfo> Upload::finish() {
  if (error_) return *error_;
  if (size_ == 0) return *fail({AttachmentErrorCode::empty, (filename_.empty() ? "the file" : filename_) + " is empty"});
  if (auto e = sniff_now(true)) return *e;
  if (voice_ && converts_to_voice_note(filename_))
    if (auto e = to_voice_note()) return *e;
  AttachmentInfo info;
  // The waits overlap where order allows: the data's writeback (no journal
  // commit yet) runs beside the end of the hashing and the row's commit; then
  // the rename, and one fsync that commits the data's allocation and the
  // rename together (the directory's fsync after it finds little left to do).
  int writeback_error = 0;
  std::thread writeback([&] {
    const int flags = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    if (::sync_file_range(fd_, 0, 0, flags) != 0) writeback_error = errno;
  });
  const auto sha256 = hasher_->finish(size_);
  std::string db_error;
  bool over_quota = false;
  if (sha256) {
    AttachmentInfo row;
    row.id = id_;
    row.filename = filename_;
    row.content_type = sniffed_->content_type;
    row.kind = sniffed_->kind;
    row.size_bytes = size_;
    row.sha256 = *sha256;
    row.owner = owner_;
    row.created_at = store_->clock_.now();
    row.source = source_;
    try {
      if (store_->record(row))
        info = std::move(row);
      else
        over_quota = true;
    } catch (const std::exception& e) {
      db_error = e.what();
    }
  }
  writeback.join();
  if (over_quota)
    return *fail({AttachmentErrorCode::quota,
                  "with this file your uploads no message has used would pass " +
                      std::to_string(store_->options_.unsent_bytes_per_user >> 20) +
                      " MB; send them or wait until they expire"});
  if (!sha256) return *fail({AttachmentErrorCode::io_error, "reading back " + temp_.string() + " to hash it failed"});
  if (!db_error.empty())
    return *fail({AttachmentErrorCode::unavailable, "the file could not be recorded: " + db_error});
  if (writeback_error != 0) {
    store_->forget(id_);
    return *fail(io_error("writing " + temp_.string(), writeback_error));
  }
  // The row is committed: from here a crash leaves the temporary file (removed
  // at start) or a file in place, not yet durable, under a row no one knows the
  // id of (both swept as an unbound upload).
  const fs::path final_path = store_->path_of(id_);
  try {
    make_dir(final_path.parent_path().parent_path());
    make_dir(final_path.parent_path());
  } catch (const std::system_error& e) {
    store_->forget(id_);
    return *fail({AttachmentErrorCode::io_error, e.what()});
  }
  if (::rename(temp_.c_str(), final_path.c_str()) != 0) {
    const int err = errno;
    store_->forget(id_);
    return *fail(io_error("rename to " + final_path.string(), err));
  }
  temp_ = final_path;  // what abort() removes if the fsync fails
  if (::fsync(fd_) != 0 || !fsync_dir(final_path.parent_path())) {
    const int err = errno;
    store_->forget(id_);
    return *fail(io_error("fsync " + final_path.string(), err));
  }
  done_ = true;
  abort();  // stops the hasher, closes the file; the file is no longer temporary
  return info;
}

// ---- AttachmentStore ----------------------------------------------------

AttachmentStore::AttachmentStore(AttachmentOptions options, std::string database_url, const core::Clock& clock)
    : options_(std::move(options)),
      root_(fs::absolute(options_.directory)),
      tmp_(root_ / "tmp"),
      url_(std::move(database_url)),
      clock_(clock) {
  try {
    make_dirs(root_);
    make_dir(tmp_);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("attachments: cannot create the media directory: ") + e.what());
  }
  if (::access(tmp_.c_str(), W_OK | X_OK) != 0)
    throw std::runtime_error("attachments: cannot write in " + tmp_.string() + ": " + errno_text(errno));
  // Whatever is in tmp/ is an upload a crash interrupted.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(tmp_, ec)) {
    if (entry.is_regular_file(ec) && ::unlink(entry.path().c_str()) == 0) ++removed_at_start_;
  }
}

AttachmentStore::~AttachmentStore() = default;

fs::path AttachmentStore::path_of(std::string_view id) const {
  return root_ / std::string(id.substr(0, 2)) / std::string(id.substr(2, 2)) / std::string(id);
}

Result<Upload> AttachmentStore::begin_upload(core::UserId owner, std::string_view filename,
                                             std::string_view declared_type, std::uint64_t limit, bool voice) {
  std::string name = clean_filename(filename);
  if (name.empty()) return AttachmentError{AttachmentErrorCode::bad_name, "the file has no usable name"};
  const auto family = family_of(extension_of(name));
  if (!family || !family->r_msg_2)
    return AttachmentError{AttachmentErrorCode::type_not_allowed, name + " is not an allowed file type"};
  // Per uploader: a bounded number at once, and a bounded sum of files no
  // message has used yet, so that one user cannot fill the disk for all.
  std::shared_ptr<void> slot;
  {
    std::lock_guard lock(slots_mu_);
    int& in_progress = uploads_in_progress_[owner];
    if (in_progress >= static_cast<int>(options_.uploads_in_progress_per_user))
      return AttachmentError{AttachmentErrorCode::quota,
                             "you have " + std::to_string(in_progress) + " uploads in progress; wait for one to end"};
    ++in_progress;
    slot = std::shared_ptr<void>(nullptr, [this, owner](void*) {
      std::lock_guard lock(slots_mu_);
      if (--uploads_in_progress_[owner] <= 0) uploads_in_progress_.erase(owner);
    });
  }
  auto upload = begin(Source::upload, owner, std::move(name), declared_type, limit);
  if (auto* u = std::get_if<Upload>(&upload)) {
    u->slot_ = std::move(slot);
    u->voice_ = voice;
  }
  return upload;
}


Result<Upload> AttachmentStore::fetch_from(std::string_view filename, std::string_view declared_type,
                                           std::uint64_t limit) {
  return begin(Source::provider, core::kNoUser, clean_filename(filename), declared_type, limit);
}

Result<Upload> AttachmentStore::begin(Source source, core::UserId owner, std::string filename,
                                      std::string_view declared_type, std::uint64_t limit) {
  Upload u;
  u.store_ = this;
  u.id_ = new_attachment_id();
  u.temp_ = tmp_ / (u.id_ + ".part");
  u.filename_ = std::move(filename);
  u.declared_type_ = std::string(declared_type.substr(0, 200));
  u.limit_ = std::min(limit, options_.max_upload_bytes);
  u.owner_ = owner;
  u.source_ = source;
  // Read and write: the hasher reads back what is written.
  u.fd_ = ::open(u.temp_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, kFileMode);
  if (u.fd_ < 0) {
    u.done_ = true;
    return io_error("creating " + u.temp_.string(), errno);
  }
  ::fchmod(u.fd_, kFileMode);
  try {
    u.hasher_ = std::make_unique<FileHasher>(u.fd_);
  } catch (const std::exception& e) {
    u.abort();
    return AttachmentError{AttachmentErrorCode::io_error, e.what()};
  }
  u.prefix_.reserve(kSniffBytes);
  return Result<Upload>(std::in_place_index<0>, std::move(u));
}

template <typename F>
auto AttachmentStore::with_connection(F&& f) {
  std::lock_guard lock(mu_);
  if (!conn_ || !conn_->is_open()) conn_ = store::connect(url_);
  try {
    return f(*conn_);
  } catch (const pqxx::broken_connection&) {
    conn_.reset();
    throw;
  }
}


bool AttachmentStore::record(const AttachmentInfo& info) {
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const bool counted = info.source == Source::upload && info.owner != core::kNoUser;
    // The owner's unsent bytes are summed and the row added under one lock
    // per owner, so that uploads finishing together cannot both pass.
    if (counted)
      tx.exec_params("SELECT pg_advisory_xact_lock(1296385, ($1::bigint % 2147483647)::int)",
                     static_cast<std::int64_t>(info.owner));
    const auto inserted = tx.exec_params(
        "INSERT INTO attachments (id, filename, content_type, kind, size_bytes, sha256, owner_id, created_at, source)"
        " SELECT $1, $2, $3, $4, $5::bigint, $6, NULLIF($7::bigint, 0), to_timestamp($8::double precision / 1000), $9"
        " WHERE NOT $10::boolean OR (SELECT COALESCE(sum(size_bytes), 0) FROM attachments WHERE owner_id = $7"
        "   AND interaction_id IS NULL AND deleted_at IS NULL) + $5::bigint <= $11::bigint",
        info.id, info.filename, info.content_type, std::string(to_string(info.kind)),
        static_cast<std::int64_t>(info.size_bytes), info.sha256, static_cast<std::int64_t>(info.owner),
        core::to_unix_ms(info.created_at), std::string(to_string(info.source)), counted,
        static_cast<std::int64_t>(options_.unsent_bytes_per_user));
    tx.commit();
    return inserted.affected_rows() == 1;
  });
}

void AttachmentStore::forget(const std::string& id) noexcept {
  try {
    with_connection([&](pqxx::connection& c) {
      pqxx::work tx(c);
      tx.exec_params("DELETE FROM attachments WHERE id = $1", id);
      tx.commit();
    });
  } catch (...) {
    // The row stays without a file: answered as gone, swept as unbound.
  }
}

std::optional<StoredAttachment> AttachmentStore::lookup(std::string_view id) {
  if (!is_attachment_id(id)) return std::nullopt;
  return with_connection([&](pqxx::connection& c) -> std::optional<StoredAttachment> {
    pqxx::read_transaction tx(c);
    auto r = tx.exec_params(std::string(kSelect) + " WHERE id = $1", std::string(id));
    if (r.empty()) return std::nullopt;
    StoredAttachment out{read_info(r[0]), path_of(id)};
    if (out.info.interaction != 0) {
      auto i = tx.exec_params(
          "SELECT campaign_id, COALESCE(owner_id, 0), COALESCE(account_id, 0) FROM interactions WHERE id = $1",
          static_cast<long long>(out.info.interaction));
      if (!i.empty()) {
        out.campaign = i[0][0].as<core::CampaignId>();
        out.interaction_owner = i[0][1].as<core::UserId>();
        out.account = i[0][2].as<std::uint64_t>();
      }
    }
    return out;
  });
}

BindOutcome AttachmentStore::bind(std::string_view id, core::InteractionId interaction,
                                  std::optional<core::UserId> require_owner) {
  if (!is_attachment_id(id)) return BindOutcome::not_found;
  return with_connection([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto outcome = bind(tx, id, interaction, require_owner);
    tx.commit();
    return outcome;
  });
}

BindOutcome AttachmentStore::bind(pqxx::work& tx, std::string_view id, core::InteractionId interaction,
                                  std::optional<core::UserId> require_owner) {
  if (!is_attachment_id(id)) return BindOutcome::not_found;
  auto r = tx.exec_params(
      "SELECT COALESCE(owner_id, 0), COALESCE(interaction_id, 0) FROM attachments"
      " WHERE id = $1 AND deleted_at IS NULL FOR UPDATE",
      std::string(id));
  if (r.empty()) return BindOutcome::not_found;
  const auto owner = r[0][0].as<std::uint64_t>();
  const auto bound = r[0][1].as<std::uint64_t>();
  if (require_owner && owner != *require_owner) return BindOutcome::other_owner;
  if (bound == interaction) return BindOutcome::bound;
  if (bound != 0) return BindOutcome::bound_elsewhere;
  tx.exec_params("UPDATE attachments SET interaction_id = $2 WHERE id = $1", std::string(id),
                 static_cast<std::int64_t>(interaction));
  return BindOutcome::bound;
}

SweepReport AttachmentStore::sweep(core::TimePoint now, std::chrono::milliseconds retention) {
  SweepReport report;
  const std::int64_t now_ms = core::to_unix_ms(now);
  const std::int64_t grace_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.unbound_grace).count();
  constexpr int kBatch = 500;
  for (;;) {
    // One transaction per batch: the candidates' rows are locked (a bind()
    // at the same time waits, then finds them deleted), their files removed,
    // the rows marked, then the commit. A crash before the commit leaves rows
    // whose files are gone: the next sweep counts them missing and marks them.
    const auto [selected, marked] = with_connection([&](pqxx::connection& c) {
      pqxx::work tx(c);
      auto rows = tx.exec_params(
          "SELECT a.id, a.size_bytes, a.interaction_id IS NOT NULL FROM attachments a"
          " LEFT JOIN interactions i ON i.id = a.interaction_id"
          " WHERE a.deleted_at IS NULL AND ("
          "  (a.interaction_id IS NULL AND a.created_at < to_timestamp(($1::bigint - $2::bigint) / 1000.0))"
          "  OR ($3::bigint > 0 AND i.state IN ('finished', 'closed')"
          "      AND COALESCE(i.finished_at, i.closed_at) < to_timestamp(($1::bigint - $3::bigint) / 1000.0)))"
          " ORDER BY a.created_at LIMIT $4::int FOR UPDATE OF a SKIP LOCKED",
          now_ms, grace_ms, static_cast<std::int64_t>(retention.count()), kBatch);
      std::string ids = "{";
      std::size_t count = 0;
      for (const auto& row : rows) {
        const auto id = row[0].as<std::string>();
        if (::unlink(path_of(id).c_str()) == 0) {
          report.bytes_freed += row[1].as<std::uint64_t>();
        } else if (errno == ENOENT) {
          ++report.missing_files;
        } else {
          continue;  // kept (permissions?); tried again at the next sweep
        }
        (row[2].as<bool>() ? report.expired : report.unbound) += 1;
        ids += (count++ ? "," : "") + id;  // ids are hex: nothing to quote
      }
      ids += "}";
      if (count > 0)
        tx.exec_params("UPDATE attachments SET deleted_at = to_timestamp($2::bigint / 1000.0) WHERE id = ANY($1::text[])",
                       ids, now_ms);
      tx.commit();
      return std::pair{rows.size(), count};
    });
    if (marked == 0 || selected < static_cast<std::size_t>(kBatch)) break;
  }
  return report;
}

}  // namespace contactd::attachments
