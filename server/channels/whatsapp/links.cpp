#include "channels/whatsapp/links.h"

#include <random>

#include "attachments/attachment_store.h"
#include "attachments/public_url.h"
#include "channels/whatsapp/gupshup_codec.h"
#include "channels/whatsapp/meta_send.h"

namespace contactd::channels::whatsapp {

namespace {

SendResult result_of(const SendOutcome& o) {
  SendResult r;
  switch (o.kind) {
    case SendOutcome::Kind::accepted: r.kind = SendResult::Kind::accepted; break;
    case SendOutcome::Kind::retryable: r.kind = SendResult::Kind::retryable; break;
    case SendOutcome::Kind::permanent: r.kind = SendResult::Kind::permanent; break;
    case SendOutcome::Kind::unknown: r.kind = SendResult::Kind::unknown; break;
  }
  r.provider_message_id = o.provider_message_id;
  r.error_code = o.error_code;
  r.error_text = o.error_title.empty() ? o.error_details : o.error_title;
  r.retry_after = std::chrono::duration_cast<std::chrono::milliseconds>(o.retry_after);
  return r;
}

SendResult refused(std::string code, std::string text) {
  SendResult r;
  r.kind = SendResult::Kind::permanent;
  r.error_code = std::move(code);
  r.error_text = std::move(text);
  return r;
}

// The answer to a request: a response classified by `classify`, or a
// transport failure (retryable before the request was written, unknown after).
template <class Classify>
SendResult classify_result(const HttpResult& result, Classify classify) {
  if (const auto* failure = std::get_if<HttpFailure>(&result))
    return result_of(transport_failure(failure->delivery == HttpDelivery::maybe_sent, failure->detail));
  const auto& response = std::get<HttpResponse>(result);
  auto retry_after = response.header("Retry-After");
  return classify(response.status, response.body, retry_after ? *retry_after : std::string_view());
}

OutboundMessage outbound_of(const core::DeliverMessage& d) {
  OutboundMessage m;
  m.to = d.customer;
  m.text = d.message.text;
  m.reply_to_provider_id = d.reply_to_provider_id;
  m.correlation = std::to_string(d.message.message);
  if (d.message.template_use) {
    OutboundMessage::Template t;
    t.name = d.message.template_use->name;
    t.language = d.message.template_use->language;
    t.parameters = d.message.template_use->parameters;
    m.template_message = std::move(t);
  }
  return m;
}

MediaKind media_kind_of(const core::Attachment& a) {
  auto kind = core::attachment_kind(a.filename);
  if (!kind) return MediaKind::document;
  switch (*kind) {
    case core::AttachmentKind::image: return MediaKind::image;
    case core::AttachmentKind::audio: return MediaKind::audio;
    case core::AttachmentKind::video: return MediaKind::video;
    case core::AttachmentKind::document: return MediaKind::document;
  }
  return MediaKind::document;
}

std::string random_boundary() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string b = "contactd-";
  for (int i = 0; i < 32; ++i) b += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return b;
}

// Sends a request the codec built (or refuses what it could not build) with
// the account's client; the answer classified by the provider's `classify`.
void send_built(ProviderClients& clients, const AccountPtr& account,
                std::variant<HttpRequestSpec, BuildError> request,
                SendOutcome (*classify)(int, std::string_view, std::string_view), std::function<void(SendResult)> done) {
  if (auto* err = std::get_if<BuildError>(&request)) return done(refused("invalid_message", err->reason));
  auto& spec = std::get<HttpRequestSpec>(request);
  std::shared_ptr<HttpClient> client;
  try {
    client = clients.client(account);
  } catch (const std::exception& e) {
    return done(refused("bad_account", e.what()));
  }
  client->request(spec.method, spec.path, {{"Content-Type", spec.content_type}}, std::move(spec.body),
                  [classify, done = std::move(done)](HttpResult result) {
                    done(classify_result(result, [classify](int status, std::string_view body, std::string_view retry_after) {
                      return result_of(classify(status, body, retry_after));
                    }));
                  });
}

meta::CloudApiEndpoint endpoint_of(const core::ProviderAccount& a, const ProviderHttpOptions& o) {
  // A WhatsApp Business BSP's paths carry neither version nor number id.
  if (a.provider == core::Provider::whatsapp_business) return meta::CloudApiEndpoint{};
  return meta::CloudApiEndpoint{o.meta_api_version, a.phone_number_id};
}

}  // namespace

