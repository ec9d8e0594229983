#include "channels/whatsapp/template_sync.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "channels/whatsapp/meta_send.h"

namespace contactd::channels::whatsapp {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

core::Template template_of(const meta::ProviderTemplate& t) {
  core::Template out;
  out.name = t.name;
  out.language = t.language;
  out.category = lower(t.category);
  out.body = t.body;
  if (t.header_format == "IMAGE" || t.header_format == "VIDEO" || t.header_format == "DOCUMENT")
    out.header_media = lower(t.header_format);
  out.buttons = t.buttons;
  return out;
}

}  // namespace

void TemplateSync::apply(const core::Effect& effect) {
  const auto* fetch = std::get_if<core::FetchTemplates>(&effect);
  if (!fetch) return;
  AccountPtr account = accounts_.find(fetch->account);
  if (!account) return;
  fetch_page(std::move(account), {}, 1);
}

void TemplateSync::fetch_page(AccountPtr account, std::string cursor, int page) {
  std::shared_ptr<HttpClient> client;
  try {
    client = clients_.client(account);
  } catch (const std::exception& e) {
    spdlog::error("templates of account {}: {}", account->id, e.what());
    return;
  }
  meta::CloudApiEndpoint endpoint;
  if (account->provider == core::Provider::meta) endpoint.api_version = clients_.options().meta_api_version;
  auto spec = meta::template_listing_request(endpoint, account->business_account_id, cursor);
  client->request(spec.method, spec.path, {}, {}, [this, account, page](HttpResult r) {
    if (auto* f = std::get_if<HttpFailure>(&r))
      return spdlog::error("templates of account {}: the listing failed: {}", account->id, f->detail);
    auto& response = std::get<HttpResponse>(r);
    if (response.status != 200)
      return spdlog::error("templates of account {}: the listing answered HTTP {}", account->id, response.status);
    auto parsed = meta::parse_template_listing(response.body);
    if (auto* bad = std::get_if<ParseFailure>(&parsed))
      return spdlog::error("templates of account {}: unreadable listing: {}", account->id, bad->detail);
    auto& listing = std::get<meta::TemplatePage>(parsed);
    std::vector<core::SaveTemplate> saves;
    for (const auto& t : listing.templates)
      if (t.usable()) saves.push_back(core::SaveTemplate{account->id, template_of(t)});
    const std::size_t count = saves.size();
    host_.execute(
        [saves = std::move(saves), id = account->id](core::Engine& e, core::TimePoint now) {
          core::Outcome all;
          for (const auto& save : saves) {
            auto o = e.handle(core::Command{core::Actor::System(), save}, now);
            if (!o.ok()) {
              spdlog::warn("template {} ({}) of account {} not kept: {}", save.definition.name,
                           save.definition.language, id, o.error->message);
              continue;
            }
            all.events.insert(all.events.end(), o.events.begin(), o.events.end());
            all.effects.insert(all.effects.end(), o.effects.begin(), o.effects.end());
          }
          return all;
        },
        nullptr, /*client_work=*/false);
    spdlog::info("templates of account {}: page {}: {} approved", account->id, page, count);
    if (!listing.next_cursor.empty() && page < kMaxPages) fetch_page(account, listing.next_cursor, page + 1);
  });
}

}  // namespace contactd::channels::whatsapp
