#include "media/sdp.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace contactd::media {
namespace {

std::vector<std::string_view> words(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<long> number(std::string_view s) {
  long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// RFC 4566 token: visible characters except the separators SDP uses.
bool token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`{|}~").find(c) != std::string_view::npos;
  });
}

// An m= line's protocol: tokens joined by '/' (RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF).
bool protocol_name(std::string_view s) {
  std::size_t start = 0;
  while (true) {
    const auto slash = s.find('/', start);
    if (!token(s.substr(start, slash - start))) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool same_text(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

// The encoding of payload type `pt` in `m`: its rtpmap, or the static one.
std::string encoding_of(const SdpMedia& m, int pt, int* rate) {
  for (const auto& r : m.rtpmaps)
    if (r.payload_type == pt) {
      *rate = r.clock_rate;
      return r.encoding;
    }
  *rate = 8000;
  if (pt == 0) return "PCMU";
  if (pt == 8) return "PCMA";
  return "";
}

}  // namespace

std::string_view to_string(Direction d) {
  switch (d) {
    case Direction::sendrecv: return "sendrecv";
    case Direction::sendonly: return "sendonly";
    case Direction::recvonly: return "recvonly";
    case Direction::inactive: return "inactive";
  }
  return "sendrecv";
}

Direction mirror(Direction d) {
  if (d == Direction::sendonly) return Direction::recvonly;
  if (d == Direction::recvonly) return Direction::sendonly;
  return d;
}

std::variant<SessionDescription, std::string> parse_sdp(std::string_view text) {
  if (text.size() > kMaxSdpBytes) return "larger than " + std::to_string(kMaxSdpBytes) + " bytes";
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')) return std::string("a CR not followed by LF");
    if ((c < 0x20 && c != '\r' && c != '\n' && c != '\t') || c == 0x7f)
      return c == 0 ? std::string("a NUL byte") : "a control character (" + std::to_string(c) + ")";
  }
  if (!text.empty() && text.back() != '\n') return std::string("the last line does not end with CRLF");
  SessionDescription sd;
  std::string session_address;
  AddressKind session_kind{AddressKind::malformed};
  Direction session_direction = Direction::sendrecv;
  bool version_seen = false, origin_seen = false;
  std::size_t line_number = 0;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (++line_number > kMaxSdpLines) return "more than " + std::to_string(kMaxSdpLines) + " lines";
    if (line.empty()) continue;
    const std::string where = "line " + std::to_string(line_number);
    if (line.size() > kMaxSdpLineBytes) return where + " is longer than " + std::to_string(kMaxSdpLineBytes) + " bytes";
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') return where + " is not type=value";
    const char type = line[0];
    const std::string_view value = line.substr(2);
    SdpMedia* media = sd.media.empty() ? nullptr : &sd.media.back();
    switch (type) {
      case 'v':
        if (value != "0") return std::string("unsupported SDP version");
        version_seen = true;
        break;
      case 'o': {
        const auto w = words(value);
        if (w.size() != 6) return std::string("malformed o= line");
        sd.origin_session = std::string(w[1]);
        const auto v = number(w[2]);
        if (!v || *v < 0) return std::string("malformed o= version");
        sd.origin_version = static_cast<std::uint64_t>(*v);
        origin_seen = true;
        break;
      }
      case 'c': {
        const auto w = words(value);
        if (w.size() != 3 || w[0] != "IN" || (w[1] != "IP4" && w[1] != "IP6")) return std::string("malformed c= line");
        const std::string_view address = w[2].substr(0, w[2].find('/'));  // drop a multicast TTL
        const AddressKind kind = classify_address(w[1], address);
        if (kind == AddressKind::malformed) return std::string("malformed c= address");
        (media ? media->address : session_address) = std::string(address);
        (media ? media->address_kind : session_kind) = kind;
        break;
      }
      case 'm': {
        if (sd.media.size() == kMaxSdpMedia) return "more than " + std::to_string(kMaxSdpMedia) + " m= lines";
        const auto w = words(value);
        if (w.size() < 4) return std::string("malformed m= line");
        if (w.size() - 3 > kMaxSdpFormats) return "more than " + std::to_string(kMaxSdpFormats) + " formats on an m= line";
        if (!token(w[0]) || !protocol_name(w[2])) return std::string("malformed m= line");
        const auto port = number(w[1].substr(0, w[1].find('/')));
        if (!port || *port < 0 || *port > 65535) return std::string("malformed m= port");
        SdpMedia m;
        m.type = std::string(w[0]);
        m.port = static_cast<std::uint16_t>(*port);
        m.protocol = std::string(w[2]);
        for (std::size_t k = 3; k < w.size(); ++k) {
          const auto pt = number(w[k]);
          if (m.protocol.rfind("RTP/", 0) == 0 && (!pt || *pt < 0 || *pt > 127)) return std::string("malformed payload type");
          if (!token(w[k])) return std::string("malformed m= format");
          if (pt) m.formats.push_back(static_cast<int>(*pt));
        }
        m.direction = session_direction;
        sd.media.push_back(std::move(m));
        break;
      }
      case 'a': {
        const auto colon = value.find(':');
        const std::string_view name = value.substr(0, colon);
        const std::string_view arg = colon == std::string_view::npos ? std::string_view() : value.substr(colon + 1);
        if (!token(name)) return where + ": malformed a= line";
        Direction* direction = media ? &media->direction : &session_direction;
        if (name == "sendrecv") *direction = Direction::sendrecv;
        else if (name == "sendonly") *direction = Direction::sendonly;
        else if (name == "recvonly") *direction = Direction::recvonly;
        else if (name == "inactive") *direction = Direction::inactive;
        else if (name == "ptime" || name == "maxptime") {
          const auto v = number(arg);
          if (!v || *v < 1 || *v > 1000) return "malformed a=" + std::string(name);
          if (media && name == "ptime") media->ptime_ms = static_cast<int>(*v);
        } else if (name == "rtpmap") {
          const auto w = words(arg);
          const auto pt = w.empty() ? std::nullopt : number(w[0]);
          if (w.size() != 2 || !pt || *pt < 0 || *pt > 127) return std::string("malformed a=rtpmap");
          // encoding/clock rate[/channels]
          const auto slash = w[1].find('/');
          const auto second = slash == std::string_view::npos ? slash : w[1].find('/', slash + 1);
          const auto rate = slash == std::string_view::npos ? std::nullopt : number(w[1].substr(slash + 1, second - slash - 1));
          if (!rate || *rate < 1 || *rate > 1000000) return std::string("malformed a=rtpmap clock rate");
          if (second != std::string_view::npos) {
            const auto channels = number(w[1].substr(second + 1));
            if (!channels || *channels < 1 || *channels > 255) return std::string("malformed a=rtpmap channels");
          }
          if (!token(w[1].substr(0, slash))) return std::string("malformed a=rtpmap encoding");
          if (media)
            media->rtpmaps.push_back({static_cast<int>(*pt), std::string(w[1].substr(0, slash)), static_cast<int>(*rate)});
        } else if (name == "fmtp") {
          const auto space = arg.find(' ');
          const std::string_view format = arg.substr(0, space);
          const auto pt = number(format);
          const bool rtp = media && media->protocol.rfind("RTP/", 0) == 0;
          if (format.empty() || !token(format) || (rtp && (!pt || *pt < 0 || *pt > 127)))
            return std::string("malformed a=fmtp");
        } else if (name == "rtcp") {  // port [IN IP4|IP6 address] (RFC 3605)
          const auto w = words(arg);
          const auto port = w.empty() ? std::nullopt : number(w[0]);
          const bool ok = port && *port >= 0 && *port <= 65535 &&
                          (w.size() == 1 || (w.size() == 4 && w[1] == "IN" && (w[2] == "IP4" || w[2] == "IP6") &&
                                             classify_address(w[2], w[3]) != AddressKind::malformed));
          if (!ok) return std::string("malformed a=rtcp");
        }
        break;
      }
      default:
        break;  // s=, t=, b=, i=... carry nothing we use
    }
  }
  if (!version_seen || !origin_seen) return std::string("v= and o= are required");
  for (auto& m : sd.media) {
    if (m.address.empty()) {
      m.address = session_address;
      m.address_kind = session_kind;
    }
    if (m.address.empty() && m.port != 0) return std::string("a stream without a connection address (c=)");
  }
  return sd;
}

std::optional<TargetRefusal> refuse_media_target(const AudioPlan& plan) {
  switch (plan.remote_address_kind) {
    case AddressKind::unicast: break;
    case AddressKind::multicast: return TargetRefusal{330, "multicast media is not available"};
    case AddressKind::hostname: return TargetRefusal{301, "the media address must be an IP address, not a name"};
    case AddressKind::unspecified:
      return TargetRefusal{301, "the media address " + plan.remote_address + " is not one media can be sent to"};
    case AddressKind::broadcast:
    case AddressKind::malformed:
      return TargetRefusal{301, "the media address " + plan.remote_address + " is not a unicast address"};
  }
  if (plan.remote_port < 1024) return TargetRefusal{301, "the media port must be 1024 or above"};
  return std::nullopt;
}

std::variant<AudioPlan, std::string> choose_audio(const SessionDescription& offer) {
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const SdpMedia& m = offer.media[i];
    if (m.type != "audio" || m.port == 0 || m.protocol != "RTP/AVP") continue;
    AudioPlan plan;
    plan.media_index = i;
    plan.payload_type = -1;
    for (int pt : m.formats) {
      int rate = 0;
      const std::string encoding = encoding_of(m, pt, &rate);
      if (plan.payload_type < 0 && rate == 8000 && (same_text(encoding, "PCMU") || same_text(encoding, "PCMA")))
        plan.payload_type = same_text(encoding, "PCMU") ? 0 : 8;
      if (plan.telephone_event < 0 && rate == 8000 && same_text(encoding, "telephone-event")) plan.telephone_event = pt;
    }
    if (plan.payload_type < 0) continue;
    plan.remote_address = m.address;
    plan.remote_address_kind = m.address_kind;
    plan.remote_port = m.port;
    plan.remote_direction = m.direction;
    return plan;
  }
  return std::string("no common codec: contactd speaks G.711 (PCMU, PCMA) over RTP/AVP");
}

// v= o= s= c= t=: the session part of contactd's descriptions.
static std::string session_lines(const std::string& address, std::uint64_t session_id, std::uint64_t version) {
  // Appended piece by piece: g++ 12 at -O3 warns falsely (restrict) on
  // "literal" + std::string&& chains.
  const std::string family = address.find(':') == std::string::npos ? "IP4" : "IP6";
  std::string s = "v=0\r\no=contactd ";
  s += std::to_string(session_id);
  s += ' ';
  s += std::to_string(version);
  s += " IN " + family + " " + address;
  s += "\r\ns=contactd\r\nc=IN " + family + " " + address;
  s += "\r\nt=0 0\r\n";
  return s;
}

std::string write_sdp(const std::string& address, std::uint16_t port, std::uint64_t session_id, std::uint64_t version,
                      const AudioPlan& plan, Direction direction, const SessionDescription* offer) {
  std::string s = session_lines(address, session_id, version);
  const int te = plan.telephone_event >= 0 ? plan.telephone_event : 101;
  const std::size_t count = offer ? offer->media.size() : 1;
  for (std::size_t i = 0; i < count; ++i) {
    if (offer && i != plan.media_index) {  // refused, in its place (RFC 3264 section 6)
      const SdpMedia& m = offer->media[i];
      s += "m=" + m.type + " 0 " + m.protocol + " " + (m.formats.empty() ? "0" : std::to_string(m.formats.front())) + "\r\n";
      continue;
    }
    // Telephone events: always in an offer of ours; in an answer only if offered.
    const bool with_te = !offer || plan.telephone_event >= 0;
    s += "m=audio " + std::to_string(port) + " RTP/AVP " + std::to_string(plan.payload_type);
    if (with_te) {
      s += ' ';
      s += std::to_string(te);
    }
    s += "\r\n";
    s += plan.payload_type == 0 ? "a=rtpmap:0 PCMU/8000\r\n" : "a=rtpmap:8 PCMA/8000\r\n";
    if (with_te) s += "a=rtpmap:" + std::to_string(te) + " telephone-event/8000\r\na=fmtp:" + std::to_string(te) + " 0-15\r\n";
    s += "a=ptime:20\r\na=";
    s += to_string(direction);
    s += "\r\n";
  }
  return s;
}

std::string write_offer(const std::string& address, std::uint16_t port, std::uint64_t session_id, std::uint64_t version,
                        const std::vector<int>& payload_types, Direction direction) {
  std::string s = session_lines(address, session_id, version);
  s += "m=audio " + std::to_string(port) + " RTP/AVP";
  for (int pt : payload_types) {
    s += ' ';
    s += std::to_string(pt);
  }
  s += " 101\r\n";
  for (int pt : payload_types) s += pt == 0 ? "a=rtpmap:0 PCMU/8000\r\n" : "a=rtpmap:8 PCMA/8000\r\n";
  s += "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=";
  s += to_string(direction);
  s += "\r\n";
  return s;
}

}  // namespace contactd::media
