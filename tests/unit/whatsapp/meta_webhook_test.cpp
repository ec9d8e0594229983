// Meta WhatsApp Cloud API webhooks: signature, GET verification, parsing of
// batched, duplicated, out-of-order, failed, BSUID-only and malformed
// notifications (research/channels.md §1.1-1.4).
#include <catch2/catch.hpp>

#include "channels/whatsapp/meta_codec.h"
#include "fixtures.h"

using namespace contactd::channels::whatsapp;
using namespace contactd::channels::whatsapp::test;

namespace {

const InboundMessage& message(const WebhookBatch& b, const std::string& id) {
  for (const auto& m : b.messages)
    if (m.provider_message_id == id) return m;
  FAIL("no message " << id);
  throw;
}

bool skipped(const WebhookBatch& b, const std::string& reason_part) {
  for (const auto& s : b.skipped)
    if (s.reason.find(reason_part) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("Webhook signature: HMAC-SHA256 matches RFC 4231 test case 2 with the sha256= prefix") {
  // RFC 4231 section 4.3: key "Jefe", data "what do ya want for nothing?".
  const std::string expected = "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  CHECK(meta::sign("Jefe", "what do ya want for nothing?") == expected);
  CHECK(meta::verify_signature("Jefe", "what do ya want for nothing?", expected));
  // Upper-case hex digits are the same bytes.
  CHECK(meta::verify_signature("Jefe", "what do ya want for nothing?",
                               "sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843"));
}

TEST_CASE("Webhook signature: the raw fixture bytes, signed by an independent implementation, verify") {
  const std::string body = fixture("meta_batched.json");
  // python3: hmac.new(b"test-app-secret", open(f,"rb").read(), hashlib.sha256).hexdigest()
  const std::string header = "sha256=c0ae2d9d03bb2233bc55796fbe26ad2d573a81bdb78345fd9e7a50826292c12a";
  CHECK(meta::verify_signature("test-app-secret", body, header));
  CHECK(meta::sign("test-app-secret", body) == header);
}

TEST_CASE("Webhook signature: bad, missing, truncated or wrongly prefixed signatures are refused") {
  const std::string body = fixture("meta_batched.json");
  const std::string good = meta::sign("test-app-secret", body);
  SECTION("another secret") { CHECK_FALSE(meta::verify_signature("other-secret", body, good)); }
  SECTION("one byte of the body changed") {
    std::string changed = body;
    changed[changed.size() / 2] ^= 1;
    CHECK_FALSE(meta::verify_signature("test-app-secret", changed, good));
  }
  SECTION("re-serialised JSON is not the raw body") {
    CHECK_FALSE(meta::verify_signature("test-app-secret", body + " ", good));
  }
  SECTION("missing header") { CHECK_FALSE(meta::verify_signature("test-app-secret", body, "")); }
  SECTION("wrong prefix") {
    CHECK_FALSE(meta::verify_signature("test-app-secret", body, "sha1=" + good.substr(7)));
    CHECK_FALSE(meta::verify_signature("test-app-secret", body, "SHA256=" + good.substr(7)));
    CHECK_FALSE(meta::verify_signature("test-app-secret", body, good.substr(7)));
  }
  SECTION("truncated, overlong or non-hex digits") {
    CHECK_FALSE(meta::verify_signature("test-app-secret", body, good.substr(0, good.size() - 2)));
    CHECK_FALSE(meta::verify_signature("test-app-secret", body, good + "00"));
    std::string bad = good;
    bad[10] = 'g';
    CHECK_FALSE(meta::verify_signature("test-app-secret", body, bad));
  }
  SECTION("an unset app secret refuses everything") {
    CHECK_FALSE(meta::verify_signature("", body, meta::sign("", body)));
  }
}

TEST_CASE("Webhook GET verification echoes the challenge only for subscribe with the right token") {
  std::map<std::string, std::string> q{
      {"hub.mode", "subscribe"}, {"hub.verify_token", "tok-123"}, {"hub.challenge", "1158201444"}};
  auto answer = meta::verify_subscription(q, "tok-123");
  CHECK(ok(answer) == "1158201444");

  auto refused = [&](const std::map<std::string, std::string>& query, std::string_view token) {
    return failed(meta::verify_subscription(query, token)).reason;
  };
  auto q2 = q;
  q2["hub.verify_token"] = "tok-124";
  CHECK(refused(q2, "tok-123") == meta::SubscriptionRefusal::Reason::wrong_token);
  CHECK(refused(q, "") == meta::SubscriptionRefusal::Reason::wrong_token);
  auto q3 = q;
  q3["hub.mode"] = "unsubscribe";
  CHECK(refused(q3, "tok-123") == meta::SubscriptionRefusal::Reason::wrong_mode);
  auto q4 = q;
  q4["hub.challenge"] = "<script>alert(1)</script>";
  CHECK(refused(q4, "tok-123") == meta::SubscriptionRefusal::Reason::bad_challenge);
  q4.erase("hub.challenge");
  CHECK(refused(q4, "tok-123") == meta::SubscriptionRefusal::Reason::bad_challenge);
}

TEST_CASE("R-IN-1 a batched webhook yields every entry, change, message and status in order") {
  const WebhookBatch& b = ok(meta::parse_webhook(fixture("meta_batched.json")));
  REQUIRE(b.messages.size() == 11);
  REQUIRE(b.statuses.size() == 2);
  CHECK(b.skipped.empty());
  CHECK(b.messages.front().provider_message_id == "wamid.TEXT1");
  CHECK(b.messages.back().provider_message_id == "wamid.CONTACT1");

  const auto& text = message(b, "wamid.TEXT1");
  CHECK(text.account == "106540352242922");
  CHECK(text.business_account_id == "102290129340398");
  CHECK(text.from == "16505551234");
  CHECK(text.profile_name == "Sheena Nelson");
  CHECK(text.timestamp == 1749416383);
  CHECK(text.type == InboundType::text);
  CHECK(text.text == "Does it come in another color?");
  CHECK(text.dedupe_key == "msg:wamid.TEXT1");

  const auto& image = message(b, "wamid.IMAGE1");
  CHECK(image.profile_name == "Kai Ortega");  // matched by wa_id, not by position
  CHECK(image.type == InboundType::image);
  CHECK(image.text == "This one");
  REQUIRE(image.media);
  CHECK(image.media->provider_media_id == "2754859441498128");
  CHECK(image.media->mime_type == "image/jpeg");
  CHECK(image.media->sha256.size() == 64);

  const auto& voice = message(b, "wamid.VOICE1");
  CHECK(voice.type == InboundType::audio);
  REQUIRE(voice.media);
  CHECK(voice.media->voice);

  const auto& doc = message(b, "wamid.DOC1");
  CHECK(doc.type == InboundType::document);
  CHECK(doc.media->filename == "invoice.pdf");
  CHECK(doc.text == "the invoice");
  CHECK(doc.context_provider_id == "wamid.OURS1");  // R-MSG-6 customer replies arrive linked

  const auto& sticker = message(b, "wamid.STICKER1");
  CHECK(sticker.account == "222222222222222");
  CHECK(sticker.business_account_id == "102290129340399");
  CHECK(sticker.type == InboundType::sticker);
  CHECK(sticker.profile_name == "Ana Lima");

  const auto& reaction = message(b, "wamid.REACT1");
  CHECK(reaction.type == InboundType::reaction);
  CHECK(reaction.text == "\xF0\x9F\x91\x8D");
  CHECK(reaction.context_provider_id == "wamid.OURS2");

  const auto& button = message(b, "wamid.BUTTON1");
  CHECK(button.type == InboundType::button);
  CHECK(button.text == "Talk to an agent");
  CHECK(button.context_provider_id == "wamid.TEMPLATE1");

  CHECK(message(b, "wamid.IBUTTON1").text == "Yes, please");
  CHECK(message(b, "wamid.ILIST1").text == "Billing");
  CHECK(message(b, "wamid.ILIST1").type == InboundType::interactive);
  CHECK(message(b, "wamid.LOC1").text == "Location: 52.52,13.405 Office, Unter den Linden 1");
  CHECK(message(b, "wamid.CONTACT1").text == "Contact: John Doe +1 650 555 0000");

  const auto& sent = b.statuses[0];
  CHECK(sent.account == "106540352242922");
  CHECK(sent.provider_message_id == "wamid.OURS1");
  CHECK(sent.status == DeliveryStatus::sent);
  CHECK(sent.timestamp == 1750857384);
  CHECK(sent.recipient == "16505551234");
  CHECK(sent.correlation == "outbox-41");
  CHECK(sent.dedupe_key == "st:wamid.OURS1:sent");
  CHECK(b.statuses[1].status == DeliveryStatus::delivered);
  CHECK(b.statuses[1].dedupe_key == "st:wamid.OURS1:delivered");
}

TEST_CASE("Duplicate deliveries carry the same dedupe key, so the inbox stores them once") {
  const WebhookBatch& b = ok(meta::parse_webhook(fixture("meta_duplicates.json")));
  REQUIRE(b.messages.size() == 2);
  CHECK(b.messages[0].dedupe_key == "msg:wamid.DUP1");
  CHECK(b.messages[0].dedupe_key == b.messages[1].dedupe_key);
  REQUIRE(b.statuses.size() == 2);
  CHECK(b.statuses[0].dedupe_key == b.statuses[1].dedupe_key);
  // The same notification redelivered later parses to the same keys.
  const WebhookBatch& again = ok(meta::parse_webhook(fixture("meta_duplicates.json")));
  CHECK(again.messages[0].dedupe_key == b.messages[0].dedupe_key);
}

TEST_CASE("R-MSG-5 a failed status keeps errors[] code, title, details and biz_opaque_callback_data") {
  const WebhookBatch& b = ok(meta::parse_webhook(fixture("meta_status_failed.json")));
  REQUIRE(b.statuses.size() == 1);
  const auto& s = b.statuses[0];
  CHECK(s.status == DeliveryStatus::failed);
  CHECK(s.correlation == "outbox-77");
  REQUIRE(s.errors.size() == 1);
  CHECK(s.errors[0].code == "131047");
  CHECK(s.errors[0].title == "Re-engagement message");
  CHECK(s.errors[0].details.find("24 hours") != std::string::npos);
  CHECK(s.dedupe_key == "st:wamid.FAILED1:failed");
}

TEST_CASE("R-MSG-5 read without delivered, a late sent, and voice played are all reported as they come") {
  const WebhookBatch& b = ok(meta::parse_webhook(fixture("meta_read_without_delivered.json")));
  REQUIRE(b.statuses.size() == 3);
  CHECK(b.statuses[0].status == DeliveryStatus::read);
  CHECK(b.statuses[0].recipient_user_id == "US.13491208655302741918");
  CHECK(b.statuses[1].status == DeliveryStatus::sent);
  CHECK(b.statuses[2].status == DeliveryStatus::played);
  // The merge (status_order.h) keeps read when the late sent arrives.
  auto state = merge_status(std::nullopt, b.statuses[0].status);
  CHECK(state == DeliveryStatus::read);
  CHECK_FALSE(merge_status(*state, b.statuses[1].status));
}

TEST_CASE("A username user's message has a BSUID and no phone number") {
  const WebhookBatch& b = ok(meta::parse_webhook(fixture("meta_bsuid_only.json")));
  REQUIRE(b.messages.size() == 1);
  const auto& m = b.messages[0];
  CHECK(m.from.empty());
  CHECK(m.user_id == "IN.1410018717833190");
  CHECK(m.profile_name == "Krish");  // contact matched by user_id
  CHECK(m.account == "1088451004357858");
  CHECK(m.text == "Hey");
}

TEST_CASE("Malformed entries are skipped with a reason while the good items of the batch stand") {
  const WebhookBatch& b = ok(meta::parse_webhook(fixture("meta_malformed_mixed.json")));
  REQUIRE(b.messages.size() == 1);
  CHECK(b.messages[0].provider_message_id == "wamid.GOOD1");
  REQUIRE(b.statuses.size() == 1);
  CHECK(b.statuses[0].provider_message_id == "wamid.OURS5");
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].code == "131051");
  CHECK(skipped(b, "entry is not an object"));
  CHECK(skipped(b, "entry without changes"));
  CHECK(skipped(b, "field not handled: message_template_status_update"));
  CHECK(skipped(b, "change without value"));
  CHECK(skipped(b, "change without metadata.phone_number_id"));
  CHECK(skipped(b, "message is not an object"));
  CHECK(skipped(b, "message without id"));
  CHECK(skipped(b, "unsupported message type: unsupported (131051: Message type unknown)"));
  CHECK(skipped(b, "unsupported message type: ephemeral"));
  CHECK(skipped(b, "image without a media id"));
  CHECK(skipped(b, "unknown status: exploded"));
  CHECK(skipped(b, "status without message id"));
  CHECK(b.skipped.size() == 12);
  for (const auto& s : b.skipped) CHECK_FALSE(s.where.empty());
}

TEST_CASE("A body that is not a WhatsApp notification fails as a whole") {
  CHECK(failed(meta::parse_webhook("")).kind == ParseFailure::Kind::not_json);
  CHECK(failed(meta::parse_webhook("{\"object\":")).kind == ParseFailure::Kind::not_json);
  CHECK(failed(meta::parse_webhook("[1,2]")).kind == ParseFailure::Kind::not_an_object);
  CHECK(failed(meta::parse_webhook("{\"object\":\"page\",\"entry\":[]}")).kind == ParseFailure::Kind::wrong_object);
  CHECK(failed(meta::parse_webhook("{\"object\":\"whatsapp_business_account\"}")).kind ==
        ParseFailure::Kind::malformed);
  // An empty batch is a batch.
  CHECK(ok(meta::parse_webhook("{\"object\":\"whatsapp_business_account\",\"entry\":[]}")).messages.empty());
}
