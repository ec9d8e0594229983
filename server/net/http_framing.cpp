#include "net/http_framing.h"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include "net/ascii.h"

namespace contactd::net {

namespace http = boost::beast::http;

namespace {

FramingRefusal bad_request(std::string reason) {
  return FramingRefusal{http::status::bad_request, std::move(reason)};
}

}  // namespace

std::optional<FramingRefusal> check_request_head(std::string_view head) {
  bool first_line = true;
  for (std::size_t pos = 0; pos < head.size();) {
    const auto lf = head.find('\n', pos);
    if (lf == std::string_view::npos) break;
    if (lf == 0 || head[lf - 1] != '\r') return bad_request("bare LF line ending\n");
    if (!first_line && lf > pos && (head[pos] == ' ' || head[pos] == '\t'))
      return bad_request("obsolete line folding is not accepted\n");
    if (lf > pos) first_line = false;  // blank lines before the request line are ignored
    pos = lf + 1;
  }
  return std::nullopt;
}

std::optional<FramingRefusal> check_request_framing(const http::request_header<>& header) {
  std::string_view last_coding;
  bool has_transfer_encoding = false;
  int chunked = 0;
  for (auto it = header.find(http::field::transfer_encoding);
       it != header.end() && it->name() == http::field::transfer_encoding; ++it) {
    has_transfer_encoding = true;
    for (auto coding : http::token_list(it->value())) {
      last_coding = std::string_view(coding.data(), coding.size());
      if (iequals(last_coding, "chunked")) ++chunked;
    }
  }
  if (!has_transfer_encoding) return std::nullopt;
  if (header.version() < 11) return bad_request("Transfer-Encoding is not allowed in HTTP/1.0\n");
  if (header.find(http::field::content_length) != header.end())
    return bad_request("Transfer-Encoding and Content-Length together\n");
  if (!iequals(last_coding, "chunked") || chunked != 1)
    return bad_request("Transfer-Encoding must end in chunked, applied once\n");
  return std::nullopt;
}

std::optional<FramingRefusal> refusal_for_parse_error(const boost::beast::error_code& ec) {
  if (!ec) return std::nullopt;
  if (ec == http::error::header_limit)
    return FramingRefusal{http::status::request_header_fields_too_large, "request head too large\n"};
  if (ec == http::error::body_limit) return FramingRefusal{http::status::payload_too_large, "request body too large\n"};
  if (ec.category() == make_error_code(http::error::bad_method).category() && ec != http::error::end_of_stream &&
      ec != http::error::partial_message && ec != http::error::need_more && ec != http::error::need_buffer)
    return bad_request("malformed request: " + ec.message() + "\n");
  return std::nullopt;  // eof, reset, timeout: nobody to answer
}

RequestHead request_head_of(const http::request_header<>& request, const boost::optional<std::uint64_t>& content_length,
                    const std::string& peer_address) {
  RequestHead head;
  head.method = std::string(request.method_string());
  head.target = std::string(request.target());
  const auto question = head.target.find('?');
  head.path = head.target.substr(0, question);
  if (question != std::string::npos) head.query = decode_query(std::string_view(head.target).substr(question + 1));
  for (const auto& field : request) head.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  head.peer_address = peer_address;
  if (content_length) head.content_length = *content_length;
  return head;
}

}  // namespace contactd::net
