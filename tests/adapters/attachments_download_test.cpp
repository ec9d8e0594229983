// Downloads of stored attachments: Range requests (audio and video seek) and
// Content-Disposition, independent of the HTTP library.
#include <catch2/catch.hpp>

#include "attachments/download.h"

using namespace contactd::attachments;
using K = RangePlan::Kind;

TEST_CASE("R-MSG-2 downloads without a usable Range send the whole file") {
  for (const char* header : {"", "items=0-5", "bytes=abc", "bytes=9-3", "bytes=", "bytes=-", "bytes 0-5", "bytes=1-2-3",
                             "bytes=0-0,5-9", "bytes=0-,0-,0-", "bytes=--5", "bytes=+5-6"}) {
    INFO(header);
    const auto p = plan_range(header, 1000);
    CHECK(p.kind == K::full);
    CHECK(p.status == 200);
    CHECK(p.first == 0);
    CHECK(p.length == 1000);
    CHECK(p.content_range.empty());
  }
  CHECK(plan_range("bytes=" + std::string(300, '0') + "1-2", 1000).kind == K::full);  // too long
}

TEST_CASE("R-MSG-2 single byte ranges are answered 206 with Content-Range") {
  auto p = plan_range("bytes=0-499", 1234);
  CHECK(p.status == 206);
  CHECK(p.first == 0);
  CHECK(p.length == 500);
  CHECK(p.content_range == "bytes 0-499/1234");

  p = plan_range("bytes=100-", 1234);  // open
  CHECK(p.content_range == "bytes 100-1233/1234");
  CHECK(p.length == 1134);

  p = plan_range("bytes=-500", 1234);  // suffix
  CHECK(p.content_range == "bytes 734-1233/1234");
  CHECK(p.first == 734);

  p = plan_range("bytes=-5000", 1234);  // suffix longer than the file: all of it
  CHECK(p.content_range == "bytes 0-1233/1234");

  p = plan_range("bytes=1000-99999999999999999999999", 1234);  // last past the end (even overflowing) is cut
  CHECK(p.content_range == "bytes 1000-1233/1234");

  p = plan_range(" BYTES = 5 - 5 ", 10);
  CHECK(p.content_range == "bytes 5-5/10");
  CHECK(p.length == 1);

  p = plan_range("bytes=1233-1233", 1234);
  CHECK(p.status == 206);
  CHECK(p.length == 1);
}

TEST_CASE("R-MSG-2 ranges past the end are unsatisfiable: 416 with bytes */size") {
  for (const char* header : {"bytes=1234-", "bytes=5000-6000", "bytes=-0", "bytes=99999999999999999999999-"}) {
    INFO(header);
    const auto p = plan_range(header, 1234);
    CHECK(p.kind == K::unsatisfiable);
    CHECK(p.status == 416);
    CHECK(p.length == 0);
    CHECK(p.content_range == "bytes */1234");
  }
  CHECK(plan_range("bytes=0-", 0).content_range == "bytes */0");
  CHECK(plan_range("bytes=-10", 0).status == 416);
  CHECK(plan_range("", 0).status == 200);
}

TEST_CASE("R-MSG-2 Content-Disposition keeps plain names and encodes others per RFC 6266 and 8187") {
  CHECK(content_disposition("photo.jpg", true) == "inline; filename=\"photo.jpg\"");
  CHECK(content_disposition("report 2026.pdf", false) == "attachment; filename=\"report 2026.pdf\"");
  CHECK(content_disposition("été.pdf", false) ==
        "attachment; filename=\"__t__.pdf\"; filename*=UTF-8''%C3%A9t%C3%A9.pdf");
  CHECK(content_disposition("日本.txt", true) ==
        "inline; filename=\"______.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt");
  // Quotes, backslashes, CR/LF and separators never reach the quoted fallback.
  CHECK(content_disposition("a\"b.txt", false) == "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt");
  CHECK(content_disposition("x\r\nSet-Cookie: a=b.txt", false) == "attachment; filename=\"x__Set-Cookie: a=b.txt\"");
  CHECK(content_disposition("../../etc/passwd", false) == "attachment; filename=\"passwd\"");
  CHECK(content_disposition("C:\\Users\\x\\evil.pdf", false) == "attachment; filename=\"evil.pdf\"");
  CHECK(content_disposition("100%;x.txt", false) ==
        "attachment; filename=\"100__x.txt\"; filename*=UTF-8''100%25%3Bx.txt");
  CHECK(content_disposition("", false) == "attachment; filename=\"download\"");
  CHECK(content_disposition("..", false) == "attachment; filename=\"download\"");
  // Invalid UTF-8 is replaced, so filename* is always valid UTF-8.
  CHECK(content_disposition("caf\xE9.txt", false) == "attachment; filename=\"caf_.txt\"");
}

TEST_CASE("R-MSG-2 stored file names are cleaned: no path, no control or bidi characters, bounded") {
  CHECK(clean_filename("photo.jpg") == "photo.jpg");
  CHECK(clean_filename("/tmp/../x/photo.jpg") == "photo.jpg");
  CHECK(clean_filename("a\tb\x01.txt") == "a_b_.txt");
  CHECK(clean_filename("invoice\u202Efdp.exe") == "invoice_fdp.exe");  // right-to-left override
  CHECK(clean_filename("  name.txt. . ") == "name.txt");
  CHECK(clean_filename("...").empty());
  CHECK(clean_filename("dir/").empty());
  const std::string long_name = std::string(300, 'a') + ".pdf";
  CHECK(clean_filename(long_name).size() == 255);
  CHECK(clean_filename(long_name).substr(251) == ".pdf");
  // Cut between characters, never inside one: the é across the cut goes whole.
  CHECK(clean_filename(std::string(250, 'a') + "éé.pdf") == std::string(250, 'a') + ".pdf");
  CHECK(clean_filename(std::string(249, 'a') + "éé.pdf") == std::string(249, 'a') + "é.pdf");
}

TEST_CASE("R-MSG-2 only passive types are shown inline: never SVG or HTML") {
  CHECK(may_show_inline("image/jpeg"));
  CHECK(may_show_inline("audio/ogg; codecs=opus"));
  CHECK(may_show_inline("video/mp4"));
  CHECK(may_show_inline("application/pdf"));
  CHECK(may_show_inline("text/plain; charset=utf-8"));
  CHECK_FALSE(may_show_inline("image/svg+xml"));
  CHECK_FALSE(may_show_inline("text/csv; charset=utf-8"));
  CHECK_FALSE(may_show_inline("application/zip"));
  CHECK_FALSE(may_show_inline("text/html"));
}
