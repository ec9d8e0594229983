#include "attachments/webm_opus.h"

#include <array>
#include <optional>

#include "attachments/ogg_opus_writer.h"

namespace contactd::attachments {
namespace {

using Bytes = std::string_view;
using Code = WebmOpusErrorCode;

// Element IDs, with their length markers (as the Matroska specification writes them).
constexpr std::uint32_t kEbml = 0x1A45DFA3, kDocType = 0x4282, kVoid = 0xEC;
constexpr std::uint32_t kSegment = 0x18538067, kSeekHead = 0x114D9B74, kInfo = 0x1549A966, kTracks = 0x1654AE6B,
                        kCluster = 0x1F43B675, kCues = 0x1C53BB6B, kAttachments = 0x1941A469,
                        kChapters = 0x1043A770, kTags = 0x1254C367;
constexpr std::uint32_t kTrackEntry = 0xAE, kTrackNumber = 0xD7, kTrackType = 0x83, kCodecId = 0x86,
                        kCodecPrivate = 0x63A2, kContentEncodings = 0x6D80, kAudio = 0xE1, kChannels = 0x9F;
constexpr std::uint32_t kSimpleBlock = 0xA3, kBlockGroup = 0xA0, kBlock = 0xA1, kDiscardPadding = 0x75A2;

constexpr std::uint64_t kVideoTrack = 1, kAudioTrack = 2;
constexpr std::size_t kMaxOpusHeadBytes = 1024;
constexpr Bytes kVendor = "contactd (Opus packets copied from a WebM recording)";

struct Refused {
  WebmOpusError error;
};
[[noreturn]] void refuse(Code code, std::string message) { throw Refused{{code, std::move(message)}}; }

std::string hex(std::uint32_t id) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string s;
  for (int shift = 28; shift >= 0; shift -= 4)
    if (!s.empty() || (id >> shift & 0xF) != 0 || shift == 0) s.push_back(kDigits[id >> shift & 0xF]);
  return "0x" + s;
}

std::uint8_t byte(Bytes b, std::size_t i) { return static_cast<std::uint8_t>(b[i]); }

// An element ID at `pos` (before `limit`): the ID and its length.
std::pair<std::uint32_t, std::size_t> id_at(Bytes in, std::size_t pos, std::size_t limit) {
  if (pos >= limit) refuse(Code::truncated, "the file ends inside an element");
  const std::uint8_t first = byte(in, pos);
  const std::size_t len = first & 0x80 ? 1 : first & 0x40 ? 2 : first & 0x20 ? 3 : first & 0x10 ? 4 : 0;
  if (len == 0) refuse(Code::malformed, "an element ID longer than 4 bytes");
  if (limit - pos < len) refuse(Code::truncated, "the file ends inside an element ID");
  std::uint32_t id = 0;
  for (std::size_t k = 0; k < len; ++k) id = id << 8 | byte(in, pos + k);
  return {id, len};
}

// An EBML variable-size integer at `pos`: value, length, and whether every
// value bit is set (the "unknown" size).
struct Vint {
  std::uint64_t value;
  std::size_t length;
  bool all_ones;
};
Vint vint_at(Bytes in, std::size_t pos, std::size_t limit) {
  if (pos >= limit) refuse(Code::truncated, "the file ends inside an element size");
  const std::uint8_t first = byte(in, pos);
  std::size_t len = 1;
  while (len <= 8 && (first & (0x80 >> (len - 1))) == 0) ++len;
  if (len > 8) refuse(Code::malformed, "a variable-size integer longer than 8 bytes");
  if (limit - pos < len) refuse(Code::truncated, "the file ends inside a variable-size integer");
  const std::uint8_t mask = static_cast<std::uint8_t>(0xFF >> len);
  std::uint64_t v = first & mask;
  bool ones = v == mask;
  for (std::size_t k = 1; k < len; ++k) {
    v = v << 8 | byte(in, pos + k);
    ones = ones && byte(in, pos + k) == 0xFF;
  }
  return {v, len, ones};
}

struct Element {
  std::uint32_t id;
  std::size_t data;  // where its data begins
  std::size_t end;   // where it ends (unknown size: the limit it was read under)
  bool unknown;      // of unknown size
  Bytes bytes(Bytes in) const { return in.substr(data, end - data); }
};

// The element at `pos`, which must end by `limit` (its parent's end).
Element element_at(Bytes in, std::size_t pos, std::size_t limit) {
  const auto [id, id_len] = id_at(in, pos, limit);
  const Vint size = vint_at(in, pos + id_len, limit);
  const std::size_t data = pos + id_len + size.length;
  if (size.all_ones) return {id, data, limit, true};
  if (size.value > limit - data)
    refuse(Code::truncated,
           "element " + hex(id) + " runs past the end of " + (limit == in.size() ? "the file" : "its parent"));
  return {id, data, data + static_cast<std::size_t>(size.value), false};
}

// The children of a sized element, one after another; unknown sizes refused.
template <typename F>
void each_child(Bytes in, const Element& parent, F&& f) {
  for (std::size_t pos = parent.data; pos < parent.end;) {
    const Element child = element_at(in, pos, parent.end);
    if (child.unknown) refuse(Code::malformed, "element " + hex(child.id) + " has an unknown size");
    f(child);
    pos = child.end;
  }
}

std::uint64_t unsigned_of(Bytes in, const Element& e) {
  if (e.end - e.data > 8) refuse(Code::malformed, "element " + hex(e.id) + " is an integer longer than 8 bytes");
  std::uint64_t v = 0;
  for (std::size_t i = e.data; i < e.end; ++i) v = v << 8 | byte(in, i);
  return v;
}

std::int64_t signed_of(Bytes in, const Element& e) {
  const std::size_t len = e.end - e.data;
  const std::uint64_t v = unsigned_of(in, e);
  if (len == 0 || len == 8 || (v >> (8 * len - 1) & 1) == 0) return static_cast<std::int64_t>(v);
  return static_cast<std::int64_t>(v | ~std::uint64_t{0} << (8 * len));  // sign-extended
}

// Elements of the Segment's level (and the EBML header, Segment): each ends
// a Cluster of unknown size.
bool ends_cluster(std::uint32_t id) {
  static constexpr std::array<std::uint32_t, 10> kUpper{kEbml,  kSegment, kSeekHead,    kInfo,     kTracks,
                                                        kCluster, kCues,  kAttachments, kChapters, kTags};
  for (auto u : kUpper)
    if (u == id) return true;
  return false;
}

// RFC 7845 section 5.1.
void check_opus_head(Bytes head) {
  if (head.empty()) refuse(Code::bad_opus_head, "the Opus track has no OpusHead (CodecPrivate)");
  if (head.size() < 19 || head.substr(0, 8) != "OpusHead")
    refuse(Code::bad_opus_head, "the Opus track's CodecPrivate is not an OpusHead");
  if (head.size() > kMaxOpusHeadBytes) refuse(Code::bad_opus_head, "the OpusHead is larger than 1 KB");
  const std::uint8_t version = byte(head, 8), channels = byte(head, 9), family = byte(head, 18);
  if (version == 0 || version > 15)
    refuse(Code::bad_opus_head, "OpusHead version " + std::to_string(version) + " is unknown");
  if (channels == 0) refuse(Code::bad_opus_head, "the OpusHead has no channels");
  if (family == 0) {
    if (channels > 2) refuse(Code::bad_opus_head, "mapping family 0 carries one or two channels");
    return;
  }
  if (head.size() < 21u + channels) refuse(Code::bad_opus_head, "the OpusHead's channel mapping table is cut short");
  const unsigned streams = byte(head, 19), coupled = byte(head, 20);
  if (streams == 0 || coupled > streams || streams + coupled > 255)
    refuse(Code::bad_opus_head, "the OpusHead's stream counts are invalid");
  for (std::size_t c = 0; c < channels; ++c) {
    const unsigned index = byte(head, 21 + c);
    if (index != 255 && index >= streams + coupled)
      refuse(Code::bad_opus_head, "the OpusHead maps a channel to no stream");
  }
}

class Remuxer {
 public:
  explicit Remuxer(Bytes in) : in_(in) {}

