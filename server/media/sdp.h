#pragma once
// SDP (RFC 4566) for the calls contactd anchors: read a peer's offer or
// answer, pick the codec (offer/answer, RFC 3264), write contactd's own
// description. Audio only; G.711 µ-law (0) and A-law (8) plus RFC 4733
// telephone events. Standard library only.
//
// What is read is untrusted (an unauthenticated caller's INVITE). The parser
// is strict where RFC 4566 is, bounded in size, and liberal only in two ways
// real phones need: records may end in a bare LF instead of CRLF (RFC 4566
// section 5 asks parsers to accept that), and blank lines are skipped.
// Everything else that is not SDP is refused with the reason: NUL and other
// control characters, a CR not followed by LF, a last line without an end,
// an address that is not one (c=IN IP4 999.1.2.3), numbers out of range in
// m=, a=rtpmap, a=fmtp, a=ptime, a=maxptime and a=rtcp.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "media/media_address.h"

namespace contactd::media {

// Bounds on a description (larger ones are refused, not truncated).
inline constexpr std::size_t kMaxSdpBytes = 16 * 1024;
inline constexpr std::size_t kMaxSdpLineBytes = 1024;
inline constexpr std::size_t kMaxSdpLines = 256;
inline constexpr std::size_t kMaxSdpMedia = 16;    // m= lines
inline constexpr std::size_t kMaxSdpFormats = 64;  // formats on one m= line

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
  AddressKind address_kind{AddressKind::malformed};  // what that address is (never malformed once parsed)
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
  AddressKind remote_address_kind{AddressKind::unicast};
  std::uint16_t remote_port{0};
  Direction remote_direction{Direction::sendrecv};
};
// The first audio stream with G.711 in it, the codec the peer prefers, or
// why there is none (answer 488).
std::variant<AudioPlan, std::string> choose_audio(const SessionDescription& offer);

// Whether contactd may send the plan's media where it says: a unicast IP
// literal and a port outside the well-known range (RTP never uses 1-1023;
// sending there would aim audio at other services). Else the refusal for a
// 488: the SIP Warning code (RFC 3261 section 20.43: 301 incompatible
// address format, 330 multicast not available) and the reason.
struct TargetRefusal {
  int warning{301};
  std::string reason;
};
std::optional<TargetRefusal> refuse_media_target(const AudioPlan& plan);

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
