// The media store against a real PostgreSQL: upload -> row -> lookup -> bind
// -> sweep, and what a crash in the middle of an upload leaves.
#include <openssl/evp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "attachments/attachment_id.h"
#include "attachments/attachment_store.h"
#include "harness/database.h"
#include "store/migrations.h"
#include "support/test_files.h"

using namespace contactd;
using namespace contactd::attachments;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using contactd::test::sha256_hex;

namespace {

constexpr std::int64_t kNow = 1'790'000'000'000;  // ms
constexpr std::int64_t kDay = 24LL * 3600 * 1000;

std::string png_bytes(std::size_t size) {
  std::string s = "\x89PNG\r\n\x1A\n\x00\x00\x00\x0DIHDR";
  s.resize(size);
  for (std::size_t i = 16; i < size; ++i) s[i] = static_cast<char>(i * 7919 % 251);
  return s;
}

std::string jpeg_bytes(std::size_t size) {
  std::string s = "\xFF\xD8\xFF\xE0";
  s.resize(size, '\x55');
  return s;
}

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// A database with two users, a campaign and interactions in every state the
// sweep cares about, and a media directory of its own.
struct World {
  test::TestDatabase db;
  fs::path dir;
  core::ManualClock clock{core::from_unix_ms(kNow)};
  std::unique_ptr<AttachmentStore> store;

  World() {
    pqxx::connection c(db.url());
    store::apply_migrations(c);
    pqxx::work t(c);
    t.exec(
        "INSERT INTO users (id, login, display_name, profile, password_hash, created_at, status_since, presence_since)"
        " VALUES (7, 'ana', 'Ana', 'agent', 'x', now(), now(), now()), (8, 'bo', 'Bo', 'agent', 'x', now(), now(), now())");
    t.exec("INSERT INTO campaigns (id, name, created_at) VALUES (1, 'Sales', now())");
    // 100: finished 100 days ago; 101: active; 102: closed (abandoned, no finished_at) 10 days ago;
    // 103: closed, finished 91 days ago; 104: finished 89 days ago.
    const auto at = [](std::int64_t ms) { return "to_timestamp(" + std::to_string(ms) + "::double precision / 1000)"; };
    const auto interaction = [&](int id, const char* state, std::string finished, std::string closed) {
      t.exec("INSERT INTO interactions (id, campaign_id, channel, direction, state, customer, created_at, finished_at,"
             " closed_at) VALUES (" + std::to_string(id) + ", 1, 'whatsapp', 'inbound', '" + state + "', '+3312', " +
             at(kNow - 200 * kDay) + ", " + finished + ", " + closed + ")");
    };
    interaction(100, "finished", at(kNow - 100 * kDay), "NULL");
    interaction(101, "active", "NULL", "NULL");
    interaction(102, "closed", "NULL", at(kNow - 10 * kDay));
    interaction(103, "closed", at(kNow - 91 * kDay), at(kNow - 90 * kDay));
    interaction(104, "finished", at(kNow - 89 * kDay), "NULL");
    t.commit();
    char tmpl[] = "/tmp/contactd-media-it-XXXXXX";
    dir = ::mkdtemp(tmpl);
    open();
  }
  ~World() {
    store.reset();
    fs::remove_all(dir);
  }
  void open(AttachmentOptions o = {}) {
    store.reset();
    o.directory = (dir / "media").string();
    store = std::make_unique<AttachmentStore>(o, db.url(), clock);
  }

  AttachmentInfo put(core::UserId owner, const std::string& name, const std::string& bytes,
                     std::size_t chunk = 64 * 1024) {
    auto begun = store->begin_upload(owner, name, "application/octet-stream", 8 * 1024 * 1024);
    REQUIRE(std::holds_alternative<Upload>(begun));
    Upload up = std::get<Upload>(std::move(begun));
    for (std::size_t off = 0; off < bytes.size(); off += chunk) {
      auto e = up.write(std::string_view(bytes).substr(off, chunk));
      INFO((e ? e->message : ""));
      REQUIRE_FALSE(e);
    }
    auto done = up.finish();
    if (auto* e = std::get_if<AttachmentError>(&done)) FAIL(e->message);
    return std::get<AttachmentInfo>(done);
  }
};

}  // namespace

