#include "core/provider_account.h"

#include <algorithm>
#include <cctype>

namespace contactd::core {
namespace {

Error invalid(std::string m) { return Error{ErrorCode::invalid_argument, std::move(m)}; }

bool has_controls(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

// A public field: at most 200 bytes, no control characters; `required`: not empty.
MaybeError check_field(std::string_view what, std::string_view value, bool required) {
  if (required && value.empty()) return invalid(std::string(what) + " is required");
  if (value.size() > 200) return invalid(std::string(what) + " is longer than 200 bytes");
  if (has_controls(value)) return invalid(std::string(what) + " contains control characters");
  return std::nullopt;
}

bool http_url(std::string_view url) {
  return (url.rfind("http://", 0) == 0 && url.size() > 7) || (url.rfind("https://", 0) == 0 && url.size() > 8);
}

bool token_chars(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
}

bool contains(const std::vector<std::string_view>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

bool has_accounts(Provider p) {
  return p == Provider::meta || p == Provider::gupshup || p == Provider::whatsapp_business;
}

std::vector<std::string_view> required_secrets(Provider p) {
  switch (p) {
    case Provider::meta: return {"access_token", "app_secret", "verify_token"};
    case Provider::gupshup: return {"api_key", "callback_token"};
    case Provider::whatsapp_business: return {"auth_header"};
    default: return {};
  }
}

std::vector<std::string_view> optional_secrets(Provider p) {
  // A BSP that relays Meta's webhooks signs them (app_secret) and may pass
  // on the subscription handshake (verify_token).
  if (p == Provider::whatsapp_business) return {"app_secret", "verify_token"};
  return {};
}

MaybeError validate(const ProviderAccount& a) {
  if (!has_accounts(a.provider))
    return invalid("provider accounts are for meta, gupshup and whatsapp_business, not " + std::string(to_string(a.provider)));
  if (auto e = check_field("account name", a.name, true)) return e;
  if (a.name.find_first_not_of(' ') == std::string::npos) return invalid("account name must not be blank");
  const bool meta = a.provider == Provider::meta;
  const bool gupshup = a.provider == Provider::gupshup;
  const bool business = a.provider == Provider::whatsapp_business;
  if (auto e = check_field("phone_number_id", a.phone_number_id, meta)) return e;
  if (auto e = check_field("business_account_id", a.business_account_id, meta)) return e;
  if (auto e = check_field("app_name", a.app_name, gupshup)) return e;
  if (auto e = check_field("source_number", a.source_number, gupshup)) return e;
  if (gupshup && !a.phone_number_id.empty()) return invalid("gupshup accounts have no phone_number_id (use source_number)");
  if (!gupshup && (!a.app_name.empty() || !a.source_number.empty()))
    return invalid("app_name and source_number are for gupshup accounts");
  if (business && a.base_url.empty()) return invalid("a whatsapp_business account needs the BSP's base_url");
  if (a.base_url.size() > 500) return invalid("base_url is longer than 500 bytes");
  if (!a.base_url.empty() && (!http_url(a.base_url) || has_controls(a.base_url) || a.base_url.find(' ') != std::string::npos))
    return invalid("base_url must be an http:// or https:// URL");
  const auto required = required_secrets(a.provider);
  const auto optional = optional_secrets(a.provider);
  for (auto name : required)
    if (!a.secrets.count(std::string(name))) return invalid("a " + std::string(to_string(a.provider)) + " account needs the secret " + std::string(name));
  for (const auto& [name, value] : a.secrets) {
    if (!contains(required, name) && !contains(optional, name))
      return invalid("'" + name + "' is not a secret of " + std::string(to_string(a.provider)) + " accounts");
    if (value.empty() || value.size() > 4096) return invalid("secret " + name + " must be 1 to 4096 bytes");
    if (has_controls(value)) return invalid("secret " + name + " contains control characters");
  }
  if (gupshup) {
    const auto& token = a.secrets.at("callback_token");
    if (token.size() < 16 || token.size() > 128 || !token_chars(token))
      return invalid("callback_token must be 16 to 128 of A-Z a-z 0-9 _ - (it is part of the callback URL)");
  }
  if (business) {
    const auto& header = a.secrets.at("auth_header");
    const auto colon = header.find(':');
    if (colon == std::string::npos || colon == 0 || header.find_first_not_of(' ', colon + 1) == std::string::npos)
      return invalid("auth_header must look like 'Name: value'");
  }
  return std::nullopt;
}

std::size_t parameter_count(std::string_view body) {
  std::size_t highest = 0;
  for (std::size_t at = body.find("{{"); at != std::string_view::npos; at = body.find("{{", at + 2)) {
    std::size_t k = at + 2, n = 0, digits = 0;
    while (k < body.size() && std::isdigit(static_cast<unsigned char>(body[k])) && digits < 4) {
      n = n * 10 + static_cast<std::size_t>(body[k] - '0');
      ++k;
      ++digits;
    }
    if (digits > 0 && body.compare(k, 2, "}}") == 0) highest = std::max(highest, n);
  }
  return highest;
}

MaybeError validate(const Template& t) {
  if (t.name.empty() || t.name.size() > 512) return invalid("template name must be 1 to 512 bytes");
  for (unsigned char c : t.name)
    if (!(std::islower(c) || std::isdigit(c) || c == '_')) return invalid("template name may hold only a-z, 0-9 and _");
  if (t.language.size() < 2 || t.language.size() > 15) return invalid("template language must be 2 to 15 bytes (e.g. en_US)");
  for (unsigned char c : t.language)
    if (!(std::isalpha(c) || c == '_' || c == '-')) return invalid("template language may hold only letters, _ and -");
  if (t.category != "marketing" && t.category != "utility" && t.category != "authentication")
    return invalid("template category must be marketing, utility or authentication");
  if (t.body.empty() || t.body.size() > 1024) return invalid("template body must be 1 to 1024 bytes");
  if (t.body.find("{{0}}") != std::string::npos) return invalid("template parameters are numbered from {{1}}");
  const std::size_t n = parameter_count(t.body);
  for (std::size_t k = 1; k <= n; ++k)
    if (t.body.find("{{" + std::to_string(k) + "}}") == std::string::npos)
      return invalid("template parameters must be numbered {{1}} to {{" + std::to_string(n) + "}} without gaps");
  if (t.header_media != "" && t.header_media != "image" && t.header_media != "video" && t.header_media != "document")
    return invalid("template header media must be image, video, document or none");
  if (t.buttons.size() > 10) return invalid("a template has at most 10 buttons");
  for (const auto& b : t.buttons)
    if (b.empty() || b.size() > 200 || has_controls(b)) return invalid("template buttons are 1 to 200 bytes without control characters");
  if (t.provider_template_id.size() > 128) return invalid("template provider_template_id is longer than 128 bytes");
  for (unsigned char c : t.provider_template_id)
    if (!(std::isalnum(c) || c == '-' || c == '_'))
      return invalid("template provider_template_id may hold only A-Z, a-z, 0-9, - and _");
  return std::nullopt;
}

MaybeError validate(const Template& t, Provider provider) {
  if (auto e = validate(t)) return e;
  if (provider == Provider::gupshup && t.provider_template_id.empty())
    return invalid("template '" + t.name + "' (" + t.language +
                   ") needs provider_template_id: Gupshup sends a template by its template id (a UUID)");
  return std::nullopt;
}

std::variant<std::string, Error> fill(const Template& t, const TemplateUse& use) {
  const std::string which = "template '" + t.name + "' (" + t.language + ")";
  const std::size_t n = parameter_count(t.body);
  if (use.parameters.size() != n)
    return invalid(which + " takes " + std::to_string(n) + " parameter" + (n == 1 ? "" : "s") + ", not " +
                   std::to_string(use.parameters.size()));
  for (std::size_t k = 0; k < n; ++k) {
    const auto& v = use.parameters[k];
    if (v.empty() || v.find_first_not_of(' ') == std::string::npos)
      return invalid(which + ": parameter " + std::to_string(k + 1) + " is empty");
    if (v.size() > 1024) return invalid(which + ": parameter " + std::to_string(k + 1) + " is longer than 1024 bytes");
    if (v.find_first_of("\n\r\t") != std::string::npos)
      return invalid(which + ": parameter " + std::to_string(k + 1) + " holds line breaks or tabs");
  }
  if (!t.header_media.empty() && use.header_attachment.empty())
    return invalid(which + " has a " + t.header_media + " header: attach its file");
  if (t.header_media.empty() && !use.header_attachment.empty()) return invalid(which + " has no header media");
  std::string out;
  out.reserve(t.body.size());
  for (std::size_t at = 0; at < t.body.size();) {
    if (t.body.compare(at, 2, "{{") == 0) {
      std::size_t k = at + 2, value = 0, digits = 0;
      while (k < t.body.size() && std::isdigit(static_cast<unsigned char>(t.body[k])) && digits < 4) {
        value = value * 10 + static_cast<std::size_t>(t.body[k] - '0');
        ++k;
        ++digits;
      }
      if (digits > 0 && value >= 1 && value <= n && t.body.compare(k, 2, "}}") == 0) {
        out += use.parameters[value - 1];
        at = k + 2;
        continue;
      }
    }
    out += t.body[at++];
  }
  return out;
}

}  // namespace contactd::core
