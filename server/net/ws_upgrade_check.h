#pragma once
// The checks a WebSocket opening handshake must pass before it is accepted
// (RFC 6455 §4.2.1, §4.2.2): a Sec-WebSocket-Key that is the base64 of 16
// bytes (else 400), Sec-WebSocket-Version 13 (else 426 with the supported
// version), and an Origin on the configured allow-list when the list is not
// empty (else 403; requests without Origin, from non-browser clients, pass).
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/http_framing.h"

namespace contactd::net {

bool is_valid_websocket_key(std::string_view key);

std::optional<FramingRefusal> check_websocket_upgrade(
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    const std::vector<std::string>& allowed_origins);

}  // namespace contactd::net
