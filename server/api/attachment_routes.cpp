#include "api/attachment_routes.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/json.hpp>
#include <charconv>

#include "attachments/attachment_id.h"
#include "attachments/attachment_store.h"
#include "attachments/download.h"
#include "attachments/public_url.h"
#include "attachments/voice_note.h"
#include "auth/tokens.h"
#include "core/engine.h"
#include "net/routes.h"

namespace contactd::api {

namespace {

namespace net_ = contactd::net;
namespace json = boost::json;

std::optional<std::uint64_t> number(const std::string* text) {
  if (!text) return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return v;
}

std::optional<std::string> bearer(const net_::RequestHead& head) {
  const std::string* h = head.header("Authorization");
  if (!h || h->size() <= 7 || h->compare(0, 7, "Bearer ") != 0) return std::nullopt;
  return h->substr(7);
}

net_::Response error(int status, std::string message) {
  return net_::Response::json(status, json::serialize(json::object{{"error", std::move(message)}}));
}

// Looks `id` up into `found` (empty: no such file). False, with 503
// answered, when the database cannot say. On a worker thread.
bool look_up(attachments::AttachmentStore& store, const std::string& id, const net_::Responder& responder,
             std::optional<attachments::StoredAttachment>& found) {
  try {
    found = store.lookup(id);
    return true;
  } catch (const std::exception& e) {
    spdlog::error("attachment lookup failed: {}", e.what());
    responder.respond(error(503, "try again"));
    return false;
  }
}

// What the engine says about an upload before any byte is read.
struct UploadPlan {
  core::UserId user{core::kNoUser};
  std::uint64_t limit{0};
  std::optional<net_::Response> refusal;
};

// `voice`: sent as a voice message; a .webm is then checked (and limited)
// as the Ogg it will be stored as (attachments/voice_note.h).
UploadPlan plan_upload(const core::Engine& e, const std::string& token_hash, core::TimePoint now,
                       const net_::RequestHead& head, const std::string& uploaded_name, bool voice,
                       std::uint64_t max_bytes) {
  const std::string filename = voice && attachments::converts_to_voice_note(uploaded_name)
                                   ? attachments::voice_note_name(uploaded_name)
                                   : uploaded_name;
  UploadPlan plan;
  const core::Session* session = e.session_of_token(token_hash, now);
  if (!session) {
    plan.refusal = error(401, "log in first: Authorization: Bearer <session token>");
    return plan;
  }
  plan.user = session->user;
  plan.limit = max_bytes;
  const auto kind = core::attachment_kind(filename);
  if (!kind) {
    plan.refusal = error(415, "files named like " + filename + " cannot be attached (R-MSG-2)");
    return plan;
  }
  std::optional<std::pair<core::Channel, core::Provider>> route;
  if (auto id = number(head.parameter("interaction"))) {
    const core::Interaction* i = e.find_interaction(*id);
    if (!i || i->owner != session->user) {
      plan.refusal = error(404, "no interaction " + std::to_string(*id) + " of yours");
      return plan;
    }
    const core::Campaign* c = e.find_campaign(i->campaign);
    if (c) route = {i->channel, c->settings.channels[core::index(i->channel)].provider};
  } else if (auto campaign = number(head.parameter("campaign"))) {
    const std::string* name = head.parameter("channel");
    const core::Campaign* c = e.find_campaign(*campaign);
    const std::optional<core::Channel> channel = name ? core::channel_from_string(*name) : std::nullopt;
    if (!c || !channel.has_value()) {
      plan.refusal = error(400, "campaign and channel name where the file will be sent");
      return plan;
    }
    const core::Channel ch = channel.value_or(core::Channel::webchat);
    route = {ch, c->settings.channels[core::index(ch)].provider};
  }
  if (route) {
    core::Attachment probe;
    probe.filename = filename;
    probe.size_bytes = 1;  // the size is checked while the file streams
    probe.reference = "upload";
    probe.voice = voice;
    if (auto err = core::check_attachments(route->first, route->second, {probe})) {
      plan.refusal = error(415, err->message);
      return plan;
    }
    plan.limit = std::min(plan.limit, core::size_limit(route->first, route->second, *kind));
  }
  return plan;
}

// A stored file as downloads answer it (Range is the transport's); a file
// removed by retention: 410.
net_::Answer file_answer(const attachments::StoredAttachment& found) {
  if (found.info.deleted_at) return error(410, "this file was removed by the retention policy");
  net_::FileResponse file;
  file.path = found.path.string();
  file.content_type = found.info.content_type;
  file.content_disposition =
      attachments::content_disposition(found.info.filename, attachments::may_show_inline(found.info.content_type));
  file.headers = {{"Cache-Control", "private, max-age=3600"}, {"X-Content-Type-Options", "nosniff"}};
  return file;
}

// Streams one upload into the store; answers at the end (or with the first refusal).
class UploadSink final : public net_::BodySink {
 public:
  UploadSink(attachments::Upload upload, boost::asio::thread_pool& workers)
      : upload_(std::move(upload)), workers_(workers) {}

