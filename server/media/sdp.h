#pragma once
// SDP (RFC 4566) for the calls contactd anchors: read a peer's offer or
// answer, pick the codec (offer/answer, RFC 3264), write contactd's own
// description. Audio only; G.711 µ-law (0) and A-law (8) plus RFC 4733
// telephone events. Standard library only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace contactd::media {

enum class Direction : std::uint8_t { sendrecv, sendonly, recvonly, inactive };
std::string_view to_string(Direction d);
// What to answer to a peer that says `offered` (sendonly -> recvonly...).
Direction mirror(Direction offered);

struct SdpMedia {
  std::string type;                   // "audio", "video"...
  std::uint16_t port{0};              // 0: stream refused or disabled
  std::string protocol;               // "RTP/AVP"...
  std::vector<int> formats;           // payload types in preference order
  struct RtpMap {
    int payload_type;
    std::string encoding;  // as written ("PCMU", "telephone-event")
    int clock_rate;
  };
  std::vector<RtpMap> rtpmaps;        // a=rtpmap lines
  std::string address;                // c= of the media, else of the session
  Direction direction{Direction::sendrecv};
  int ptime_ms{0};                    // 0: not given
};

struct SessionDescription {
  std::string origin_session;  // o= session id
  std::uint64_t origin_version{0};
  std::vector<SdpMedia> media;
};

// A description, or what is wrong with it (for a 400 or 488 reason).
std::variant<SessionDescription, std::string> parse_sdp(std::string_view text);

// The audio stream both sides will use.
struct AudioPlan {
  std::size_t media_index{0};  // which m= line of the offer
  int payload_type{0};         // 0 (PCMU) or 8 (PCMA)
  int telephone_event{-1};     // the peer's payload type for RFC 4733, -1: none
  std::string remote_address;
  std::uint16_t remote_port{0};
  Direction remote_direction{Direction::sendrecv};
};
// The first audio stream with G.711 in it, the codec the peer prefers, or
// why there is none (answer 488).
std::variant<AudioPlan, std::string> choose_audio(const SessionDescription& offer);

// contactd's description: one audio stream at address:port with the plan's
// codec and telephone events. As an answer (`offer` given), every other m=
// line of the offer is refused in place with port 0 (RFC 3264), and
// telephone events are included only if the offer had them.
std::string write_sdp(const std::string& address, std::uint16_t port, std::uint64_t session_id, std::uint64_t version,
                      const AudioPlan& plan, Direction direction, const SessionDescription* offer = nullptr);

// contactd's offer (for calls it places): one audio stream offering
// `payload_types` (0 and/or 8) in that order plus telephone events as 101.
std::string write_offer(const std::string& address, std::uint16_t port, std::uint64_t session_id, std::uint64_t version,
                        const std::vector<int>& payload_types, Direction direction = Direction::sendrecv);

}  // namespace contactd::media
