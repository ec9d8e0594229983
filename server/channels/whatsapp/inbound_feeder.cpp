#include "channels/whatsapp/inbound_feeder.h"

#include <spdlog/spdlog.h>

#include "channels/delivery/outbox_sender.h"
#include "channels/whatsapp/inbox_items.h"
#include "channels/whatsapp/media_fetcher.h"
#include "store/outbox.h"

namespace contactd::channels::whatsapp {

namespace {

// A name for a file the provider sent without one (images, voice notes...).
std::string filename_for(const InboundMessage& m) {
  if (m.media && !m.media->filename.empty()) return m.media->filename;
  const std::string mime = m.media ? m.media->mime_type.substr(0, m.media->mime_type.find(';')) : "";
  std::string ext = "bin";
  if (mime == "image/jpeg") ext = "jpg";
  else if (mime == "image/png") ext = "png";
  else if (mime == "image/webp") ext = "webp";
  else if (mime == "audio/ogg") ext = "ogg";
  else if (mime == "audio/mpeg") ext = "mp3";
  else if (mime == "audio/aac") ext = "aac";
  else if (mime == "audio/mp4") ext = "m4a";
  else if (mime == "audio/amr") ext = "amr";
  else if (mime == "video/mp4") ext = "mp4";
  else if (mime == "video/3gpp") ext = "3gp";
  else if (mime == "application/pdf") ext = "pdf";
  else if (mime == "text/plain") ext = "txt";
  const std::string base = m.media && m.media->voice ? "voice" : std::string(to_string(m.type));
  return base + "-" + m.provider_message_id.substr(0, 64) + "." + ext;
}

std::optional<core::MessageState> state_of(DeliveryStatus s) {
  switch (s) {
    case DeliveryStatus::sent: return core::MessageState::sent;
    case DeliveryStatus::delivered: return core::MessageState::delivered;
    case DeliveryStatus::read: return core::MessageState::read;
    case DeliveryStatus::played: return core::MessageState::played;
    case DeliveryStatus::failed: return core::MessageState::failed;
    case DeliveryStatus::enqueued:
    case DeliveryStatus::deleted: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::string clean_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\0') out += "\xEF\xBF\xBD";
    else out += c;
  }
  return out;
}

void InboundFeeder::feed(const store::StoredInboxItem& stored) {
  if (stored.item.kind == "message") {
    auto m = message_from_payload(stored.item.payload);
    if (!m) {
      inbox_.mark_processed(stored.id, "unreadable item");
      return;
    }
    feed_message(stored.id, stored.item.account, std::move(*m));
  } else {
    auto s = status_from_payload(stored.item.payload);
    if (!s) {
      inbox_.mark_processed(stored.id, "unreadable item");
      return;
    }
    feed_status(stored.id, stored.item.account, std::move(*s));
  }
}

void InboundFeeder::feed_message(store::InboxId id, core::AccountId account, InboundMessage m) {
  core::ReceiveProviderMessage cmd;
  cmd.account = account;
  cmd.customer = m.from.empty() ? m.user_id : m.from;
  cmd.customer_alt_id = m.user_id;
  cmd.display_name = clean_text(m.profile_name);
  cmd.provider_message_id = m.provider_message_id;
  cmd.inbox_id = id;
  cmd.text = clean_text(m.text);
  cmd.reply_to_provider_id = !m.context_gupshup_id.empty() ? m.context_gupshup_id : m.context_provider_id;
  if (m.media) {
    core::Attachment a;
    a.filename = filename_for(m);
    a.voice = m.media->voice;
    a.content_type = m.media->mime_type;
    a.state = core::AttachmentState::pending;
    a.provider_media_id = !m.media->provider_media_id.empty() ? m.media->provider_media_id : m.media->url;
    cmd.attachments.push_back(std::move(a));
  }
  host_.execute(
      [cmd](core::Engine& e, core::TimePoint now) { return e.handle(core::Command{core::Actor::System(), cmd}, now); },
      [this, id, account, m = std::move(m), attachments = cmd.attachments](const core::Outcome& o) {
        if (!o.ok()) {
          spdlog::warn("whatsapp: message {} of account {} refused: {}", m.provider_message_id, account,
                       o.error->message);
          inbox_.mark_processed(id, o.error->message);
          return;
        }
        if (!media_ || attachments.empty()) return;
        for (const auto& e : o.events)
          if (const auto* posted = std::get_if<core::MessagePosted>(&e.body))
            for (std::uint32_t k = 0; k < posted->attachments.size(); ++k)
              if (posted->attachments[k].state == core::AttachmentState::pending)
                media_->fetch(account, posted->interaction, posted->message, k, posted->attachments[k]);
      },
      /*client_work=*/false);
}

void InboundFeeder::feed_status(store::InboxId id, core::AccountId account, InboundStatus s) {
  const auto state = state_of(s.status);
  std::uint64_t correlation = 0;
  if (!s.correlation.empty()) {
    try {
      correlation = std::stoull(s.correlation);
    } catch (const std::exception&) {
      correlation = 0;
    }
  }
  const std::string key = !s.gupshup_id.empty() ? s.gupshup_id : s.provider_message_id;
  outbox_.resolve(account, key, correlation, [this, id, account, s, state](std::optional<store::OutboxRow> row) {
    if (!row) {
      spdlog::info("whatsapp: status {} for message {} of account {} matches no message sent; ignored",
                   to_string(s.status), s.provider_message_id, account);
      inbox_.mark_processed(id, "unknown message");
      return;
    }
    const std::string provider_id = !row->provider_message_id.empty() ? row->provider_message_id
                                    : !s.gupshup_id.empty()            ? s.gupshup_id
                                                                       : s.provider_message_id;
    if (row->state == "unknown") sender_.confirmed(row->message, provider_id);
    if (!state) {
      inbox_.mark_processed(id, "");
      return;
    }
    core::ReportMessageStatus cmd;
    cmd.interaction = row->interaction;
    cmd.message = row->message;
    cmd.state = *state;
    cmd.provider_message_id = provider_id;
    if (*state == core::MessageState::failed && !s.errors.empty()) {
      cmd.error_code = clean_text(s.errors.front().code);
      cmd.error_text = clean_text(s.errors.front().title.empty() ? s.errors.front().message : s.errors.front().title);
    }
    host_.execute(
        [cmd](core::Engine& e, core::TimePoint now) { return e.handle(core::Command{core::Actor::System(), cmd}, now); },
        [this, id](const core::Outcome& o) { inbox_.mark_processed(id, o.ok() ? "" : o.error->message); },
        /*client_work=*/false);
  });
}

}  // namespace contactd::channels::whatsapp
