#include "harness/http.h"

#include <poll.h>
#include <sys/socket.h>
#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>

namespace contactd::test {

HttpReply http_get(std::uint16_t port, const std::string& target) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(socket, buffer, res);
  return HttpReply{static_cast<int>(res.result_int()), res.body()};
}

bool RawHttpExchange::has_header(const std::string& line) const {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  return lower(text).find("\r\n" + lower(line) + "\r\n") != std::string::npos;
}

RawHttpExchange raw_http(std::uint16_t port, const std::string& bytes, std::chrono::milliseconds limit,
                         const std::string& source) {
  namespace net = boost::asio;
  net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.open(net::ip::tcp::v4());
  socket.bind({net::ip::make_address(source), 0});
  RawHttpExchange out;
  boost::system::error_code ec;
  socket.connect({net::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) {
    out.closed = true;
    return out;
  }
  net::write(socket, net::buffer(bytes), ec);
  const int fd = socket.native_handle();
  const auto deadline = std::chrono::steady_clock::now() + limit;
  char buf[4096];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) {
      out.closed = true;  // FIN or reset
      break;
    }
    out.text.append(buf, static_cast<std::size_t>(n));
  }
  if (out.text.rfind("HTTP/1.", 0) == 0 && out.text.size() >= 12) out.status = std::atoi(out.text.substr(9, 3).c_str());
  for (std::size_t pos = 0; (pos = out.text.find("HTTP/1.1 ", pos)) != std::string::npos; pos += 9) ++out.responses;
  return out;
}

}  // namespace contactd::test
