// The media store's sniffer (R-MSG-2): what a file is by its first bytes,
// and whether that matches its name.
#include <catch2/catch.hpp>

#include "attachments/sniff.h"
#include "attachments_samples.h"

using namespace contactd::attachments;
namespace s = contactd::test::samples;
using namespace std::string_literals;

namespace {

Sniffed accepted(const std::string& filename, const std::string& bytes, bool complete = true) {
  auto r = check_content(filename, bytes, complete);
  if (auto* refusal = std::get_if<SniffRefusal>(&r)) FAIL(filename << " refused: " << refusal->message);
  return std::get<Sniffed>(r);
}

SniffRefusal refused(const std::string& filename, const std::string& bytes, bool complete = true) {
  auto r = check_content(filename, bytes, complete);
  if (auto* ok = std::get_if<Sniffed>(&r)) FAIL(filename << " accepted as " << ok->content_type);
  return std::get<SniffRefusal>(r);
}

}  // namespace

TEST_CASE("R-MSG-2 every allowed extension accepts its own content, typed by the content") {
  struct Case {
    const char* name;
    std::string bytes;
    const char* type;
    Kind kind;
  };
  const Case cases[] = {
      {"photo.jpg", s::jpeg(), "image/jpeg", Kind::image},
      {"photo.JPEG", s::jpeg(), "image/jpeg", Kind::image},
      {"logo.png", s::png(), "image/png", Kind::image},
      {"anim.gif", s::gif(), "image/gif", Kind::image},
      {"sticker.webp", s::webp(), "image/webp", Kind::image},
      {"icon.svg", s::svg(), "image/svg+xml", Kind::image},
      {"clip.webm", s::webm_video(), "video/webm", Kind::video},
      {"clip.mp4", s::mp4(), "video/mp4", Kind::video},
      {"clip.mov", s::mov(), "video/quicktime", Kind::video},
      {"notes.txt", s::text(), "text/plain; charset=utf-8", Kind::document},
      {"report.pdf", s::pdf(), "application/pdf", Kind::document},
      {"backup.rar", s::rar(), "application/vnd.rar", Kind::document},
      {"backup.zip", s::zip(), "application/zip", Kind::document},
      {"letter.doc", s::doc(), "application/msword", Kind::document},
      {"letter.docx", s::docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
       Kind::document},
      {"sheet.xls", s::xls(), "application/vnd.ms-excel", Kind::document},
      {"sheet.csv", s::csv(), "text/csv; charset=utf-8", Kind::document},
      {"sheet.xlsx", s::xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Kind::document},
      {"song.mp3", s::mp3_id3(), "audio/mpeg", Kind::audio},
      {"song-no-tag.mp3", s::mp3_frames(), "audio/mpeg", Kind::audio},
      {"take.wav", s::wav(), "audio/wav", Kind::audio},
      {"voice.ogg", s::ogg_opus(), "audio/ogg; codecs=opus", Kind::audio},
      {"music.ogg", s::ogg_vorbis(), "audio/ogg", Kind::audio},
      {"music.oga", s::ogg_vorbis(), "audio/ogg", Kind::audio},
      {"master.flac", s::flac(), "audio/flac", Kind::audio},
      {"radio.aac", s::adts(), "audio/aac", Kind::audio},
      {"radio.acc", s::adts(), "audio/aac", Kind::audio},
      {"memo.m4a", s::m4a(), "audio/mp4", Kind::audio},
      {"voice.amr", s::amr(), "audio/amr", Kind::audio},
      {"phone.3gp", s::gpp(), "video/3gpp", Kind::video},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const auto got = accepted(c.name, c.bytes);
    CHECK(got.content_type == c.type);
    CHECK(got.kind == c.kind);
  }
}

TEST_CASE("R-MSG-4 an Ogg file is Opus when its first page says OpusHead (WhatsApp voice notes)") {
  CHECK(accepted("voice.ogg", s::ogg_opus()).opus);
  CHECK_FALSE(accepted("music.ogg", s::ogg_vorbis()).opus);
  const auto truncated = accepted("voice.ogg", "OggS\x00\x02"s);  // cut before the first packet
  CHECK(truncated.content_type == "audio/ogg");
  CHECK_FALSE(truncated.opus);
}

TEST_CASE("R-MSG-4 a browser's WebM voice recording is audio, Opus, a WebM with video is video") {
  const auto voice = accepted("recording.webm", s::webm_voice());
  CHECK(voice.content_type == "audio/webm; codecs=opus");
  CHECK(voice.kind == Kind::audio);
  CHECK(voice.opus);
  CHECK(accepted("clip.webm", s::webm_video()).kind == Kind::video);
  CHECK(refused("clip.webm", s::mkv()).message == "clip.webm is not a WebM file");
}

