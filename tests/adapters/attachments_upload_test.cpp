// Uploads into the media store without a database: streaming, the size limit
// and the type checked while the body arrives, files and directories on disk.
// (Recording rows is covered by the integration tests.)
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <set>

#include "attachments/attachment_id.h"
#include "attachments/attachment_store.h"
#include "attachments_samples.h"

using namespace contactd;
using namespace contactd::attachments;
namespace s = contactd::test::samples;
namespace fs = std::filesystem;

namespace {

// A media directory of its own, removed at the end. The database URL names a
// socket directory that does not exist: any database access fails at once.
struct Scratch {
  fs::path dir;
  core::ManualClock clock{core::from_unix_ms(1'790'000'000'000)};
  Scratch() {
    char tmpl[] = "/tmp/contactd-media-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~Scratch() { fs::remove_all(dir); }
  AttachmentStore store(const std::string& sub = "media") {
    AttachmentOptions o;
    o.directory = (dir / sub).string();
    return AttachmentStore(o, "host=" + (dir / "no-socket").string() + " dbname=none", clock);
  }
};

std::size_t files_in(const fs::path& d) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(d)) ++n;
  return n;
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

template <typename T>
T take(Result<T> r) {
  if (auto* e = std::get_if<AttachmentError>(&r)) FAIL(e->message);
  return std::get<T>(std::move(r));
}

}  // namespace

TEST_CASE("R-MSG-3 an upload over the limit is refused while streaming, the file never exceeding the limit") {
  Scratch scratch;
  auto store = scratch.store();
  constexpr std::uint64_t kLimit = 200 * 1024;
  constexpr std::size_t kChunk = 64 * 1024;
  Upload up = take(store.begin_upload(7, "big.png", "image/png", kLimit));
  const fs::path temp = scratch.dir / "media" / "tmp" / (up.id() + ".part");
  std::string chunk = s::png();
  chunk.resize(kChunk, '\x11');
  std::optional<AttachmentError> refusal;
  std::size_t chunks = 0;
  for (; chunks < 100 && !refusal; ++chunks) {  // a 6.4 MB body, if nothing stopped it
    refusal = up.write(chunk);
    if (!refusal) CHECK(fs::file_size(temp) <= kLimit);
    chunk.assign(kChunk, '\x22');
  }
  REQUIRE(refusal);
  CHECK(chunks == 4);  // 3 chunks (192 KiB) fit, the 4th would pass 200 KiB
  CHECK(refusal->code == AttachmentErrorCode::too_large);
  CHECK(refusal->message == "big.png is larger than the limit of 200 KB");
  CHECK(http_status(refusal->code) == 413);
  CHECK_FALSE(fs::exists(temp));
  // Refused once, refused for good.
  CHECK(up.write("x")->code == AttachmentErrorCode::too_large);
  auto finished = up.finish();
  REQUIRE(std::holds_alternative<AttachmentError>(finished));
  CHECK(std::get<AttachmentError>(finished).code == AttachmentErrorCode::too_large);
}

TEST_CASE("R-MSG-3 the limit is exact: a body of exactly the limit is not refused while streaming") {
  Scratch scratch;
  auto store = scratch.store();
  Upload up = take(store.begin_upload(7, "exact.txt", "text/plain", 10));
  CHECK_FALSE(up.write("12345"));
  CHECK_FALSE(up.write("67890"));
  CHECK(up.write("!")->code == AttachmentErrorCode::too_large);
}

TEST_CASE("R-MSG-2 a content that does not match the name is refused once the first 4 KiB are in") {
  Scratch scratch;
  auto store = scratch.store();
  Upload up = take(store.begin_upload(7, "photo.jpg", "image/jpeg", 10 * 1024 * 1024));
  const fs::path temp = scratch.dir / "media" / "tmp" / (up.id() + ".part");
  std::string body = s::png();
  body.resize(1024 * 1024, '\x33');
  std::optional<AttachmentError> refusal;
  std::size_t offset = 0;
  for (; offset < body.size() && !refusal; offset += 1000) refusal = up.write(std::string_view(body).substr(offset, 1000));
  REQUIRE(refusal);
  CHECK(offset == 5000);  // the chunk that completed the 4096-byte prefix
  CHECK(refusal->code == AttachmentErrorCode::type_mismatch);
  CHECK(refusal->message == "photo.jpg is not a JPEG image");
  CHECK(http_status(refusal->code) == 415);
  CHECK_FALSE(fs::exists(temp));
}