  OggOpus run() {
    if (in_.size() < 4 || byte(in_, 0) != 0x1A || byte(in_, 1) != 0x45 || byte(in_, 2) != 0xDF || byte(in_, 3) != 0xA3)
      refuse(Code::not_webm, "not a WebM file");
    const Element header = element_at(in_, 0, in_.size());
    if (header.unknown) refuse(Code::malformed, "the EBML header has an unknown size");
    Bytes doctype;
    each_child(in_, header, [&](const Element& e) {
      if (e.id == kDocType) doctype = e.bytes(in_);
    });
    if (doctype != "webm")
      refuse(Code::not_webm, "not a WebM file (its DocType is '" + printable(doctype.substr(0, 32)) + "')");
    std::size_t pos = header.end;
    Element segment = element_at(in_, pos, in_.size());
    while (segment.id == kVoid && !segment.unknown) segment = element_at(in_, pos = segment.end, in_.size());
    if (segment.id != kSegment) refuse(Code::not_webm, "the WebM file has no Segment after its header");
    for (pos = segment.data; pos < segment.end;) {
      const auto [id, id_len] = id_at(in_, pos, segment.end);
      if (segment.unknown && id == kEbml) break;  // a second (chained) Segment begins: ignored
      const Element child = element_at(in_, pos, segment.end);
      if (child.id == kCluster) {
        pos = cluster(child, segment.end);
        continue;
      }
      if (child.unknown) refuse(Code::malformed, "element " + hex(child.id) + " has an unknown size");
      if (child.id == kTracks) tracks(child);
      pos = child.end;
    }
    if (!writer_) refuse(Code::no_audio, "the WebM file has no Tracks");
    if (writer_->packets() == 0) refuse(Code::no_audio, "the recording holds no audio");
    if (writer_->samples() - trim_if_last_ < pre_skip_)
      refuse(Code::no_audio, "the recording is shorter than its Opus pre-skip");
    writer_->finish(trim_if_last_);
    OggOpus result;
    result.granule = writer_->samples() - trim_if_last_;
    result.packets = writer_->packets();
    result.channels = channels_;
    result.pre_skip = pre_skip_;
    result.bytes = std::move(out_);
    return result;
  }

