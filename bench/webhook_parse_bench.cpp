// Provider codec benchmark (issue 12): what the webhook route spends in the
// codec before the inbox insert. For a signed 10-message batched Meta
// notification: X-Hub-Signature-256 check (HMAC-SHA256 over the raw body) +
// parse_webhook; for a Gupshup v2 callback: token check + parse_callback.
// No I/O. Prints messages per second, one row per case.
//
//   build/bench/webhook_parse_bench [seconds per case (2)]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>

#include "channels/whatsapp/gupshup_codec.h"
#include "channels/whatsapp/meta_codec.h"

using namespace contactd::channels::whatsapp;
using Stopwatch = std::chrono::steady_clock;

namespace {

// Ten customer messages of the usual kinds in one POST, as Meta batches them.
std::string meta_batch() {
  std::string messages;
  const char* bodies[] = {
      R"("type":"text","text":{"body":"Hello, I have a question about my order number 566701, it has not arrived yet."})",
      R"("type":"image","image":{"caption":"the box","mime_type":"image/jpeg","sha256":"81d3bd8a8db4868c9520ed47186e8b7c5789e61ff79f7f834be6950b808a90d3","id":"2754859441498128"})",
      R"("type":"text","text":{"body":"Can you check?"},"context":{"from":"15550783881","id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"})",
      R"("type":"audio","audio":{"mime_type":"audio/ogg; codecs=opus","sha256":"aa","id":"880011","voice":true})",
      R"("type":"text","text":{"body":"Thanks \ud83d\ude00"})",
      R"("type":"button","button":{"payload":"talk","text":"Talk to an agent"})",
      R"("type":"document","document":{"filename":"invoice.pdf","mime_type":"application/pdf","sha256":"bb","id":"880012"})",
      R"("type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"r2","title":"Billing"}})",
      R"("type":"reaction","reaction":{"message_id":"wamid.HBgLMTY1MDU1NTEyMzQVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA","emoji":"\ud83d\udc4d"})",
      R"("type":"text","text":{"body":"Bye"})"};
  for (int i = 0; i < 10; ++i) {
    if (i) messages += ",";
    messages += R"({"from":"1650555)" + std::to_string(1000 + i) +
                R"(","id":"wamid.HBgLMTY1MDU1NTEyMzQVAgASGBQzQUI0NkE4NjM1QTU2NjVGOURGQgA)" + std::to_string(i) +
                R"(","timestamp":"1749416383",)" + bodies[i] + "}";
  }
  std::string contacts;
  for (int i = 0; i < 10; ++i) {
    if (i) contacts += ",";
    contacts += R"({"profile":{"name":"Customer )" + std::to_string(i) + R"("},"wa_id":"1650555)" +
                std::to_string(1000 + i) + R"("})";
  }
  return R"({"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},"contacts":[)" +
         contacts + R"(],"messages":[)" + messages + "]}}]}]}";
}

const char* kGupshupMessage =
    R"({"app":"DemoApp","timestamp":1580227766370,"version":2,"type":"message","payload":{"id":"ABEGkYaYVSEEAhAL3SLAWwHKeKrt6s3FKB0c","source":"918x98xx21x4","type":"text","payload":{"text":"Hello, I have a question about my order"},"sender":{"phone":"918x98xx21x4","name":"Drew","country_code":"91","dial_code":"8x98xx21x4"},"context":{"id":"gBEGkYaYVSEEAgnPFrOLcjkFjL8","gsId":"9b71295f-f7af-4c1f-b2b4-31b4a4867bad"}}})";

template <typename F>
void run(const char* name, double seconds, std::size_t body_bytes, std::size_t messages_per_call, F&& call) {
  // Warm up, then count whole calls until the time is up.
  for (int i = 0; i < 1000; ++i) call();
  std::uint64_t calls = 0;
  const auto start = Stopwatch::now();
  const auto until = start + std::chrono::duration<double>(seconds);
  auto now = start;
  while (now < until) {
    for (int i = 0; i < 256; ++i) call();
    calls += 256;
    now = Stopwatch::now();
  }
  const double elapsed = std::chrono::duration<double>(now - start).count();
  const double per_s = calls * messages_per_call / elapsed;
  std::printf("%-44s %8zu B/body %12.0f messages/s %8.2f us/body %8.1f MB/s\n", name, body_bytes, per_s,
              elapsed / calls * 1e6, calls * body_bytes / elapsed / 1e6);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  const std::string secret = "bench-app-secret-0123456789abcdef";
  const std::string body = meta_batch();
  const std::string signature = meta::sign(secret, body);

  // Sanity: the batch is what it claims to be.
  {
    auto parsed = meta::parse_webhook(body);
    const auto* batch = std::get_if<WebhookBatch>(&parsed);
    if (!batch || batch->messages.size() != 10 || !batch->skipped.empty() ||
        !meta::verify_signature(secret, body, signature)) {
      std::fprintf(stderr, "bench setup: the batch does not parse to 10 messages\n");
      return 1;
    }
  }

  std::size_t sink = 0;
  run("meta: signature + parse (10-message batch)", seconds, body.size(), 10, [&] {
    if (!meta::verify_signature(secret, body, signature)) std::abort();
    auto parsed = meta::parse_webhook(body);
    sink += std::get<WebhookBatch>(parsed).messages.size();
  });
  run("meta: parse only (10-message batch)", seconds, body.size(), 10, [&] {
    auto parsed = meta::parse_webhook(body);
    sink += std::get<WebhookBatch>(parsed).messages.size();
  });
  run("meta: signature only (10-message batch)", seconds, body.size(), 10,
      [&] { sink += meta::verify_signature(secret, body, signature); });
  const std::string gupshup = kGupshupMessage;
  run("gupshup: token + parse (1 message)", seconds, gupshup.size(), 1, [&] {
    if (!gupshup::verify_callback_token("4f1c9e0a7d2b4f1c9e0a7d2b", "4f1c9e0a7d2b4f1c9e0a7d2b")) std::abort();
    auto parsed = gupshup::parse_callback(gupshup);
    sink += std::get<WebhookBatch>(parsed).messages.size();
  });
  return sink == 0 ? 1 : 0;
}
