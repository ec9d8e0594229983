// Fuzz target: the Meta WhatsApp Cloud API codec (channels/whatsapp/meta_codec.h)
// on untrusted bytes: a webhook body (parse_webhook, verify_signature), and
// the same bytes as a provider's answer (classify_send_response,
// parse_media_lookup, parse_media_upload_response, parse_template_listing).
//
// Input: a webhook body or any answer body, as is.
// Properties checked besides "no crash, no leak, no UB": every parsed message
// has an id, a sender, an account and the dedupe key "msg:<id>"; every status
// an id and "st:<id>:<status>"; the codec's own signature of the input
// verifies and a flipped one does not; an accepted send has an id.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "channels/whatsapp/meta_codec.h"

namespace {

using namespace contactd::channels::whatsapp;

void check_batch(const WebhookBatch& b) {
  for (const auto& m : b.messages) {
    if (m.provider_message_id.empty() || m.account.empty()) std::abort();
    if (m.from.empty() && m.user_id.empty()) std::abort();
    if (m.dedupe_key != "msg:" + m.provider_message_id) std::abort();
  }
  for (const auto& s : b.statuses) {
    if (s.provider_message_id.empty() || s.account.empty()) std::abort();
    if (s.dedupe_key != "st:" + s.provider_message_id + ":" + std::string(to_string(s.status))) std::abort();
  }
  for (const auto& s : b.skipped)
    if (s.reason.empty()) std::abort();
}

void check_outcome(const SendOutcome& o) {
  if (o.kind == SendOutcome::Kind::accepted && o.provider_message_id.empty()) std::abort();
  if (o.kind != SendOutcome::Kind::accepted && o.error_code.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto parsed = meta::parse_webhook(input);
  if (const auto* batch = std::get_if<WebhookBatch>(&parsed)) check_batch(*batch);

  const std::string signature = meta::sign("fuzz-app-secret", input);
  if (!meta::verify_signature("fuzz-app-secret", input, signature)) std::abort();
  std::string flipped = signature;
  flipped.back() = flipped.back() == '0' ? '1' : '0';
  if (meta::verify_signature("fuzz-app-secret", input, flipped)) std::abort();
  (void)meta::verify_signature("fuzz-app-secret", input, input);  // the input as a header value

  for (int status : {200, 400, 429, 500, 503}) {
    check_outcome(meta::classify_send_response(status, input, input.substr(0, 12)));
    const auto upload = meta::parse_media_upload_response(status, input);
    if (upload.result.kind == SendOutcome::Kind::accepted && upload.media_id.empty()) std::abort();
  }
  (void)meta::parse_media_lookup(input);
  auto page = meta::parse_template_listing(input);
  if (const auto* p = std::get_if<meta::TemplatePage>(&page))
    for (const auto& t : p->templates)
      if (t.name.empty() || t.language.empty() || t.parameter_count < 0) std::abort();

  // The input as GET verification parameters: echoed only when it is a plain token.
  std::map<std::string, std::string> query{
      {"hub.mode", "subscribe"}, {"hub.verify_token", "t"}, {"hub.challenge", std::string(input.substr(0, 200))}};
  auto challenge = meta::verify_subscription(query, "t");
  if (const auto* echoed = std::get_if<std::string>(&challenge))
    for (char c : *echoed)
      if (c == '<' || c == '"' || c == '&' || static_cast<unsigned char>(c) < 0x20) std::abort();
  return 0;
}
