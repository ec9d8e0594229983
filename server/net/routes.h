#pragma once
// The routes of the API port: what each (method, path) is served by. Plain
// C++ (strings and std::function), no Beast: handlers live in the API, the
// channels and the app, and only net/ speaks HTTP.
//
// A path is exact ("/healthz") or, ending in '*', a prefix ("/media/*"
// matches "/media/" and every path under it). An exact path wins over a
// prefix, a longer prefix over a shorter one. A path with no route: 404; a
// route for the path but not for the method: 405 with Allow.
//
// Kinds of route:
//   buffered   the body (at most the route's limit, else 413 and the handler
//              is not called) is read whole and handed over with the head;
//              the handler answers through a Responder, at once or later.
//   streaming  the handler sees the head first and accepts the body or
//              refuses (its answer is sent and no body is read); the body
//              then comes in chunks of at most kChunkBytes, each acknowledged
//              before the next is read, so an upload never sits in memory.
//   websocket  an upgrade to a WebSocket whose frames go to a FrameHandler.
// A handler may answer with a file (FileResponse): it is streamed from disk,
// honouring a single-range Range header (206, or 416 when unsatisfiable).
//
// Handlers are called on the connection's strand; Responder, StreamDecision
// and ChunkAck may be used from any thread.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "net/peer.h"

namespace contactd::net {

using Field = std::pair<std::string, std::string>;

struct RequestHead {
  std::string method;          // as sent: "GET", "POST"...
  std::string target;          // as sent: path and query
  std::string path;            // the target up to '?', as sent (not percent-decoded)
  std::vector<Field> query;    // percent-decoded ('+' is a space), in order
  std::vector<Field> headers;  // in order, names as sent
  std::string peer_address;    // "127.0.0.1", "::1"
  std::optional<std::uint64_t> content_length;  // none: chunked, or no body

  // The first value of the header `name` (any case) / of the query
  // parameter `name`; null when absent.
  const std::string* header(std::string_view name) const;
  const std::string* parameter(std::string_view name) const;
};

struct Response {
  int status{200};
  std::string content_type{"text/plain"};
  std::vector<Field> headers;  // more fields: Location, Cache-Control...
  std::string body;

  static Response text(int status, std::string body);
  static Response json(int status, std::string body);
};

// A file streamed from disk, never loaded whole. A Range header of one range
// gets 206 with that range (or 416 when it starts past the end); several
// ranges are answered with the whole file (RFC 9110 §14.2 allows it).
struct FileResponse {
  std::string path;  // a regular file, opened when the answer is written: missing, 404
  std::string content_type{"application/octet-stream"};
  std::string content_disposition;  // e.g. `attachment; filename="a.pdf"`; empty: none
  std::vector<Field> headers;
};

using Answer = std::variant<Response, FileResponse>;

template <class T>
class Once;  // net/once.h: a callback run at most once, with a fallback when dropped

// The way to answer one request. Copyable; the first answer wins (later ones
// return false). When every copy is gone unanswered, the client gets 500.
class Responder {
 public:
  explicit Responder(std::shared_ptr<Once<Answer>> once) : once_(std::move(once)) {}
  bool respond(Answer answer) const;

 private:
  std::shared_ptr<Once<Answer>> once_;
};

// Lets the connection read the next chunk of a streaming body. Call it once;
// dropped uncalled, the upload is aborted (BodySink::on_abort, then 500).
class ChunkAck {
 public:
  explicit ChunkAck(std::shared_ptr<Once<bool>> once) : once_(std::move(once)) {}
  void operator()() const;

 private:
  std::shared_ptr<Once<bool>> once_;
};

// Where a streaming route's body goes. Calls come one at a time, in order.
class BodySink {
 public:
  virtual ~BodySink() = default;
  // The next piece of the body (1 to kChunkBytes bytes), valid until `ack`
  // is called; nothing more is read before.
  virtual void on_chunk(std::string_view bytes, ChunkAck ack) = 0;
  // The whole body arrived.
  virtual void on_end(Responder responder) = 0;
  // The body will not arrive whole: over the route's limit, malformed, or
  // the client went away or stopped sending. The connection answers the
  // client itself (413, 400) where it still can. Nothing follows.
  virtual void on_abort(std::string_view reason) = 0;
};

using SinkPtr = std::shared_ptr<BodySink>;

// A streaming route's answer to a head: a sink to read the body into, or an
// answer sent at once (no body is read). Copyable; the first decision wins;
// when every copy is gone undecided, the client gets 500.
class StreamDecision {
 public:
  explicit StreamDecision(std::shared_ptr<Once<std::variant<SinkPtr, Answer>>> once) : once_(std::move(once)) {}
  bool accept(SinkPtr sink) const;
  bool refuse(Answer answer) const;

 private:
  std::shared_ptr<Once<std::variant<SinkPtr, Answer>>> once_;
};

using BufferedHandler = std::function<void(const RequestHead& head, std::string body, Responder responder)>;
using StreamingHandler = std::function<void(const RequestHead& head, StreamDecision decision)>;
struct WebSocketEndpoint {
  FrameHandler* handler;
  bool binary;  // binary frames (the protobuf API) or text (WebChat)
};

inline constexpr std::size_t kChunkBytes = 64 * 1024;
// What a request whose route takes no body may still carry (read and dropped).
inline constexpr std::uint64_t kSmallBodyBytes = 8 * 1024;

struct BodyLimits {
  std::uint64_t max_bytes{kSmallBodyBytes};  // more: 413
  // The whole body must arrive within this after the head (streamed: with
  // no pause longer than the server's handshake timeout either). The
  // default suits small bodies; a route for large ones sets more.
  std::chrono::seconds deadline{10};
};

struct Route {
  std::vector<std::string> methods;  // "GET", "POST"...
  std::string path;                  // exact, or a prefix ending in '*'
  BodyLimits limits;
  std::variant<BufferedHandler, StreamingHandler, WebSocketEndpoint> handler;
};

class RouteTable {
 public:
  // REQUIRES: every method upper-case; no other route for the same path
  // already takes one of `methods`.
  void buffered(std::vector<std::string> methods, std::string path, BodyLimits limits, BufferedHandler handler);
  void streaming(std::vector<std::string> methods, std::string path, BodyLimits limits, StreamingHandler handler);
  // GET with an upgrade.
  void websocket(std::string path, FrameHandler& handler, bool binary);
  // A fixed document for GET.
  void page(std::string path, std::string content_type, std::string body);

  struct Match {
    const Route* route{nullptr};  // null: 404 when `allow` is empty, else 405
    std::string allow;            // for 405: the path's methods, "GET, POST"
  };
  Match find(std::string_view method, std::string_view path) const;

 private:
  void add(Route route);
  std::vector<Route> routes_;
};

// Splits a query string ("a=1&b=x%20y") into decoded fields; a malformed
// escape is kept as sent.
std::vector<Field> decode_query(std::string_view query);

// A Range header applied to a representation of `size` bytes.
struct ByteRange {
  std::uint64_t first{0};
  std::uint64_t length{0};
};
struct WholeBody {};     // no usable Range: 200 with everything
struct Unsatisfiable {};  // 416 with Content-Range: bytes */size
std::variant<WholeBody, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size);

}  // namespace contactd::net
