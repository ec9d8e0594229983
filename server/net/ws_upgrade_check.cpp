#include "net/ws_upgrade_check.h"

#include <algorithm>

#include "net/ascii.h"

namespace contactd::net {

namespace http = boost::beast::http;

namespace {

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

bool is_valid_websocket_key(std::string_view key) {
  // 16 bytes encode as 22 characters and "==", the last character carrying
  // 2 bits of data and 4 zero bits (one of A, Q, g, w).
  if (key.size() != 24 || key.substr(22) != "==") return false;
  if (!std::all_of(key.begin(), key.begin() + 22, is_base64_char)) return false;
  return std::string_view("AQgw").find(key[21]) != std::string_view::npos;
}

std::optional<FramingRefusal> check_websocket_upgrade(const http::request<http::string_body>& request,
                                                      const std::vector<std::string>& allowed_origins) {
  if (request.count(http::field::sec_websocket_version) != 1 || request[http::field::sec_websocket_version] != "13")
    return FramingRefusal{http::status::upgrade_required, "Sec-WebSocket-Version 13 required\n"};
  if (request.count(http::field::sec_websocket_key) != 1 ||
      !is_valid_websocket_key(request[http::field::sec_websocket_key]))
    return FramingRefusal{http::status::bad_request, "Sec-WebSocket-Key must be the base64 of 16 bytes\n"};
  if (!allowed_origins.empty() && request.count(http::field::origin) > 0) {
    const auto origin = request[http::field::origin];
    const bool allowed = request.count(http::field::origin) == 1 &&
                         std::any_of(allowed_origins.begin(), allowed_origins.end(), [&](const std::string& o) {
                           return iequals(o, std::string_view(origin.data(), origin.size()));
                         });
    if (!allowed) return FramingRefusal{http::status::forbidden, "origin not allowed\n"};
  }
  return std::nullopt;
}

}  // namespace contactd::net