TEST_CASE("R-MSG-2 an upload is recorded with its sniffed type and hash, found by id and served from its path") {
  World w;
  const std::string bytes = png_bytes(300 * 1024 + 17);
  const auto info = w.put(7, "../holiday photo.png", bytes, 64 * 1024);
  CHECK(is_attachment_id(info.id));
  CHECK(info.filename == "holiday photo.png");
  CHECK(info.content_type == "image/png");  // the client declared application/octet-stream
  CHECK(info.kind == Kind::image);
  CHECK(info.size_bytes == bytes.size());
  CHECK(info.sha256 == sha256_hex(bytes));
  CHECK(info.owner == 7);
  CHECK(info.source == Source::upload);
  CHECK(core::to_unix_ms(info.created_at) == kNow);

  // The row, as SQL sees it.
  CHECK(w.db.query("SELECT concat_ws('|', filename, content_type, kind, size_bytes, sha256, owner_id, source,"
                   " interaction_id IS NULL, deleted_at IS NULL) FROM attachments WHERE id = '" + info.id + "'") ==
        "holiday photo.png|image/png|image|" + std::to_string(bytes.size()) + "|" + sha256_hex(bytes) +
            "|7|upload|t|t");

  // The file: in place, whole, 0640 in 0750 shard directories; nothing left in tmp/.
  auto found = w.store->lookup(info.id);
  REQUIRE(found);
  CHECK(found->path == w.dir / "media" / info.id.substr(0, 2) / info.id.substr(2, 2) / info.id);
  CHECK(read_file(found->path) == bytes);
  CHECK(mode_of(found->path) == 0640);
  CHECK(mode_of(found->path.parent_path()) == 0750);
  CHECK(mode_of(found->path.parent_path().parent_path()) == 0750);
  CHECK(fs::is_empty(w.dir / "media" / "tmp"));
  CHECK(found->info.sha256 == info.sha256);
  CHECK(found->info.content_type == "image/png");
  CHECK(found->info.owner == 7);
  CHECK(found->info.interaction == 0);
  CHECK_FALSE(found->info.deleted_at);

  CHECK_FALSE(w.store->lookup("0123456789abcdef0123456789abcdef"));
  CHECK_FALSE(w.store->lookup("../../../etc/passwd"));
  CHECK(w.db.query("SELECT count(*) FROM attachments") == "1");
}

TEST_CASE("R-MSG-2 a refused upload leaves no row and no file") {
  World w;
  auto begun = w.store->begin_upload(7, "photo.jpg", "image/jpeg", 1024 * 1024);
  Upload up = std::get<Upload>(std::move(begun));
  const auto refusal = up.write(png_bytes(8192));
  REQUIRE(refusal);
  CHECK(refusal->code == AttachmentErrorCode::type_mismatch);
  CHECK(std::holds_alternative<AttachmentError>(up.finish()));
  CHECK(w.db.query("SELECT count(*) FROM attachments") == "0");
  CHECK(fs::is_empty(w.dir / "media" / "tmp"));
}

TEST_CASE("R-MSG-6 a file is bound to one interaction, and only its owner's when the caller asks") {
  World w;
  const auto info = w.put(7, "a.png", png_bytes(5000));
  CHECK(w.store->bind(info.id, 101, core::UserId{8}) == BindOutcome::other_owner);
  CHECK(w.db.query("SELECT interaction_id IS NULL FROM attachments WHERE id = '" + info.id + "'") == "t");
  CHECK(w.store->bind(info.id, 101, core::UserId{7}) == BindOutcome::bound);
  CHECK(w.store->bind(info.id, 101) == BindOutcome::bound);  // again, same interaction: fine
  CHECK(w.store->bind(info.id, 100) == BindOutcome::bound_elsewhere);
  CHECK(w.store->lookup(info.id)->info.interaction == 101);
  CHECK(w.store->bind("0123456789abcdef0123456789abcdef", 101) == BindOutcome::not_found);
  CHECK(w.store->bind("not an id", 101) == BindOutcome::not_found);

  // Inside a caller's transaction (the projection of a message): rolled back, nothing bound.
  const auto other = w.put(7, "b.png", png_bytes(5000));
  {
    pqxx::connection c(w.db.url());
    pqxx::work tx(c);
    CHECK(AttachmentStore::bind(tx, other.id, 100) == BindOutcome::bound);
  }
  CHECK(w.store->lookup(other.id)->info.interaction == 0);
  {
    pqxx::connection c(w.db.url());
    pqxx::work tx(c);
    CHECK(AttachmentStore::bind(tx, other.id, 100) == BindOutcome::bound);
    tx.commit();
  }
  CHECK(w.store->lookup(other.id)->info.interaction == 100);
}