 private:
  static std::string printable(Bytes b) {
    std::string s;
    for (char c : b) s.push_back(c >= 0x20 && c < 0x7F ? c : '?');
    return s;
  }

  void tracks(const Element& e) {
    if (writer_) refuse(Code::malformed, "the WebM file has two Tracks elements");
    struct Track {
      std::uint64_t number{0}, type{0};
      Bytes codec, head;
      bool encoded{false};
      std::optional<std::uint64_t> channels;
    };
    Track first;
    std::size_t count = 0;
    bool video = false;
    each_child(in_, e, [&](const Element& entry) {
      if (entry.id != kTrackEntry) return;
      Track t;
      each_child(in_, entry, [&](const Element& c) {
        switch (c.id) {
          case kTrackNumber: t.number = unsigned_of(in_, c); break;
          case kTrackType: t.type = unsigned_of(in_, c); break;
          case kCodecId: t.codec = c.bytes(in_); break;
          case kCodecPrivate: t.head = c.bytes(in_); break;
          case kContentEncodings: t.encoded = true; break;
          case kAudio:
            each_child(in_, c, [&](const Element& a) {
              if (a.id == kChannels) t.channels = unsigned_of(in_, a);
            });
            break;
          default: break;
        }
      });
      if (t.type == kVideoTrack || t.codec.substr(0, 2) == "V_") video = true;
      if (count++ == 0) first = t;
    });
    if (video) refuse(Code::not_audio_only, "the recording has a video track: a voice message is audio only");
    if (count == 0) refuse(Code::no_audio, "the WebM file has no track");
    if (count > 1)
      refuse(Code::several_tracks, "the WebM file has " + std::to_string(count) + " tracks: a voice recording has one");
    if (first.type != kAudioTrack) refuse(Code::not_audio_only, "the WebM file's track is not audio");
    if (first.codec != "A_OPUS")
      refuse(Code::not_opus, "the recording's audio is " + printable(first.codec.substr(0, 32)) + ", not Opus");
    if (first.encoded) refuse(Code::malformed, "the audio track is compressed or encrypted (ContentEncodings)");
    if (first.number == 0) refuse(Code::malformed, "the audio track has no TrackNumber");
    check_opus_head(first.head);
    channels_ = byte(first.head, 9);
    pre_skip_ = static_cast<std::uint16_t>(byte(first.head, 10) | byte(first.head, 11) << 8);
    if (first.channels && *first.channels != channels_)
      refuse(Code::bad_opus_head, "the track's Channels and its OpusHead disagree");
    track_ = first.number;
    writer_.emplace(ogg_crc32(in_), out_);
    out_.reserve(in_.size() + in_.size() / 16 + 4096);
    writer_->headers(first.head, kVendor);
  }

