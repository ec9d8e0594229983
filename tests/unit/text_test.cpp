// R-SEC-1: every string entering the engine is valid UTF-8 without NUL.
#include "core/text.h"

#include "inbox_fixture.h"

using namespace contactd::test;
using namespace std::string_literals;

TEST_CASE("R-SEC-1 valid_text accepts UTF-8 and refuses NUL, overlongs, surrogates and truncation") {
  CHECK(valid_text(""));
  CHECK(valid_text("plain ascii\t\r\n"));
  CHECK(valid_text("Olá 👋 日本 \xF4\x8F\xBF\xBF"));  // U+10FFFF is the last code point
  CHECK_FALSE(valid_text("a\0b"s));
  CHECK_FALSE(valid_text("\0"s));
  CHECK_FALSE(valid_text("\xC0\x80"));          // overlong NUL
  CHECK_FALSE(valid_text("\xE0\x80\xAF"));      // overlong '/'
  CHECK_FALSE(valid_text("\xF0\x80\x80\xAF"));  // overlong '/'
  CHECK_FALSE(valid_text("\xED\xA0\x80"));      // U+D800, a surrogate
  CHECK_FALSE(valid_text("\xF4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(valid_text("\xF5\x80\x80\x80"));
  CHECK_FALSE(valid_text("\xFF"));
  CHECK_FALSE(valid_text("\x80"));              // a lone continuation byte
  CHECK_FALSE(valid_text("ok\xE2\x82"));        // truncated at the end
  CHECK_FALSE(valid_text("\xE2\x28\xA1"));      // bad continuation
}

TEST_CASE("R-SEC-1 a NUL in any stored text is refused before any handler runs, and changes nothing") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.connect(d.ana);
  const auto seq = d.engine.last_seq();

  auto refused = [&](const contactd::core::Outcome& o) {
    REQUIRE(o.error);
    CHECK(o.error->code == ErrorCode::invalid_argument);
    CHECK(o.events.empty());
    CHECK(o.effects.empty());
    CHECK(d.engine.last_seq() == seq);
  };
  refused(d.system(OpenInteraction{d.sales, Channel::webchat, "visitor\0x"s, 0}));
  refused(d.as(d.alice, DefineStatus{"Lunch\0"s}));
  refused(d.as(d.alice, CreateCampaign{"Sales\0 2"s, webchat(Strategy::manual)}));
  auto poisoned = webchat(Strategy::manual);
  poisoned.email_signature = "Regards\0"s;
  refused(d.as(d.alice, UpdateCampaign{d.sales, poisoned}));
  poisoned = webchat(Strategy::manual);
  poisoned.dispositions = {DispositionNode{1, "Sale", DispositionType::normal, {DispositionNode{2, "P\xC0\x80", {}, {}}}}};
  refused(d.as(d.alice, UpdateCampaign{d.sales, poisoned}));
  refused(d.as(d.ana, SaveContact{0, "Ana\0"s, {}, {}, 0}));
  refused(d.as(d.ana, SaveContact{0, "Ana", {}, {{"notes", "x\0"s}}, 0}));
  refused(d.as(d.ana, SaveDraft{Channel::webchat, Draft{d.sales, {{"text", "\0"s}}}}));

  const auto id = d.open(d.sales);
  const auto after_open = d.engine.last_seq();
  auto unchanged = [&](const contactd::core::Outcome& o) {
    REQUIRE(o.error);
    CHECK(o.error->code == ErrorCode::invalid_argument);
    CHECK(o.events.empty());
    CHECK(d.engine.last_seq() == after_open);
  };
  unchanged(d.system(CustomerMessage{id, "hi\0there"s, {}}));
  REQUIRE(d.as(d.ana, Take{id}).ok());
  const auto after_take = d.engine.last_seq();
  auto o = d.as(d.ana, SendMessage{id, "ok", {Attachment{"a\0.png"s, 10, "ref", false}}});
  REQUIRE(o.error);
  CHECK(o.error->message.find("attachments") != std::string::npos);
  CHECK(d.engine.last_seq() == after_take);
  CHECK(d.as(d.ana, SendMessage{id, "still works", {}}).ok());
}
