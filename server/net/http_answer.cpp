// Answers on the API port: a response made by a handler, or a file streamed
// from disk in pieces (a Range of one range honoured). After the answer the
// connection reads the next request, or closes.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "net/http_session.h"
#include "net/once.h"

namespace contactd::net {
namespace {

// Field names and values from handlers go out as they are, less anything
// that could end the field (CR, LF, NUL): no handler can split a response.
std::string field_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\r' && c != '\n' && c != '\0') out += c;
  return out;
}

template <class Message>
void set_fields(Message& m, std::string_view content_type, const std::vector<Field>& fields) {
  m.set(http::field::server, "contactd");
  m.set(http::field::content_type, field_text(content_type));
  for (const auto& [name, value] : fields) {
    const std::string n = field_text(name);
    if (n.empty() || n.find_first_of(" \t:") != std::string::npos) continue;
    m.insert(n, field_text(value));
  }
}

http::status status_of(int code) {
  return code >= 100 && code <= 599 && code != 101 ? static_cast<http::status>(code) : http::status::internal_server_error;
}

}  // namespace

struct HttpSession::FileWrite {
  ~FileWrite() {
    if (fd >= 0) ::close(fd);
  }
  int fd{-1};
  std::uint64_t offset{0};
  std::uint64_t remaining{0};
  std::vector<char> piece;
  http::response<http::buffer_body> response;
  std::optional<http::response_serializer<http::buffer_body>> serializer;
};

Responder HttpSession::responder() {
  return Responder(std::make_shared<Once<Answer>>(
      on_strand([](HttpSession& self, Answer a) { self.answer(std::move(a)); }),
      [] { return Answer(Response::text(500, "the request was not answered\n")); }));
}

void HttpSession::answer(Answer a) {
  if (auto* file = std::get_if<FileResponse>(&a)) return write_file(std::move(*file));
  write_response(std::move(std::get<Response>(a)));
}

void HttpSession::write_response(Response r) {
  ++exchange_;  // answered: nothing else is for this request
  auto res = std::make_shared<http::response<http::string_body>>(status_of(r.status), version_);
  set_fields(*res, r.content_type, r.headers);
  res->keep_alive(keep_alive_ && !body_unread_);
  res->body() = std::move(r.body);
  res->prepare_payload();
  stream_.expires_after(state_->options.handshake_timeout);
  http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
    self->answered(!ec);
  });
}

// The file is read in kChunkBytes pieces on the strand (a page-cache read of
// one piece at a time); each piece must reach the client within the
// handshake timeout.
void HttpSession::write_file(FileResponse f) {
  const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    const bool missing = fd < 0 && errno == ENOENT;
    if (fd >= 0) ::close(fd);
    if (!missing) spdlog::warn("cannot serve file {}: not a readable regular file", f.path);
    return write_response(missing ? Response::text(404, "no such file\n") : Response::text(500, "cannot read the file\n"));
  }
  auto w = std::make_shared<FileWrite>();
  w->fd = fd;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  const std::string* range = head_.header("Range");
  const auto wanted = range ? parse_range(*range, size) : std::variant<WholeBody, ByteRange, Unsatisfiable>(WholeBody{});
  if (std::holds_alternative<Unsatisfiable>(wanted)) {
    auto r = Response::text(416, "range not satisfiable\n");
    r.headers = {{"Content-Range", "bytes */" + std::to_string(size)}};
    return write_response(std::move(r));
  }
  ++exchange_;
  auto& res = w->response;
  res.version(version_);
  set_fields(res, f.content_type, f.headers);
  if (!f.content_disposition.empty()) res.set(http::field::content_disposition, field_text(f.content_disposition));
  res.set(http::field::accept_ranges, "bytes");
  w->remaining = size;
  res.result(http::status::ok);
  if (const auto* r = std::get_if<ByteRange>(&wanted)) {
    res.result(http::status::partial_content);
    res.set(http::field::content_range, "bytes " + std::to_string(r->first) + "-" +
                                            std::to_string(r->first + r->length - 1) + "/" + std::to_string(size));
    w->offset = r->first;
    w->remaining = r->length;
  }
  res.content_length(w->remaining);
  res.keep_alive(keep_alive_ && !body_unread_);
  res.body().data = nullptr;
  res.body().more = true;
  w->piece.resize(std::min<std::uint64_t>(kChunkBytes, std::max<std::uint64_t>(w->remaining, 1)));
  w->serializer.emplace(res);
  file_ = std::move(w);
  stream_.expires_after(state_->options.handshake_timeout);
  http::async_write_header(stream_, *file_->serializer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec) return self->answered(false);
    self->write_file_piece();
  });
}

void HttpSession::write_file_piece() {
  auto& w = *file_;
  auto& body = w.response.body();
  if (w.remaining == 0) {
    body.data = nullptr;
    body.size = 0;
    body.more = false;
  } else {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(w.remaining, w.piece.size()));
    const ssize_t n = ::pread(w.fd, w.piece.data(), want, static_cast<off_t>(w.offset));
    if (n <= 0) {  // the file shrank or failed under us: the promised length cannot be kept
      spdlog::warn("file response cut short at byte {}", w.offset);
      return answered(false);
    }
    w.offset += static_cast<std::uint64_t>(n);
    w.remaining -= static_cast<std::uint64_t>(n);
    body.data = w.piece.data();
    body.size = static_cast<std::size_t>(n);
    body.more = w.remaining > 0;
  }
  stream_.expires_after(state_->options.handshake_timeout);
  http::async_write(stream_, *w.serializer, [self = shared_from_this()](beast::error_code ec, std::size_t) {
    if (ec == http::error::need_buffer) ec = {};
    if (ec) return self->answered(false);
    if (self->file_->serializer->is_done()) return self->answered(true);
    self->write_file_piece();
  });
}

// The answer is out (or could not be written): the next request, or the end.
void HttpSession::answered(bool ok) {
  const bool keep = ok && keep_alive_ && !body_unread_;
  file_.reset();
  if (!ok) {
    beast::error_code ignored;
    stream_.socket().close(ignored);
    return;
  }
  if (!keep) return body_unread_ ? close_and_linger() : close();
  read();
}

}  // namespace contactd::net
