#pragma once
// The media store over HTTP, on the API port (issue 12, R-MSG-2/3):
//
//   POST /v1/attachments?filename=<name>[&interaction=<id> | &campaign=<id>&channel=<name>]
//        Authorization: Bearer <session token>    body: the file (any length, streamed)
//     -> 201 {"id","filename","content_type","kind","size_bytes"}
//     The file goes to disk chunk by chunk, never whole in memory. Its size
//     is checked against the limit of the provider the message will go
//     through (the interaction's channel, or the campaign's channel for a new
//     outbound one; R-MSG-3/3a) while it streams, and its type by its
//     content (magic bytes) against its name. Refusals: 401 (no session),
//     403/404 (interaction not the caller's), 413 (too large), 415 (content
//     does not match the name, or a type the channel refuses), 400.
//     Messages then reference the id (send_message / start_interaction).
//
//   GET  /v1/attachments/<id>   Authorization: Bearer <session token>
//   GET  /v1/attachments/<id>?webchat_token=<the conversation's token>
//     -> the file with its sniffed Content-Type and a Content-Disposition
//     (inline for images, audio and video), Range requests honoured (206).
//     Who may: the uploader (before any message uses it), whoever may read
//     the interaction it belongs to (message_access), or the WebChat customer
//     of that interaction. Others: 404 (existence is not disclosed); a file
//     removed by retention: 410.
//
//   GET  /media/<id>?exp=<unix seconds>&sig=<hex>   no authentication
//     Only when [media] public_base_url is set: the signed, expiring URL a
//     provider downloads outbound media from (attachments/public_url.h),
//     answered like the authenticated download (Content-Type,
//     Content-Disposition, Range; 410 once removed). A wrong, tampered or
//     expired signature, an unknown id and a file that no message carries
//     through a provider account (an unbound upload, a WebChat file) are
//     all the same 404.
#include <functional>
#include <optional>
#include <string>

#include "core/ids.h"
#include "host/engine_host.h"

namespace boost::asio {
class thread_pool;
}
namespace contactd::net {
class RouteTable;
}
namespace contactd::attachments {
class AttachmentStore;
class PublicUrlSigner;
}

namespace contactd::api {

// The interaction a WebChat customer's token opens, if any (answered on any thread).
using WebChatTokenLookup = std::function<void(std::string token, std::function<void(std::optional<core::InteractionId>)>)>;

class AttachmentRoutes {
 public:
  // `public_urls`: checks /media/ URLs (the route exists only when it is enabled).
  AttachmentRoutes(host::EngineHost& host, attachments::AttachmentStore& store, boost::asio::thread_pool& workers,
                   const core::Clock& clock, WebChatTokenLookup webchat,
                   const attachments::PublicUrlSigner& public_urls)
      : host_(host),
        store_(store),
        workers_(workers),
        clock_(clock),
        webchat_(std::move(webchat)),
        public_urls_(public_urls) {}

  // REQUIRES: before the server starts.
  void add_routes(net::RouteTable& routes);

 private:
  host::EngineHost& host_;
  attachments::AttachmentStore& store_;
  boost::asio::thread_pool& workers_;
  const core::Clock& clock_;
  WebChatTokenLookup webchat_;
  const attachments::PublicUrlSigner& public_urls_;
};

}  // namespace contactd::api
