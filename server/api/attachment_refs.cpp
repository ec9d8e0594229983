#include "api/attachment_refs.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/frames.h"
#include "attachments/attachment_store.h"

namespace contactd::api {

namespace {

std::vector<core::Attachment>* attachments_of(core::CommandBody& body) {
  if (auto* m = std::get_if<core::SendMessage>(&body)) return &m->attachments;
  if (auto* s = std::get_if<core::StartInteraction>(&body)) return &s->attachments;
  return nullptr;
}

// The provider the message would go through (nullopt: unknown interaction or campaign).
std::optional<core::Provider> provider_of(const core::Engine& e, const core::CommandBody& body) {
  const core::Campaign* campaign = nullptr;
  core::Channel channel{};
  if (const auto* m = std::get_if<core::SendMessage>(&body)) {
    const core::Interaction* i = e.find_interaction(m->interaction);
    if (!i) return std::nullopt;
    campaign = e.find_campaign(i->campaign);
    channel = i->channel;
  } else if (const auto* s = std::get_if<core::StartInteraction>(&body)) {
    campaign = e.find_campaign(s->campaign);
    channel = s->channel;
  }
  if (!campaign) return std::nullopt;
  return campaign->settings.channels[core::index(channel)].provider;
}

}  // namespace

bool names_attachments(const core::CommandBody& body) {
  if (const auto* m = std::get_if<core::SendMessage>(&body)) return !m->attachments.empty();
  if (const auto* s = std::get_if<core::StartInteraction>(&body)) return !s->attachments.empty();
  return false;
}

void resolve_attachments(Services& s, const net::PeerPtr& peer, std::uint64_t rid, core::CommandBody body) {
  if (!s.media)
    return peer->send(error_frame(rid, v1::FAILED_PRECONDITION, "this server keeps no files: attachments are off"));
  boost::asio::post(s.workers, [&s, peer, rid, body = std::move(body)]() mutable {
    std::vector<UploadCheck> uploads;
    for (auto& a : *attachments_of(body)) {
      std::optional<attachments::StoredAttachment> stored;
      try {
        stored = s.media->lookup(a.reference);
      } catch (const std::exception& e) {
        spdlog::error("attachment lookup failed: {}", e.what());
        return peer->send(error_frame(rid, v1::UNAVAILABLE, "the database is unavailable; try again"));
      }
      const std::string name = a.filename.empty() ? a.reference : a.filename;
      if (!stored)
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT,
                                      "attachment '" + name + "' is not an uploaded file (POST /v1/attachments first)"));
      if (stored->info.deleted_at)
        return peer->send(error_frame(rid, v1::INVALID_ARGUMENT, "attachment '" + name + "' was removed"));
      a.filename = stored->info.filename;
      a.size_bytes = stored->info.size_bytes;
      a.content_type = stored->info.content_type;
      a.state = core::AttachmentState::ready;
      a.provider_media_id.clear();
      a.unavailable_reason.clear();
      uploads.push_back(UploadCheck{stored->info.filename, stored->info.owner, stored->info.interaction});
    }
    run_as_caller(s, peer, rid, std::move(body), std::move(uploads));
  });
}

std::optional<core::Outcome> check_uploads(const core::Engine& e, core::ConnectionId connection,
                                           const core::CommandBody& body, const std::vector<UploadCheck>& uploads,
                                           bool public_urls) {
  if (uploads.empty()) return std::nullopt;
  const core::Session* session = e.session_of(connection);
  if (!session) return not_logged_in();
  core::InteractionId here = 0;
  if (const auto* m = std::get_if<core::SendMessage>(&body)) here = m->interaction;
  for (const auto& u : uploads) {
    if (u.bound != 0 && u.bound == here) continue;  // already a file of this conversation (sent again, forwarded)
    if (u.owner != session->user || u.bound != 0)
      return core::Outcome::failure(core::ErrorCode::invalid_argument,
                                    "attachment '" + u.filename + "' is not an upload of yours for this conversation");
  }
  if (!public_urls && provider_of(e, body) == core::Provider::gupshup)
    return core::Outcome::failure(core::ErrorCode::failed_precondition,
                                  "Gupshup downloads attachments from a public URL of this server, and none is "
                                  "configured ([media] public_base_url): send the text without the file");
  return std::nullopt;
}

}  // namespace contactd::api
