// R-MSG-4 at upload (server/attachments/voice_note.h): a WebM/Opus recording
// marked as voice is rewritten in place as Ogg Opus before anything is
// recorded; one that is not a voice recording is refused and leaves nothing.
// No database: an upload that passes every check then fails to record
// (unavailable), which the integration test covers end to end.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "attachments/attachment_store.h"
#include "attachments/voice_note.h"
#include "attachments/webm_opus.h"
#include "support/test_files.h"

using namespace contactd;
using namespace contactd::attachments;
namespace fs = std::filesystem;

using contactd::test::sha256_hex;

namespace {

std::string fixture(const std::string& name) { return contactd::test::fixture_bytes("media/" + name); }

struct TempDir {
  fs::path dir;
  core::ManualClock clock{core::from_unix_ms(1'790'000'000'000)};
  TempDir() {
    char tmpl[] = "/tmp/contactd-voice-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(dir); }
  // A file holding `bytes`, open read and write.
  int file(const std::string& bytes) {
    const int fd = ::open((dir / "f").c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()));
    return fd;
  }
  std::string contents() {
    std::ifstream in(dir / "f", std::ios::binary);
    std::ostringstream b;
    b << in.rdbuf();
    return b.str();
  }
};

}  // namespace

TEST_CASE("R-MSG-4 a voice recording's WebM is rewritten in place as Ogg Opus, named .ogg") {
  CHECK(converts_to_voice_note("memo.webm"));
  CHECK(converts_to_voice_note("Memo.WEBM"));
  CHECK_FALSE(converts_to_voice_note("memo.ogg"));
  CHECK(voice_note_name("memo.webm") == "memo.ogg");
  CHECK(voice_note_name("my.memo.webm") == "my.memo.ogg");
  TempDir t;
  const std::string webm = fixture("voice_chrome.webm");
  const std::string ogg = std::get<OggOpus>(webm_opus_to_ogg(webm)).bytes;
  const int fd = t.file(webm);
  auto r = rewrite_as_voice_note(fd, webm.size(), 16 * 1024 * 1024, "memo.webm");
  ::close(fd);
  REQUIRE(std::holds_alternative<std::uint64_t>(r));
  CHECK(std::get<std::uint64_t>(r) == ogg.size());
  CHECK(t.contents() == ogg);
}

TEST_CASE("R-MSG-4 a recording that is not one Opus track, or whose Ogg passes the limit, is refused") {
  TempDir t;
  const std::string video = fixture("video.webm");
  int fd = t.file(video);
  auto r = rewrite_as_voice_note(fd, video.size(), 1 << 20, "clip.webm");
  ::close(fd);
  REQUIRE(std::holds_alternative<AttachmentError>(r));
  CHECK(std::get<AttachmentError>(r).code == AttachmentErrorCode::type_mismatch);
  CHECK(std::get<AttachmentError>(r).message ==
        "clip.webm is not a voice recording WhatsApp can play: "
        "the recording has a video track: a voice message is audio only");
  const std::string webm = fixture("voice_chrome.webm");
  fd = t.file(webm);
  r = rewrite_as_voice_note(fd, webm.size(), 1000, "memo.webm");
  ::close(fd);
  REQUIRE(std::holds_alternative<AttachmentError>(r));
  CHECK(std::get<AttachmentError>(r).code == AttachmentErrorCode::too_large);
}

TEST_CASE("R-MSG-4 an upload marked as voice refuses a WebM that is not Opus audio, keeping nothing") {
  TempDir t;
  AttachmentOptions o;
  o.directory = (t.dir / "media").string();
  AttachmentStore store(o, "host=" + (t.dir / "no-socket").string() + " dbname=none", t.clock);
  for (const char* name : {"video.webm", "vorbis.webm"}) {
    auto begun = store.begin_upload(7, "memo.webm", "audio/webm", 1 << 20, true);
    REQUIRE(std::holds_alternative<Upload>(begun));
    Upload up = std::get<Upload>(std::move(begun));
    const std::string body = fixture(name);
    auto refusal = up.write(body);  // the whole file at once: sniffed as it passes 4 KiB (vorbis) or at finish
    auto r = up.finish();
    REQUIRE(std::holds_alternative<AttachmentError>(r));
    CHECK(std::get<AttachmentError>(r).code == AttachmentErrorCode::type_mismatch);
    CHECK(std::get<AttachmentError>(r).message ==
          "memo.webm is not a voice recording: a WebM voice message is one Opus audio track");
    if (refusal) CHECK(refusal->code == AttachmentErrorCode::type_mismatch);
    CHECK(fs::is_empty(t.dir / "media" / "tmp"));
  }
  // Not marked as voice, the same WebM is kept as it is (and only fails here for want of a database).
  auto begun = store.begin_upload(7, "clip.webm", "video/webm", 1 << 20, false);
  Upload up = std::get<Upload>(std::move(begun));
  CHECK_FALSE(up.write(fixture("video.webm")));
  auto r = up.finish();
  REQUIRE(std::holds_alternative<AttachmentError>(r));
  CHECK(std::get<AttachmentError>(r).code == AttachmentErrorCode::unavailable);
}
