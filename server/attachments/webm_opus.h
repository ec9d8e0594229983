#pragma once
// Browser voice recordings as WhatsApp voice notes (R-MSG-4). Chrome's and
// Edge's MediaRecorder record `audio/webm;codecs=opus`; WhatsApp plays voice
// notes only from Ogg Opus. webm_opus_to_ogg() rewrites such a WebM file as
// an Ogg Opus stream (RFC 7845): the same Opus packets, copied, never
// decoded or re-encoded.
//
// What is read (Matroska/EBML, RFC 8794 and the Matroska specification):
// the EBML header (DocType "webm"), the first Segment (sized or of unknown
// size, as MediaRecorder writes it), its Tracks (exactly one TrackEntry: Opus
// audio, CodecID A_OPUS, its CodecPrivate the OpusHead) and its Clusters
// (sized or of unknown size: one of unknown size ends where an element of the
// Segment's level begins), their SimpleBlocks and BlockGroups (no lacing,
// Xiph, EBML or fixed-size lacing), in file order. A DiscardPadding on the
// last BlockGroup trims the end (the final granule position). Every other
// element is skipped by its size; what follows the first Segment is ignored.
//
// What is written: see ogg_opus_writer.h. The serial number is the CRC of the
// input (deterministic: the same recording gives the same bytes).
//
// The whole file is in memory: at most kMaxWebmOpusBytes in, and the Ogg out
// is at most a few percent larger. Every size in the file is checked against
// the bytes that are there before anything is read or kept; malformed input
// is refused with a typed error, never read past. Standard library only.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace contactd::attachments {

// WhatsApp's audio limit (16 MB, research/channels.md 1.6).
inline constexpr std::size_t kMaxWebmOpusBytes = 16u * 1024 * 1024;

enum class WebmOpusErrorCode : std::uint8_t {
  too_large,       // more than kMaxWebmOpusBytes
  not_webm,        // no EBML header with DocType "webm", or no Segment after it
  truncated,       // an element runs past the end of the file (or of its parent)
  malformed,       // an element or block that breaks the format
  not_audio_only,  // a video (or other non-audio) track
  several_tracks,  // more than one track
  not_opus,        // the audio track is not Opus (A_OPUS)
  bad_opus_head,   // CodecPrivate is missing or not a valid OpusHead (RFC 7845 section 5.1)
  bad_packet,      // an Opus packet that is empty, too large or whose TOC is invalid
  no_audio,        // no track, or no audio packets
};
std::string_view to_string(WebmOpusErrorCode code);

struct WebmOpusError {
  WebmOpusErrorCode code;
  std::string message;  // for people: "the recording has a video track"
};

struct OggOpus {
  std::string bytes;          // the Ogg Opus file
  std::uint64_t granule{0};   // the final granule position (48 kHz samples, pre-skip included)
  std::uint64_t packets{0};   // audio packets
  std::uint8_t channels{0};
  std::uint16_t pre_skip{0};
};

std::variant<OggOpus, WebmOpusError> webm_opus_to_ogg(std::string_view webm);

}  // namespace contactd::attachments