  // Returns where the cluster ends.
  std::size_t cluster(const Element& c, std::size_t segment_end) {
    if (!writer_) refuse(Code::malformed, "a Cluster comes before the Tracks");
    const std::size_t limit = c.unknown ? segment_end : c.end;
    std::size_t pos = c.data;
    while (pos < limit) {
      if (c.unknown && ends_cluster(id_at(in_, pos, limit).first)) break;
      const Element child = element_at(in_, pos, limit);
      if (child.unknown) refuse(Code::malformed, "element " + hex(child.id) + " in a Cluster has an unknown size");
      if (child.id == kSimpleBlock) {
        block(child.bytes(in_));
        trim_if_last_ = 0;
      } else if (child.id == kBlockGroup) {
        block_group(child);
      }
      pos = child.end;
    }
    return c.unknown ? pos : c.end;
  }

  void block_group(const Element& g) {
    std::optional<Bytes> data;
    std::optional<std::int64_t> discard_ns;
    each_child(in_, g, [&](const Element& c) {
      if (c.id == kBlock) {
        if (data) refuse(Code::malformed, "a BlockGroup with two Blocks");
        data = c.bytes(in_);
      } else if (c.id == kDiscardPadding) {
        discard_ns = signed_of(in_, c);
      }
    });
    if (!data) refuse(Code::malformed, "a BlockGroup without a Block");
    const std::uint64_t samples = block(*data);
    trim_if_last_ = 0;
    if (discard_ns) {
      if (*discard_ns < 0 || *discard_ns > 1'000'000'000)
        refuse(Code::malformed, "a DiscardPadding outside 0..1 s");
      const std::uint64_t trim = (static_cast<std::uint64_t>(*discard_ns) * 48 + 500'000) / 1'000'000;
      if (trim > samples) refuse(Code::malformed, "a DiscardPadding longer than its block");
      trim_if_last_ = static_cast<std::uint32_t>(trim);
    }
  }

  // A Block's or SimpleBlock's data: its packets go to the writer. Returns their samples.
  std::uint64_t block(Bytes b) {
    const Vint track = vint_at(b, 0, b.size());
    if (b.size() - track.length < 3) refuse(Code::truncated, "a block ends inside its header");
    if (track.value != track_)
      refuse(Code::malformed, "a block of track " + std::to_string(track.value) + ", which the file does not declare");
    const std::uint8_t flags = byte(b, track.length + 2);
    const Bytes payload = b.substr(track.length + 3);
    const unsigned lacing = flags >> 1 & 0x03;
    if (lacing == 0) return packet(payload);
    if (payload.empty()) refuse(Code::malformed, "a laced block without its frame count");
    const std::size_t frames = std::size_t{byte(payload, 0)} + 1;
    std::size_t pos = 1;
    std::array<std::size_t, 256> sizes{};
    std::size_t total = 0;  // of the sizes before the last
    auto account = [&](std::size_t i, std::size_t size) {
      if (size > payload.size() || total + size > payload.size())
        refuse(Code::malformed, "a laced block whose frames are larger than the block");
      sizes[i] = size;
      total += size;
    };
    if (lacing == 1) {  // Xiph
      for (std::size_t i = 0; i + 1 < frames; ++i) {
        std::size_t size = 0;
        std::uint8_t v;
        do {
          if (pos >= payload.size()) refuse(Code::malformed, "a block's Xiph lacing is cut short");
          v = byte(payload, pos++);
          size += v;
        } while (v == 255);
        account(i, size);
      }
    } else if (lacing == 3) {  // EBML: the first size, then signed differences
      std::int64_t previous = 0;
      for (std::size_t i = 0; i + 1 < frames; ++i) {
        const Vint v = vint_at(payload, pos, payload.size());
        pos += v.length;
        std::int64_t size = static_cast<std::int64_t>(v.value);
        if (i > 0) size = previous + size - ((std::int64_t{1} << (7 * v.length - 1)) - 1);
        if (size < 0) refuse(Code::malformed, "a block's EBML lacing gives a negative size");
        account(i, static_cast<std::size_t>(size));
        previous = size;
      }
    } else {  // fixed size
      if ((payload.size() - pos) % frames != 0)
        refuse(Code::malformed, "a fixed-size laced block does not divide evenly");
      for (std::size_t i = 0; i + 1 < frames; ++i) account(i, (payload.size() - pos) / frames);
    }
    if (total > payload.size() - pos) refuse(Code::malformed, "a laced block whose frames are larger than the block");
    sizes[frames - 1] = payload.size() - pos - total;
    std::uint64_t samples = 0;
    for (std::size_t i = 0; i < frames; ++i) {
      samples += packet(payload.substr(pos, sizes[i]));
      pos += sizes[i];
    }
    return samples;
  }

  std::uint32_t packet(Bytes p) {
    if (p.size() > kMaxOpusPacketBytes)
      refuse(Code::bad_packet, "an Opus packet of " + std::to_string(p.size()) + " bytes (RFC 6716 allows far less)");
    const auto samples = opus_packet_samples(p);
    if (!samples) refuse(Code::bad_packet, p.empty() ? "an empty Opus packet" : "an Opus packet with an invalid TOC");
    writer_->audio(p, *samples);
    return *samples;
  }

  const Bytes in_;
  std::string out_;
  std::optional<OggOpusWriter> writer_;  // from the Tracks on
  std::uint64_t track_{0};
  std::uint8_t channels_{0};
  std::uint16_t pre_skip_{0};
  std::uint32_t trim_if_last_{0};  // the last block's DiscardPadding, in samples
};

}  // namespace

std::string_view to_string(WebmOpusErrorCode code) {
  switch (code) {
    case Code::too_large: return "too_large";
    case Code::not_webm: return "not_webm";
    case Code::truncated: return "truncated";
    case Code::malformed: return "malformed";
    case Code::not_audio_only: return "not_audio_only";
    case Code::several_tracks: return "several_tracks";
    case Code::not_opus: return "not_opus";
    case Code::bad_opus_head: return "bad_opus_head";
    case Code::bad_packet: return "bad_packet";
    case Code::no_audio: return "no_audio";
  }
  return "malformed";
}

std::variant<OggOpus, WebmOpusError> webm_opus_to_ogg(std::string_view webm) {
  if (webm.size() > kMaxWebmOpusBytes)
    return WebmOpusError{Code::too_large, "a voice recording is at most 16 MB (WhatsApp's audio limit)"};
  try {
    return Remuxer(webm).run();
  } catch (const Refused& r) {
    return r.error;
  }
}

}  // namespace contactd::attachments