TEST_CASE("R-MSG-2 provider media is stored ownerless, named after its content when it has no name") {
  World w;
  auto begun = w.store->fetch_from("", "image/jpeg", 5 * 1024 * 1024);
  Upload up = std::get<Upload>(std::move(begun));
  const std::string bytes = jpeg_bytes(10000);
  REQUIRE_FALSE(up.write(bytes));
  auto done = up.finish();
  REQUIRE(std::holds_alternative<AttachmentInfo>(done));
  const auto info = std::get<AttachmentInfo>(done);
  CHECK(info.filename == "image.jpg");
  CHECK(info.content_type == "image/jpeg");
  CHECK(info.source == Source::provider);
  CHECK(info.owner == core::kNoUser);
  CHECK(w.db.query("SELECT source || '|' || (owner_id IS NULL) FROM attachments WHERE id = '" + info.id + "'") ==
        "provider|true");

  // A named document keeps its name; a WhatsApp voice note (.amr) is accepted from a provider.
  auto amr = std::get<Upload>(w.store->fetch_from("voice.amr", "audio/amr", 1024 * 1024));
  REQUIRE_FALSE(amr.write(std::string("#!AMR\n") + std::string(500, '\x3C')));
  auto amr_done = amr.finish();
  REQUIRE(std::holds_alternative<AttachmentInfo>(amr_done));
  CHECK(std::get<AttachmentInfo>(amr_done).content_type == "audio/amr");
  CHECK(std::get<AttachmentInfo>(amr_done).filename == "voice.amr");

  // A provider's file whose content matches nothing the store knows is refused (the message shows "unavailable").
  auto odd = std::get<Upload>(w.store->fetch_from("", "application/octet-stream", 1024 * 1024));
  REQUIRE_FALSE(odd.write(std::string("MZ\x90\x00", 4) + std::string(100, '\x90')));
  auto odd_done = odd.finish();
  REQUIRE(std::holds_alternative<AttachmentError>(odd_done));
  CHECK(std::get<AttachmentError>(odd_done).code == AttachmentErrorCode::type_not_allowed);
}

TEST_CASE("R-MSG-2 the sweep deletes files past retention and unused uploads past a day, marking their rows") {
  World w;
  // Created two days ago: a (interaction 100, finished 100 d ago), b (101, active),
  // e (102, abandoned 10 d ago), f (103, finished 91 d ago, file already gone),
  // g (104, finished 89 d ago), c (never bound). Created now: d (never bound).
  w.clock.set(core::from_unix_ms(kNow - 2 * kDay));
  const auto a = w.put(7, "a.png", png_bytes(1000));
  const auto b = w.put(7, "b.png", png_bytes(2000));
  const auto c = w.put(7, "c.png", png_bytes(3000));
  const auto e = w.put(7, "e.png", png_bytes(4000));
  const auto f = w.put(7, "f.png", png_bytes(5000));
  const auto g = w.put(7, "g.png", png_bytes(6000));
  w.clock.set(core::from_unix_ms(kNow));
  const auto d = w.put(7, "d.png", png_bytes(7000));
  REQUIRE(w.store->bind(a.id, 100) == BindOutcome::bound);
  REQUIRE(w.store->bind(b.id, 101) == BindOutcome::bound);
  REQUIRE(w.store->bind(e.id, 102) == BindOutcome::bound);
  REQUIRE(w.store->bind(f.id, 103) == BindOutcome::bound);
  REQUIRE(w.store->bind(g.id, 104) == BindOutcome::bound);
  fs::remove(w.store->path_of(f.id));

  const auto report = w.store->sweep(core::from_unix_ms(kNow), std::chrono::hours(24 * 90));
  CHECK(report.expired == 2);  // a, f
  CHECK(report.unbound == 1);  // c
  CHECK(report.missing_files == 1);
  CHECK(report.bytes_freed == 1000 + 3000);
  for (const auto* gone : {&a, &c, &f}) {
    INFO(gone->filename);
    CHECK_FALSE(fs::exists(w.store->path_of(gone->id)));
    const auto row = w.store->lookup(gone->id);
    REQUIRE(row);
    REQUIRE(row->info.deleted_at);
    CHECK(core::to_unix_ms(*row->info.deleted_at) == kNow);
  }
  for (const auto* kept : {&b, &d, &e, &g}) {
    INFO(kept->filename);
    CHECK(fs::exists(w.store->path_of(kept->id)));
    CHECK_FALSE(w.store->lookup(kept->id)->info.deleted_at);
  }
  // Deleted files cannot be bound again; a second sweep finds nothing.
  CHECK(w.store->bind(c.id, 101) == BindOutcome::not_found);
  const auto again = w.store->sweep(core::from_unix_ms(kNow), std::chrono::hours(24 * 90));
  CHECK(again.expired + again.unbound + again.missing_files == 0);

  // Retention 0 keeps every bound file; a shorter one takes e (closed 10 days ago) and g.
  const auto forever = w.store->sweep(core::from_unix_ms(kNow), 0ms);
  CHECK(forever.expired + forever.unbound == 0);
  const auto shorter = w.store->sweep(core::from_unix_ms(kNow), std::chrono::hours(24 * 5));
  CHECK(shorter.expired == 2);
  CHECK(shorter.unbound == 0);
  CHECK_FALSE(fs::exists(w.store->path_of(e.id)));
  CHECK(fs::exists(w.store->path_of(b.id)));  // active: never
  CHECK(fs::exists(w.store->path_of(d.id)));  // unbound for less than a day
}