  void on_chunk(std::string_view bytes, net_::ChunkAck ack) override {
    // After a refusal the rest of the body is read and dropped (bounded by
    // the route's limit), so that the client reads the answer.
    if (!refusal_)
      if (auto err = upload_.write(bytes)) refusal_ = *err;
    ack();
  }
  void on_end(net_::Responder responder) override {
    if (refusal_) return (void)responder.respond(refused(*refusal_));
    // fsync and the row's commit: off the connection's strand.
    boost::asio::post(workers_, [upload = std::move(upload_), responder]() mutable {
      auto info = upload.finish();
      if (auto* err = std::get_if<attachments::AttachmentError>(&info)) return (void)responder.respond(refused(*err));
      const auto& a = std::get<attachments::AttachmentInfo>(info);
      responder.respond(net_::Response::json(
          201, json::serialize(json::object{{"id", a.id},
                                            {"filename", a.filename},
                                            {"content_type", a.content_type},
                                            {"kind", attachments::to_string(a.kind)},
                                            {"size_bytes", a.size_bytes}})));
    });
  }
  void on_abort(std::string_view) override { upload_.abort(); }

 private:
  static net_::Response refused(const attachments::AttachmentError& e) {
    const int status = attachments::http_status(e.code);
    if (status >= 500) spdlog::error("upload failed: {}", e.message);
    return error(status, status >= 500 ? "the file could not be stored; try again" : e.message);
  }
  attachments::Upload upload_;
  boost::asio::thread_pool& workers_;
  std::optional<attachments::AttachmentError> refusal_;
};

}  // namespace

void AttachmentRoutes::add_routes(net_::RouteTable& routes) {
  const std::uint64_t max_bytes = store_.options().max_upload_bytes;
  routes.streaming({"POST"}, "/v1/attachments", net_::BodyLimits{max_bytes, std::chrono::seconds(600)},
                   [this, max_bytes](const net_::RequestHead& head, net_::StreamDecision decision) {
    auto token = bearer(head);
    if (!token) return (void)decision.refuse(error(401, "log in first: Authorization: Bearer <session token>"));
    const std::string* filename = head.parameter("filename");
    if (!filename || filename->empty()) return (void)decision.refuse(error(400, "name the file: ?filename=<name>"));
    if (head.content_length && *head.content_length > max_bytes)
      return (void)decision.refuse(error(413, "the file is larger than " + std::to_string(max_bytes) + " bytes"));
    const std::string* declared = head.header("Content-Type");
    const std::string* voice_flag = head.parameter("voice");
    const bool voice = voice_flag && (*voice_flag == "true" || *voice_flag == "1");
    host_.lookup([this, head, decision, hash = auth::token_hash(*token), name = *filename,
                  type = declared ? *declared : std::string(), voice, max_bytes](const core::Engine& e) {
      UploadPlan plan = plan_upload(e, hash, clock_.now(), head, name, voice, max_bytes);
      if (plan.refusal) return (void)decision.refuse(*plan.refusal);
      if (head.content_length && *head.content_length > plan.limit)
        return (void)decision.refuse(error(413, name + " is larger than the " + std::to_string(plan.limit >> 20) +
                                                    " MB this channel's provider accepts"));
      boost::asio::post(workers_, [this, decision, plan, name, type, voice] {
        auto upload = store_.begin_upload(plan.user, name, type, plan.limit, voice);
        if (auto* err = std::get_if<attachments::AttachmentError>(&upload))
          return (void)decision.refuse(error(attachments::http_status(err->code), err->message));
        decision.accept(std::make_shared<UploadSink>(std::move(std::get<attachments::Upload>(upload)), workers_));
      });
    });
  });

  routes.buffered({"GET"}, "/v1/attachments/*", net_::BodyLimits{},
                  [this](const net_::RequestHead& head, std::string, net_::Responder responder) {
    const std::string id = head.path.substr(std::string_view("/v1/attachments/").size());
    auto token = bearer(head);
    const std::string* webchat = head.parameter("webchat_token");
    if (!token && !webchat)
      return (void)responder.respond(error(401, "log in first: Authorization: Bearer <session token>"));
    boost::asio::post(workers_, [this, id, token, webchat_token = webchat ? *webchat : std::string(), responder] {
      std::optional<attachments::StoredAttachment> found;
      if (!look_up(store_, id, responder, found)) return;
      if (!found) return (void)responder.respond(error(404, "no such file"));
      auto serve = [found, responder](bool allowed) {
        if (!allowed) return (void)responder.respond(error(404, "no such file"));
        responder.respond(file_answer(*found));
      };
      if (!token) {
        if (found->info.interaction == 0) return serve(false);
        return webchat_(webchat_token, [serve, interaction = found->info.interaction](auto mine) {
          serve(mine && *mine == interaction);
        });
      }
      host_.lookup([this, found, serve, hash = auth::token_hash(*token)](const core::Engine& e) {
        const core::Session* session = e.session_of_token(hash, clock_.now());
        if (!session) return serve(false);
        if (found->info.interaction == 0) return serve(found->info.owner == session->user);
        auto access = e.message_access(session->user, found->info.interaction);
        if (std::holds_alternative<core::Error>(access)) return serve(false);
        const auto& scope = std::get<core::MessageAccess>(access).closed_scope;
        if (!scope) return serve(true);
        core::ContactTouch touch;
        touch.campaign = found->campaign;
        touch.owner = found->interaction_owner;
        serve(scope->covers(touch));
      });
    });
  });

  if (!public_urls_.enabled()) return;
  routes.buffered({"GET"}, "/media/*", net_::BodyLimits{},
                  [this](const net_::RequestHead& head, std::string, net_::Responder responder) {
    const std::string id = head.path.substr(std::string_view("/media/").size());
    const std::string* exp = head.parameter("exp");
    const std::string* sig = head.parameter("sig");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    // One answer for a wrong, expired or tampered URL and an unknown file.
    const auto gone = [] { return error(404, "no such file"); };
    if (!exp || !sig || !attachments::is_attachment_id(id) || !public_urls_.verify(id, *exp, *sig, now))
      return (void)responder.respond(gone());
    boost::asio::post(workers_, [this, id, responder, gone] {
      std::optional<attachments::StoredAttachment> found;
      if (!look_up(store_, id, responder, found)) return;
      // Only a file a message carries through a provider account.
      if (!found || found->info.interaction == 0 || found->account == 0)
        return (void)responder.respond(gone());
      responder.respond(file_answer(*found));
    });
  });
}

}  // namespace contactd::api
