// Fuzz target: the Gupshup codec (channels/whatsapp/gupshup_codec.h) on
// untrusted bytes. Gupshup callbacks are not signed, so parse_callback sees
// whatever anyone who learns the callback URL posts; the same bytes also go
// through classify_send_response, the address allow-list and the token check.
//
// Input: a callback body (or a send answer), as is.
// Properties: parsed messages have an id, a sender and "msg:<id>"; statuses a
// dedupe key "st:<Gupshup id or WhatsApp id>:<status>"; an accepted send has an
// id; a token matches itself and nothing shorter.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "channels/whatsapp/gupshup_codec.h"

namespace {

using namespace contactd::channels::whatsapp;

void check_batch(const WebhookBatch& b) {
  for (const auto& m : b.messages) {
    if (m.provider_message_id.empty()) std::abort();
    if (m.from.empty() && m.user_id.empty()) std::abort();
    if (m.dedupe_key != "msg:" + m.provider_message_id) std::abort();
  }
  // v2 events are keyed by Gupshup's id when they carry one; v3 (Meta-format)
  // statuses by the WhatsApp id, as Meta's are.
  for (const auto& s : b.statuses) {
    const std::string tail = ":" + std::string(to_string(s.status));
    const bool by_gupshup = !s.gupshup_id.empty() && s.dedupe_key == "st:" + s.gupshup_id + tail;
    const bool by_whatsapp = !s.provider_message_id.empty() && s.dedupe_key == "st:" + s.provider_message_id + tail;
    if (!by_gupshup && !by_whatsapp) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto parsed = gupshup::parse_callback(input);
  if (const auto* batch = std::get_if<WebhookBatch>(&parsed)) check_batch(*batch);

  for (int status : {200, 202, 400, 429, 500}) {
    const SendOutcome o = gupshup::classify_send_response(status, input, input.substr(0, 10));
    if (o.kind == SendOutcome::Kind::accepted && o.provider_message_id.empty()) std::abort();
  }

  const std::string token(input.substr(0, 64));
  if (!token.empty()) {
    if (!gupshup::verify_callback_token(token, token)) std::abort();
    if (gupshup::verify_callback_token(token, token.substr(0, token.size() - 1))) std::abort();
  }

  const std::vector<std::string> allow{"203.0.113.0/24", "2001:db8::/32", std::string(input.substr(0, 48))};
  (void)gupshup::source_allowed(input.substr(0, 64), allow);
  return 0;
}