TEST_CASE("R-MSG-2 a short file is sniffed when it ends, before anything is recorded") {
  Scratch scratch;
  auto store = scratch.store();
  Upload up = take(store.begin_upload(7, "invoice.pdf", "application/pdf", 1024 * 1024));
  CHECK_FALSE(up.write(s::exe()));
  auto r = up.finish();
  REQUIRE(std::holds_alternative<AttachmentError>(r));
  CHECK(std::get<AttachmentError>(r).message == "invoice.pdf is not a PDF document");
  CHECK(files_in(scratch.dir / "media" / "tmp") == 0);
}

TEST_CASE("R-MSG-2 uploads refuse names outside R-MSG-2, unusable names and empty bodies") {
  Scratch scratch;
  auto store = scratch.store();
  auto exe = store.begin_upload(7, "setup.exe", "application/octet-stream", 1024);
  REQUIRE(std::holds_alternative<AttachmentError>(exe));
  CHECK(std::get<AttachmentError>(exe).code == AttachmentErrorCode::type_not_allowed);
  auto amr = store.begin_upload(7, "voice.amr", "audio/amr", 1024);  // provider media only
  REQUIRE(std::holds_alternative<AttachmentError>(amr));
  CHECK(std::get<AttachmentError>(amr).code == AttachmentErrorCode::type_not_allowed);
  auto nameless = store.begin_upload(7, "../", "image/png", 1024);
  REQUIRE(std::holds_alternative<AttachmentError>(nameless));
  CHECK(std::get<AttachmentError>(nameless).code == AttachmentErrorCode::bad_name);
  Upload empty = take(store.begin_upload(7, "empty.txt", "text/plain", 1024));
  auto r = empty.finish();
  REQUIRE(std::holds_alternative<AttachmentError>(r));
  CHECK(std::get<AttachmentError>(r).code == AttachmentErrorCode::empty);
  CHECK(files_in(scratch.dir / "media" / "tmp") == 0);
}

TEST_CASE("R-MSG-2 without the database an upload is not kept: unavailable, temporary file removed") {
  Scratch scratch;
  auto store = scratch.store();
  Upload up = take(store.begin_upload(7, "notes.txt", "text/plain", 1024));
  CHECK_FALSE(up.write("hello\n"));
  auto r = up.finish();
  REQUIRE(std::holds_alternative<AttachmentError>(r));
  CHECK(std::get<AttachmentError>(r).code == AttachmentErrorCode::unavailable);
  CHECK(http_status(AttachmentErrorCode::unavailable) == 503);
  CHECK(files_in(scratch.dir / "media" / "tmp") == 0);
}

TEST_CASE("R-MSG-2 the media directory is created 0750, temporary files 0640, aborted and dropped uploads leave nothing") {
  Scratch scratch;
  auto store = scratch.store("deep/media");
  CHECK(mode_of(scratch.dir / "deep" / "media") == 0750);
  CHECK(mode_of(scratch.dir / "deep" / "media" / "tmp") == 0750);
  {
    Upload up = take(store.begin_upload(7, "a.txt", "text/plain", 1024));
    CHECK(mode_of(scratch.dir / "deep" / "media" / "tmp" / (up.id() + ".part")) == 0640);
    CHECK_FALSE(up.write("abc"));
    up.abort();
    CHECK(up.write("more")->code == AttachmentErrorCode::closed);
    Upload dropped = take(store.begin_upload(7, "b.txt", "text/plain", 1024));
    CHECK_FALSE(dropped.write("abc"));
    Upload moved = std::move(dropped);
    CHECK_FALSE(moved.write("def"));
    CHECK(files_in(scratch.dir / "deep" / "media" / "tmp") == 1);
  }
  CHECK(files_in(scratch.dir / "deep" / "media" / "tmp") == 0);
}

TEST_CASE("R-MSG-2 temporary files a crash left are removed when the store opens") {
  Scratch scratch;
  { auto store = scratch.store(); }
  for (const char* name : {"0123456789abcdef0123456789abcdef.part", "stray"})
    std::ofstream(scratch.dir / "media" / "tmp" / name) << "half an upload";
  auto store = scratch.store();
  CHECK(store.removed_at_start() == 2);
  CHECK(files_in(scratch.dir / "media" / "tmp") == 0);
}

TEST_CASE("R-MSG-2 attachment ids are 128 random bits in hex and map to sharded paths") {
  Scratch scratch;
  auto store = scratch.store();
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto id = new_attachment_id();
    CHECK(is_attachment_id(id));
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);
  CHECK_FALSE(is_attachment_id("0123456789ABCDEF0123456789abcdef"));
  CHECK_FALSE(is_attachment_id("../../../../etc/passwd0123456789"));
  CHECK_FALSE(is_attachment_id("0123456789abcdef"));
  CHECK(store.path_of("0123456789abcdef0123456789abcdef") ==
        scratch.dir / "media" / "01" / "23" / "0123456789abcdef0123456789abcdef");
}
