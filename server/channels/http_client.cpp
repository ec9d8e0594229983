// HttpClient (http_client.h): the pool that decides which request goes over
// which connection (idle, new, or the first to free up), and the public API.
// One connection's work is in http_connection.cpp.
#include "channels/http_client.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/url/parse.hpp>
#include <stdexcept>

#include "channels/http_pool.h"

namespace contactd::channels {
namespace http_detail {
namespace {

Origin parse_origin(const std::string& text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || (url->scheme() != "http" && url->scheme() != "https") || url->host_address().empty())
    throw std::invalid_argument("not an http:// or https:// URL: \"" + text + "\"");
  Origin o;
  o.tls = url->scheme() == "https";
  o.host_header = std::string(url->encoded_host_and_port());
  o.address = std::string(url->host_address());
  o.port = url->has_port() ? std::string(url->port()) : (o.tls ? "443" : "80");
  o.prefix = std::string(url->encoded_path());
  while (!o.prefix.empty() && o.prefix.back() == '/') o.prefix.pop_back();
  return o;
}

// Peer verification on: the system trust store plus `options.ca_file`.
std::shared_ptr<ssl::context> make_tls_context(const HttpClientOptions& options) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
  if (!options.verify_tls) {
    context->set_verify_mode(ssl::verify_none);
    return context;
  }
  context->set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  context->set_default_verify_paths(ec);  // none on the machine: ca_file may still do
  if (!options.ca_file.empty()) {
    context->load_verify_file(options.ca_file, ec);
    if (ec) throw std::invalid_argument("cannot load the CA file " + options.ca_file + ": " + ec.message());
  }
  return context;
}

}  // namespace

Pool::Pool(net::io_context& io, HttpClientOptions options)
    : io(io),
      options(std::move(options)),
      origin(parse_origin(this->options.base_url)),
      tls(origin.tls ? make_tls_context(this->options) : nullptr) {}

ExchangePtr Pool::pop_waiter() {
  auto x = std::move(waiting_.front());
  waiting_.pop_front();
  x->queued = false;
  auto* timer = x->queue_timer.get();
  net::post(timer->get_executor(), [x] { x->queue_timer->cancel(); });
  return x;
}

void Pool::start(ExchangePtr x) {
  std::shared_ptr<Connection> connection;
  bool fresh = false;
  std::vector<std::shared_ptr<Connection>> expired;
  {
    std::lock_guard lock(mu);
    if (closed_) return fail_later(std::move(x), {HttpError::shut_down, HttpDelivery::not_sent, "client shut down"});
    const auto now = Clock::now();
    while (!connection && !idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      c->idle = false;
      if (now < c->idle_until) {
        connection = std::move(c);
      } else {
        --open_;
        expired.push_back(std::move(c));
      }
    }
    if (!connection && open_ < std::max<std::size_t>(options.max_connections, 1)) {
      ++open_;
      fresh = true;
      connection = make_connection();
    }
    if (!connection) {
      x->queued = true;
      x->queue_timer = std::make_unique<net::steady_timer>(net::make_strand(io), x->deadline);
      x->queue_timer->async_wait([self = shared_from_this(), x](beast::error_code ec) {
        if (!ec) self->give_up_waiting(x);
      });
      waiting_.push_back(std::move(x));
    }
  }
  for (auto& c : expired) c->close();
  if (!connection) return;
  if (fresh)
    connection->open(std::move(x));
  else
    connection->reuse(std::move(x));
}

void Pool::give_up_waiting(const ExchangePtr& x) {
  {
    std::lock_guard lock(mu);
    if (!x->queued) return;
    x->queued = false;
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), x));
  }
  finish(x, HttpFailure{HttpError::timeout, HttpDelivery::not_sent, "no free connection in time"});
}

void Pool::release(const std::shared_ptr<Connection>& c, bool reusable, Clock::time_point idle_until) {
  ExchangePtr next;
  std::shared_ptr<Connection> fresh;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu);
    if (closed_) reusable = false;
    if (reusable && !waiting_.empty()) {
      next = pop_waiter();
    } else if (reusable) {
      c->idle = true;
      c->idle_until = idle_until;
      generation = ++c->generation;
      idle_.push_back(c);
    } else if (!waiting_.empty()) {
      next = pop_waiter();  // a new connection in c's place
      fresh = make_connection();
    } else {
      --open_;
    }
  }
  if (fresh)
    fresh->open(std::move(next));
  else if (next)
    c->reuse(std::move(next));
  else if (reusable)
    c->watch(generation);
}