TEST_CASE("R-MSG-2 a file being bound while the sweep runs is skipped, never deleted under the message") {
  World w;
  w.clock.set(core::from_unix_ms(kNow - 2 * kDay));
  const auto old = w.put(7, "old.png", png_bytes(1000));
  w.clock.set(core::from_unix_ms(kNow));
  pqxx::connection c(w.db.url());
  pqxx::work tx(c);  // a message's projection binding it, not yet committed
  REQUIRE(AttachmentStore::bind(tx, old.id, 101) == BindOutcome::bound);
  CHECK(w.store->sweep(core::from_unix_ms(kNow), std::chrono::hours(24 * 90)).unbound == 0);
  tx.commit();
  CHECK(w.store->sweep(core::from_unix_ms(kNow), std::chrono::hours(24 * 90)).unbound == 0);
  CHECK(fs::exists(w.store->path_of(old.id)));
  CHECK(w.store->lookup(old.id)->info.interaction == 101);
}

TEST_CASE("R-MSG-2 an upload a crash interrupted leaves a temporary file, removed at the next start, and no row") {
  World w;
  const auto kept = w.put(7, "kept.png", png_bytes(3000));
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The daemon dies mid-upload: no abort(), no destructor.
    auto begun = w.store->begin_upload(7, "half.png", "image/png", 1024 * 1024);
    auto* up = new Upload(std::get<Upload>(std::move(begun)));
    const bool ok = !up->write(png_bytes(100 * 1024));
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  REQUIRE(std::distance(fs::directory_iterator(w.dir / "media" / "tmp"), fs::directory_iterator{}) == 1);

  w.open();  // the restart
  CHECK(w.store->removed_at_start() == 1);
  CHECK(fs::is_empty(w.dir / "media" / "tmp"));
  CHECK(w.db.query("SELECT count(*) FROM attachments") == "1");
  REQUIRE(w.store->lookup(kept.id));
  CHECK(read_file(w.store->lookup(kept.id)->path) == png_bytes(3000));
}

TEST_CASE("R-SEC one uploader cannot fill the disk: uploads at once and bytes not yet sent are bounded per user") {
  World w;
  AttachmentOptions o;
  o.uploads_in_progress_per_user = 2;
  o.unsent_bytes_per_user = 100 * 1024;
  w.open(o);
  {
    auto first = w.store->begin_upload(7, "a.png", "", 1 << 20);
    auto second = w.store->begin_upload(7, "b.png", "", 1 << 20);
    REQUIRE(std::holds_alternative<Upload>(first));
    REQUIRE(std::holds_alternative<Upload>(second));
    auto third = w.store->begin_upload(7, "c.png", "", 1 << 20);
    REQUIRE(std::holds_alternative<AttachmentError>(third));
    CHECK(std::get<AttachmentError>(third).code == AttachmentErrorCode::quota);
    CHECK(http_status(AttachmentErrorCode::quota) == 429);
    // Another user is not held by Ana's uploads.
    CHECK(std::holds_alternative<Upload>(w.store->begin_upload(8, "d.png", "", 1 << 20)));
    // One ending (here: given up) frees its place.
    std::get<Upload>(first).abort();
    CHECK(std::holds_alternative<Upload>(w.store->begin_upload(7, "e.png", "", 1 << 20)));
  }
  // 60 KiB unsent: a file of 41 KiB more is refused when it ends, and leaves nothing.
  const auto kept = w.put(7, "kept.png", png_bytes(60 * 1024));
  {
    auto next = w.store->begin_upload(7, "big.png", "", 1 << 20);
    REQUIRE(std::holds_alternative<Upload>(next));
    REQUIRE_FALSE(std::get<Upload>(next).write(png_bytes(41 * 1024)));
    auto over = std::get<Upload>(next).finish();
    REQUIRE(std::holds_alternative<AttachmentError>(over));
    CHECK(std::get<AttachmentError>(over).code == AttachmentErrorCode::quota);
    CHECK(fs::is_empty(w.dir / "media" / "tmp"));
  }
  w.put(7, "fits.png", png_bytes(40 * 1024));
  CHECK(w.db.query("SELECT sum(size_bytes) FROM attachments WHERE owner_id = 7") == std::to_string(100 * 1024));
  // Bo's files are his own account.
  w.put(8, "bo.png", png_bytes(90 * 1024));
  // Files messages used no longer count.
  REQUIRE(w.store->bind(kept.id, 101, core::UserId{7}) == BindOutcome::bound);
  CHECK(std::holds_alternative<Upload>(w.store->begin_upload(7, "again.png", "", 1 << 20)));
}
