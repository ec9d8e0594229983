// Fuzz target: SDP from the network (media::parse_sdp), then what contactd
// does with an offer it accepts: choose_audio and write_sdp. Checks that
// contactd's own answer parses again and answers every m= line of the offer
// (RFC 3264 §6), and that its own offer parses.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

#include "media/sdp.h"

using namespace contactd::media;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_sdp(text);
  auto* offer = std::get_if<SessionDescription>(&parsed);
  if (!offer) return 0;
  auto chosen = choose_audio(*offer);
  auto* plan = std::get_if<AudioPlan>(&chosen);
  if (!plan) return 0;
  if (plan->media_index >= offer->media.size()) std::abort();
  const std::string answer = write_sdp("192.0.2.1", 40000, 1, 2, *plan, mirror(plan->remote_direction), offer);
  auto reparsed = parse_sdp(answer);
  auto* back = std::get_if<SessionDescription>(&reparsed);
  if (!back || back->media.size() != offer->media.size()) std::abort();
  const std::string own = write_offer("192.0.2.1", 40000, 1, 2, {plan->payload_type});
  if (!std::holds_alternative<SessionDescription>(parse_sdp(own))) std::abort();
  return 0;
}