TEST_CASE("R-MSG-2 a file whose content does not match its name is refused, naming both") {
  auto png_as_jpg = refused("photo.jpg", s::png());
  CHECK(png_as_jpg.reason == SniffRefusal::Reason::mismatch);
  CHECK(png_as_jpg.message == "photo.jpg is not a JPEG image");
  CHECK(refused("invoice.pdf", s::exe()).message == "invoice.pdf is not a PDF document");
  CHECK(refused("setup.zip", s::exe()).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("notes.txt", s::exe()).message == "notes.txt is not UTF-8 text");
  CHECK(refused("song.mp3", s::ogg_opus()).message == "song.mp3 is not an MP3 audio file");
  CHECK(refused("sheet.docx", s::xlsx()).message == "sheet.docx is not a Word document");
  CHECK(refused("letter.xls", s::doc()).message == "letter.xls is not an Excel workbook");
  CHECK(refused("clip.mp4", s::heic()).message == "clip.mp4 is not an MP4 video");
  CHECK(refused("report.docx", s::zip()).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("page.svg", "<html><body><script>alert(1)</script></body></html>").message ==
        "page.svg is not an SVG image");
  CHECK(refused("icon.svg", s::png()).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("image.png", s::svg()).reason == SniffRefusal::Reason::mismatch);
}

TEST_CASE("R-MSG-2 an extension outside the lists is refused as not allowed") {
  auto r = refused("setup.exe", s::exe());
  CHECK(r.reason == SniffRefusal::Reason::unknown_extension);
  CHECK(r.message == "setup.exe is not an allowed file type");
  CHECK(refused("README", s::text()).reason == SniffRefusal::Reason::unknown_extension);
  CHECK(refused("archive.tar.gz", "\x1F\x8B\x08"s).reason == SniffRefusal::Reason::unknown_extension);
  CHECK(family_of("jpg")->r_msg_2);
  CHECK_FALSE(family_of("amr")->r_msg_2);  // provider media only
  CHECK_FALSE(family_of("exe"));
}

TEST_CASE("R-MSG-2 truncated files are refused, never read past their end") {
  CHECK(refused("photo.jpg", "\xFF\xD8"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("logo.png", "\x89PN"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("anim.gif", "GIF8"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("sticker.webp", "RIFF\x10\x00\x00\x00WEB"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("clip.mp4", "\x00\x00\x00\x20" "fty"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("clip.mp4", "\x00\x00\x00\x20" "ftypisom"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("clip.webm", "\x1A\x45\xDF\xA3\x9F\x42\x82\x84we"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("radio.aac", "\xFF\xF1\x50"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("icon.svg", "<?xml version=\"1.0\"?><!-- never closed").reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("report.pdf", "").reason == SniffRefusal::Reason::mismatch);
  // Every prefix of every sample either passes or is refused: no crash, no overread (ASan in CI).
  for (const auto& sample : {s::jpeg(), s::webm_voice(), s::docx(), s::doc(), s::ogg_opus(), s::mp3_id3(), s::svg()})
    for (std::size_t n = 0; n <= sample.size(); ++n) (void)sniff(std::string_view(sample).substr(0, n), true);
}

TEST_CASE("R-MSG-2 text must be UTF-8 without NUL or control characters") {
  CHECK(accepted("a.txt", "plain ascii\n").content_type == "text/plain; charset=utf-8");
  CHECK(accepted("bom.txt", "\xEF\xBB\xBFwith a BOM").kind == Kind::document);
  CHECK(refused("nul.txt", "abc\0def"s).reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("bell.txt", "ring\x07").reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("latin1.txt", "caf\xE9 au lait").reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("overlong.txt", "\xC0\xAF").reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("surrogate.txt", "\xED\xA0\x80").reason == SniffRefusal::Reason::mismatch);
  CHECK(refused("utf16.txt", "\xFF\xFEh\0i\0"s).reason == SniffRefusal::Reason::mismatch);
  // A character cut by the end of the sniffed prefix is fine; cut by the end of the file it is not.
  const std::string cut = std::string(kSniffBytes - 1, 'a') + "\xC3";
  CHECK(accepted("long.txt", cut + "\xA9 more", false).content_type == "text/plain; charset=utf-8");
  CHECK(refused("short.txt", "caf\xC3", true).reason == SniffRefusal::Reason::mismatch);
  // An SVG is text too: a .txt holding one is plain text, served as such.
  CHECK(accepted("drawing.txt", s::svg()).content_type == "text/plain; charset=utf-8");
}

TEST_CASE("R-MSG-2 sniffing alone names the content whatever the file is called") {
  CHECK(sniff(s::png(), true)->content_type == "image/png");
  CHECK(sniff(s::webm_voice(), true)->extension == "webm");
  CHECK(sniff(s::m4a(), true)->extension == "m4a");
  CHECK(sniff(s::docx(), true)->extension == "docx");
  CHECK(sniff(s::text(), true)->extension == "txt");
  CHECK_FALSE(sniff(s::exe(), true));
  CHECK_FALSE(sniff(s::heic(), true));
  CHECK_FALSE(sniff("", true));
  CHECK(extension_of("Photo.JPG") == "jpg");
  CHECK(extension_of("archive.tar.gz") == "gz");
  CHECK(extension_of("noext") == "");
  CHECK(extension_of("dir.d/noext") == "");
}