void CloudApiLink::send(const core::DeliverMessage& delivery, std::function<void(SendResult)> done) {
  AccountPtr account = accounts_.find(delivery.account);
  if (!account) return done(refused("no_account", "the campaign's provider account no longer exists"));
  if (delivery.message.attachments.empty()) return send_message(account, delivery, {}, std::move(done));
  // One file per WhatsApp message (a template's: its header's): upload it,
  // then send the message by its media id.
  const core::Attachment& a = delivery.message.attachments.front();
  if (!media_) return done(refused("no_media_store", "attachments need a media directory ([media] directory)"));
  auto stored = media_->lookup(a.reference);
  if (!stored || stored->info.deleted_at)
    return done(refused("attachment_missing", "the attachment " + a.filename + " is no longer stored"));
  // The media type alone: Meta's "type" takes no parameters ("audio/ogg", not "audio/ogg; codecs=opus").
  const std::string media_type = stored->info.content_type.substr(0, stored->info.content_type.find(';'));
  auto upload = meta::build_media_upload(endpoint_of(*account, clients_.options()), media_type,
                                         stored->info.filename, random_boundary());
  if (auto* err = std::get_if<BuildError>(&upload)) return done(refused("invalid_media", err->reason));
  auto& u = std::get<meta::MultipartUpload>(upload);
  // The file streams from disk between the multipart head and tail.
  std::shared_ptr<HttpBodySource> body;
  try {
    body = file_body_source(std::move(u.head), stored->path.string(), std::move(u.tail));
  } catch (const std::exception&) {
    return done(refused("attachment_unreadable", "the attachment " + a.filename + " cannot be read"));
  }
  std::shared_ptr<HttpClient> client;
  try {
    client = clients_.client(account);
  } catch (const std::exception& e) {
    return done(refused("bad_account", e.what()));
  }
  HttpRequest request;
  request.method = "POST";
  request.target = u.path;
  request.headers = {{"Content-Type", u.content_type}};
  // The client's timeout plus a second per MiB: a large file at 1 MiB/s still goes.
  request.timeout = client->options().request_timeout + std::chrono::seconds(body->size() >> 20);
  request.body_source = std::move(body);
  client->request(std::move(request), [this, account, delivery, done = std::move(done)](HttpResult result) mutable {
    if (const auto* failure = std::get_if<HttpFailure>(&result)) {
      // An upload that may have landed is harmless: it is not a message. Retry.
      auto r = result_of(transport_failure(false, failure->detail));
      return done(r);
    }
    const auto& response = std::get<HttpResponse>(result);
    auto retry_after = response.header("Retry-After");
    auto outcome = meta::parse_media_upload_response(static_cast<int>(response.status), response.body,
                                                     retry_after ? *retry_after : std::string_view());
    if (outcome.result.kind != SendOutcome::Kind::accepted) {
      auto r = result_of(outcome.result);
      // An upload is not a message: "unknown" is safe to retry.
      if (r.kind == SendResult::Kind::unknown) r.kind = SendResult::Kind::retryable;
      return done(r);
    }
    send_message(account, delivery, outcome.media_id, std::move(done));
  });
}

void CloudApiLink::send_message(const AccountPtr& account, const core::DeliverMessage& delivery, std::string media_id,
                                std::function<void(SendResult)> done) {
  OutboundMessage m = outbound_of(delivery);
  if (!media_id.empty() && m.template_message) {
    m.template_message->header_media = media_kind_of(delivery.message.attachments.front());
    m.template_message->header_media_id = std::move(media_id);
  } else if (!media_id.empty()) {
    const core::Attachment& a = delivery.message.attachments.front();
    OutboundMessage::Media media;
    media.kind = media_kind_of(a);
    media.provider_media_id = std::move(media_id);
    media.filename = a.filename;
    media.caption = delivery.message.text;
    media.voice = a.voice;
    m.media = std::move(media);
  }
  send_built(clients_, account, meta::build_send(m, endpoint_of(*account, clients_.options())),
             meta::classify_send_response, std::move(done));
}

void GupshupLink::send(const core::DeliverMessage& delivery, std::function<void(SendResult)> done) {
  AccountPtr account = accounts_.find(delivery.account);
  if (!account) return done(refused("no_account", "the campaign's provider account no longer exists"));
  OutboundMessage m = outbound_of(delivery);
  if (const auto& use = delivery.message.template_use) {
    auto id = accounts_.provider_template_id(delivery.account, use->name, use->language);
    if (!id || id->empty())
      return done(refused("template_unknown", "template '" + use->name + "' (" + use->language +
                                                  ") has no Gupshup template id in this account any more"));
    m.template_message->id = std::move(*id);
  }
  if (!delivery.message.attachments.empty()) {
    // One file per WhatsApp message; Gupshup downloads it from our public URL.
    if (!public_urls_ || !public_urls_->enabled())
      return done(
          refused("media_unsupported", "Gupshup downloads media from a public URL: set [media] public_base_url"));
    const core::Attachment& a = delivery.message.attachments.front();
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count();
    if (m.template_message) {  // the template's header file
      m.template_message->header_media = media_kind_of(a);
      m.template_message->header_media_link = public_urls_->url_for(a.reference, now);
    } else {
      OutboundMessage::Media media;
      media.kind = media_kind_of(a);
      media.link = public_urls_->url_for(a.reference, now);
      media.filename = a.filename;
      media.caption = delivery.message.text;
      media.voice = a.voice;
      m.media = std::move(media);
    }
  }
  send_built(clients_, account, gupshup::build_send(m, gupshup::GupshupAccount{account->app_name, account->source_number}),
             gupshup::classify_send_response, std::move(done));
}

}  // namespace contactd::channels::whatsapp
