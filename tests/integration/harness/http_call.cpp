#include "harness/http_call.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <optional>

namespace contactd::test {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Connects `stream`'s lowest layer, runs `exchange` and the io until done.
template <class Stream>
HttpCallReply exchange(net::io_context& io, Stream& stream, const tcp::resolver::results_type& endpoints,
                       http::request<http::string_body>& req, std::chrono::milliseconds timeout) {
  HttpCallReply out;
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto& lowest = beast::get_lowest_layer(stream);
  lowest.expires_after(timeout);
  auto fail = [&](const std::string& what, beast::error_code ec) { out.error = what + ": " + ec.message(); };
  auto read = [&] {
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) return fail("write", ec);
      http::async_read(stream, buffer, res, [&](beast::error_code ec2, std::size_t) {
        if (ec2) return fail("read", ec2);
        out.status = static_cast<int>(res.result_int());
        for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
        out.body = res.body();
      });
    });
  };
  lowest.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
    if (ec) return fail("connect", ec);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      read();
    } else {
      stream.async_handshake(ssl::stream_base::client, [&](beast::error_code ec2) {
        if (ec2) return fail("TLS handshake", ec2);
        read();
      });
    }
  });
  io.run();
  return out;
}

}  // namespace

HttpCallReply http_call(const std::string& method, const std::string& url, const HttpCallOptions& options) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return {0, "not a URL: " + url};
  const bool tls = parsed->scheme() == "https";
  net::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  auto endpoints = resolver.resolve(std::string(parsed->host_address()),
                                    parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80"), ec);
  if (ec) return {0, "resolve: " + ec.message()};
  std::string target(parsed->encoded_path().empty() ? "/" : parsed->encoded_path());
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, std::string(parsed->encoded_host_and_port()));
  for (const auto& [name, value] : options.headers) req.set(name, value);
  req.body() = options.body;
  req.prepare_payload();
  if (!tls) {
    beast::tcp_stream stream(io);
    return exchange(io, stream, endpoints, req, options.timeout);
  }
  ssl::context context(ssl::context::tls_client);
  context.set_verify_mode(ssl::verify_peer);
  if (!options.ca_file.empty()) context.load_verify_file(options.ca_file, ec);
  if (ec) return {0, "CA file: " + ec.message()};
  beast::ssl_stream<beast::tcp_stream> stream(io, context);
  return exchange(io, stream, endpoints, req, options.timeout);
}

}  // namespace contactd::test
