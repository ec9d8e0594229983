#pragma once
// Request framing rules of RFC 9112 that a server must enforce so that a
// proxy in front of it and this server always agree where a request ends,
// and the plain RequestHead that route handlers get from a parsed head.
// Every refusal is answered with its status and `Connection: close`, and the
// connection is closed (RFC 9112 §6.1, §6.3, §5.2). Internal to the HTTP
// session (Beast types).
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/optional/optional.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "net/routes.h"

namespace contactd::net {

// Largest request head (request line and header fields), bytes.
inline constexpr std::size_t kMaxRequestHeadBytes = 8 * 1024;

struct FramingRefusal {
  boost::beast::http::status status;
  std::string reason;  // the response body
};

// Checks a complete raw request head (up to and including the blank line)
// before it is parsed: obs-fold (a field line starting with SP or HTAB) and
// bare LF line endings are refused.
std::optional<FramingRefusal> check_request_head(std::string_view head);

// Checks the parsed header's message framing: a Transfer-Encoding whose final
// coding is not "chunked", a Transfer-Encoding together with Content-Length,
// or a Transfer-Encoding in an HTTP/1.0 request is refused.
std::optional<FramingRefusal> check_request_framing(const boost::beast::http::request_header<>& header);

// The answer to a parser error: 431 (head too large), 413 (body too large),
// 400 (any other malformed message); nothing when there is no one to answer
// (the peer left or timed out).
std::optional<FramingRefusal> refusal_for_parse_error(const boost::beast::error_code& ec);

// What route handlers see of a parsed request head.
RequestHead request_head_of(const boost::beast::http::request_header<>& request,
                            const boost::optional<std::uint64_t>& content_length, const std::string& peer_address);

}  // namespace contactd::net