void Pool::reopen(ExchangePtr x) {
  {
    std::lock_guard lock(mu);
    if (closed_) {
      --open_;
      return fail_later(std::move(x), {HttpError::shut_down, HttpDelivery::not_sent, "client shut down"});
    }
  }
  make_connection()->open(std::move(x));
}

bool Pool::still_idle(const Connection& c, std::uint64_t generation) {
  std::lock_guard lock(mu);
  return c.idle && c.generation == generation;
}

void Pool::drop_idle(const std::shared_ptr<Connection>& c, std::uint64_t generation) {
  {
    std::lock_guard lock(mu);
    if (!c->idle || c->generation != generation) return;
    c->idle = false;
    idle_.erase(std::find(idle_.begin(), idle_.end(), c));
    --open_;
  }
  ++stale;
  c->close();
}

void Pool::finish(const ExchangePtr& x, HttpResult result) {
  if (std::holds_alternative<HttpFailure>(result)) ++failures;
  if (x->done) std::exchange(x->done, nullptr)(std::move(result));
}

void Pool::fail_later(ExchangePtr x, HttpFailure failure) {
  net::post(io, [self = shared_from_this(), x = std::move(x), failure = std::move(failure)]() mutable {
    self->finish(x, std::move(failure));
  });
}

void Pool::shutdown() {
  std::vector<std::shared_ptr<Connection>> idle;
  std::deque<ExchangePtr> waiting;
  {
    std::lock_guard lock(mu);
    closed_ = true;
    idle.swap(idle_);
    open_ -= idle.size();
    for (auto& c : idle) c->idle = false;
    waiting.swap(waiting_);
    for (auto& x : waiting) x->queued = false;
  }
  for (auto& c : idle) c->close();
  for (auto& x : waiting) {
    net::post(x->queue_timer->get_executor(), [x] { x->queue_timer->cancel(); });
    fail_later(x, {HttpError::shut_down, HttpDelivery::not_sent, "client shut down"});
  }
}

}  // namespace http_detail

using http_detail::Clock;
using http_detail::Exchange;
using http_detail::Pool;
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

struct HttpClient::Impl {
  std::shared_ptr<Pool> pool;
};

HttpClient::HttpClient(net::io_context& io, HttpClientOptions options)
    : impl_(std::make_unique<Impl>(Impl{std::make_shared<Pool>(io, std::move(options))})) {}

HttpClient::~HttpClient() {
  impl_->pool->shutdown();
}

void HttpClient::request(HttpRequest request, HttpCallback done) {
  auto& pool = *impl_->pool;
  ++pool.requests;
  auto x = std::make_shared<Exchange>();
  x->done = std::move(done);
  x->deadline = Clock::now() + request.timeout.value_or(pool.options.request_timeout);
  auto& m = x->message;
  m.version(11);
  m.method_string(request.method);
  if (request.target.empty() || request.target.front() != '/') request.target.insert(0, "/");
  m.target(pool.origin.prefix + request.target);
  m.set(http::field::host, pool.origin.host_header);
  m.set(http::field::user_agent, "contactd");
  for (const auto& [name, value] : pool.options.default_headers) m.set(name, value);
  for (const auto& [name, value] : request.headers) m.set(name, value);
  if (request.body_source) {
    m.content_length(request.body_source->size());
    x->source = std::move(request.body_source);
  } else {
    m.body() = std::move(request.body);
    m.prepare_payload();
  }
  x->sink = std::move(request.sink);
  pool.start(std::move(x));
}

void HttpClient::request(std::string method, std::string target, HttpHeaders headers, std::string body,
                         HttpCallback done) {
  request(HttpRequest{std::move(method), std::move(target), std::move(headers), std::move(body), std::nullopt},
          std::move(done));
}

HttpClientStats HttpClient::stats() const {
  const auto& p = *impl_->pool;
  return HttpClientStats{p.requests, p.opened, p.reused, p.stale, p.resent, p.failures};
}

const HttpClientOptions& HttpClient::options() const {
  return impl_->pool->options;
}

std::string check_ca_file(const std::string& path) {
  ssl::context probe(ssl::context::tls_client);
  beast::error_code ec;
  probe.load_verify_file(path, ec);
  return ec ? ec.message() : std::string();
}

}  // namespace contactd::channels
