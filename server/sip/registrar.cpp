#include "sip/registrar.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sofia-sip/auth_digest.h>
#include <sofia-sip/msg_addr.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/su.h>
#include <sofia-sip/url.h>
#include <strings.h>

#include <spdlog/spdlog.h>

#include <optional>

#include "core/engine.h"
#include "host/engine_host.h"
#include "auth/sip_digest.h"

namespace contactd::sip {
namespace {

std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string text(const char* s) { return s ? s : ""; }

// "udp 127.0.0.1:5070": how and from where the request came.
std::string source_of(nua_t* nua) {
  msg_t* request = nua_current_request(nua);
  const su_addrinfo_t* ai = request ? msg_addrinfo(request) : nullptr;
  if (!ai || !ai->ai_addr) return "unknown";
  const std::string transport = ai->ai_protocol == IPPROTO_TCP ? "tcp " : "udp ";
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (ai->ai_addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return transport + host + ":" + std::to_string(port);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  port = ntohs(in6->sin6_port);
  return transport + "[" + host + "]:" + std::to_string(port);
}

// The host part of a source_of() string: "udp 127.0.0.1:5070" -> "127.0.0.1",
// "tcp [::1]:5070" -> "::1".
std::string host_of_source(const std::string& source) {
  const auto space = source.find(' ');
  std::string address = space == std::string::npos ? source : source.substr(space + 1);
  if (!address.empty() && address.front() == '[') return address.substr(1, address.find(']') - 1);
  return address.substr(0, address.rfind(':'));
}

struct Home {
  su_home_t home[1] = {SU_HOME_INIT(home)};
  ~Home() { su_home_deinit(home); }
};

// A REGISTER waiting for the engine's verdict; only touched on the SIP thread.
struct Waiting {
  nua_handle_t* handle{nullptr};
  nua_saved_event_t saved[1]{};
  std::string binding;  // a query's answer: the current contact, if any
};

}  // namespace

Registrar::Registrar(host::EngineHost& host, const SipOptions& options, AuthLimits limits)
    : host_(host),
      options_(options),
      nonces_(std::chrono::minutes(5)),
      by_source_(options.auth_failures_per_minute),
      by_name_(limits.failures_per_name_per_minute) {}

std::string Registrar::challenge_header(bool stale) const {
  return "Digest realm=\"" + options_.realm + "\", nonce=\"" + nonces_.make(unix_seconds()) +
         "\", algorithm=MD5, qop=\"auth\"" + (stale ? ", stale=true" : "");
}

bool Registrar::FailureCounter::locked(const std::string& key) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  if (std::chrono::steady_clock::now() - it->second.since >= std::chrono::minutes(1)) {
    failures_.erase(it);
    return false;
  }
  return it->second.count >= limit_;
}

void Registrar::FailureCounter::failed(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  if (failures_.size() > 100000) failures_.clear();  // bounded, whatever names are tried
  auto& f = failures_[key];
  if (f.count == 0 || now - f.since >= std::chrono::minutes(1)) f = Failures{0, now};
  ++f.count;
}

bool Registrar::LogLimiter::allow(std::size_t& suppressed) {
  const auto now = std::chrono::steady_clock::now();
  if (last_ != std::chrono::steady_clock::time_point{} && now - last_ < std::chrono::seconds(10)) {
    ++suppressed_;
    return false;
  }
  last_ = now;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

void Registrar::challenge(nua_t* nua, nua_handle_t* handle, bool stale) {
  const std::string header = challenge_header(stale);
  nua_respond(handle, SIP_401_UNAUTHORIZED, NUTAG_WITH_THIS(nua), SIPTAG_WWW_AUTHENTICATE_STR(header.c_str()),
              TAG_END());
  nua_handle_destroy(handle);
}

void Registrar::on_register(SipStack& stack, nua_handle_t* handle, const sip_t* sip) {
  nua_t* nua = stack.nua();
  auto reject = [&](int status, const char* phrase) {
    nua_respond(handle, status, phrase, NUTAG_WITH_THIS(nua), TAG_END());
    nua_handle_destroy(handle);
  };
  if (!sip || !sip->sip_request || !sip->sip_to || !sip->sip_to->a_url->url_user) return reject(SIP_400_BAD_REQUEST);
  const sip_authorization_t* auth = sip->sip_authorization;
  if (!auth || !auth->au_scheme || ::strcasecmp(auth->au_scheme, "Digest") != 0) return challenge(nua, handle, false);
  Home home;
  auth_response_t ar[1] = {};
  ar->ar_size = sizeof ar[0];
  if (!auth->au_params || auth_digest_response_get(home.home, ar, auth->au_params) < 0 || !ar->ar_username || !ar->ar_nonce ||
      !ar->ar_uri || !ar->ar_response)
    return reject(SIP_400_BAD_REQUEST);
  if (text(ar->ar_realm) != options_.realm) return challenge(nua, handle, false);
  if ((ar->ar_algorithm && ::strcasecmp(ar->ar_algorithm, "MD5") != 0) ||
      (ar->ar_qop && ::strcasecmp(ar->ar_qop, "auth") != 0))
    return challenge(nua, handle, false);
  switch (nonces_.check(ar->ar_nonce, unix_seconds())) {
    case Nonces::Check::forged: return challenge(nua, handle, false);
    case Nonces::Check::stale: return challenge(nua, handle, true);
    case Nonces::Check::fresh: break;
  }
  const std::string login = text(ar->ar_username);
  const std::string source = source_of(nua);
  const std::string source_host = host_of_source(source);
  if (text(sip->sip_to->a_url->url_user) != login) {  // one's own phone only
    std::size_t suppressed = 0;
    if (forbidden_log_.allow(suppressed))
      spdlog::warn("SIP REGISTER from {}: 403, {} registering another user's address (+{} not logged)", source, login,
                   suppressed);
    return reject(SIP_403_FORBIDDEN);
  }
  if (by_source_.locked(source_host)) {  // this address has been guessing
    std::size_t suppressed = 0;
    if (locked_log_.allow(suppressed))
      spdlog::warn("SIP REGISTER from {} as {}: 403, the address is locked out for too many wrong passwords (+{} not logged)",
                   source, login, suppressed);
    return reject(SIP_403_FORBIDDEN);
  }
  // Guessing spread over addresses: the name is locked, but for the address
  // its working phone registered from (decided by the engine, which knows it).
  const bool name_locked = by_name_.locked(login);

  // The binding: one Contact (the first), its expiry from its parameter, the
  // Expires header or the default; "*" only to remove, with Expires: 0.
  const sip_contact_t* contact = sip->sip_contact;
  const bool query = contact == nullptr;
  long expires = sip->sip_expires ? static_cast<long>(sip->sip_expires->ex_delta) : options_.max_expires.count();
  if (contact && contact->m_expires) expires = std::strtol(contact->m_expires, nullptr, 10);
  if (contact && contact->m_url->url_type == url_any && (expires != 0 || !sip->sip_expires)) return reject(SIP_400_BAD_REQUEST);
  if (expires < 0) return reject(SIP_400_BAD_REQUEST);
  if (!query && expires > 0 && expires < options_.min_expires.count()) {
    const std::string min = std::to_string(options_.min_expires.count());
    nua_respond(handle, SIP_423_INTERVAL_TOO_BRIEF, NUTAG_WITH_THIS(nua), SIPTAG_MIN_EXPIRES_STR(min.c_str()), TAG_END());
    nua_handle_destroy(handle);
    return;
  }
  expires = std::min<long>(expires, options_.max_expires.count());
  std::string contact_uri;
  if (contact && contact->m_url->url_type != url_any) contact_uri = text(url_as_string(home.home, contact->m_url));
  auth::DigestAnswer answer{login,
                      text(ar->ar_realm),
                      text(ar->ar_nonce),
                      text(ar->ar_uri),
                      text(ar->ar_response),
                      ar->ar_qop ? "auth" : "",
                      text(ar->ar_nc),
                      text(ar->ar_cnonce)};
  const std::string method = text(sip->sip_request->rq_method_name);
  auto waiting = std::make_shared<Waiting>();
  waiting->handle = handle;
  nua_save_event(nua, waiting->saved);

  host_.execute(
      [answer, method, login, contact_uri, source, source_host, name_locked, expires, query, waiting](core::Engine& e,
                                                                                                     core::TimePoint now) {
        // Unknown, without SIP access or wrong: one answer, so names cannot
        // be told apart.
        const core::User* u = e.find_user_by_login(login);
        const bool bound_here = u && u->phone && u->phone->expires_at > now && host_of_source(u->phone->source) == source_host;
        if (name_locked && !bound_here)
          return core::Outcome::failure(core::ErrorCode::failed_precondition, "SIP user name locked out");
        if (!u || u->sip_secret.empty() ||
            !auth::same_digest(auth::expected_response(u->sip_secret, method, answer), answer.response))
          return core::Outcome::failure(core::ErrorCode::unauthenticated, "wrong SIP credentials");
        if (u->deactivated) return core::Outcome::failure(core::ErrorCode::permission_denied, "no phone access");
        if (query) {
          waiting->binding = u->phone ? u->phone->contact : "";  // read on the SIP thread after `then`
          return core::Outcome{};
        }
        if (expires == 0) return e.handle(core::Command{core::Actor::System(), core::UnregisterPhone{u->id}}, now);
        return e.handle(core::Command{core::Actor::System(),
                                      core::RegisterPhone{u->id, contact_uri, source, now + std::chrono::seconds(expires)}},
                        now);
      },
      [this, stack = &stack, waiting, expires, contact_uri, login, source, source_host](const core::Outcome& outcome) {
        const auto code = outcome.ok() ? std::optional<core::ErrorCode>() : outcome.error->code;
        stack->post([this, waiting, expires, contact_uri, code, login, source, source_host] {
          std::size_t suppressed = 0;
          if (code == core::ErrorCode::unauthenticated) {
            by_source_.failed(source_host);
            by_name_.failed(login);
            if (wrong_log_.allow(suppressed))
              spdlog::warn("SIP REGISTER from {} as {}: wrong credentials (+{} not logged)", source, login, suppressed);
          } else if (code == core::ErrorCode::failed_precondition) {
            if (locked_log_.allow(suppressed))
              spdlog::warn("SIP REGISTER from {} as {}: 403, the name is locked out for too many wrong passwords (+{} not logged)",
                           source, login, suppressed);
          } else if (code == core::ErrorCode::permission_denied) {
            if (forbidden_log_.allow(suppressed))
              spdlog::warn("SIP REGISTER from {} as {}: 403, deactivated user (+{} not logged)", source, login, suppressed);
          }
          nua_handle_t* h = waiting->handle;
          if (!code) {
            const std::string bound = waiting->binding.empty() && expires > 0 ? contact_uri : waiting->binding;
            const std::string header = bound.empty() ? "" : "<" + bound + ">;expires=" + std::to_string(expires);
            nua_respond(h, SIP_200_OK, NUTAG_WITH_SAVED(waiting->saved),
                        TAG_IF(!header.empty(), SIPTAG_CONTACT_STR(header.c_str())), TAG_END());
          } else if (*code == core::ErrorCode::unauthenticated) {
            const std::string header = challenge_header(false);
            nua_respond(h, SIP_401_UNAUTHORIZED, NUTAG_WITH_SAVED(waiting->saved),
                        SIPTAG_WWW_AUTHENTICATE_STR(header.c_str()), TAG_END());
          } else if (*code == core::ErrorCode::permission_denied || *code == core::ErrorCode::failed_precondition) {
            nua_respond(h, SIP_403_FORBIDDEN, NUTAG_WITH_SAVED(waiting->saved), TAG_END());
          } else if (*code == core::ErrorCode::unavailable) {
            nua_respond(h, SIP_503_SERVICE_UNAVAILABLE, NUTAG_WITH_SAVED(waiting->saved), SIPTAG_RETRY_AFTER_STR("5"),
                        TAG_END());
          } else {
            nua_respond(h, SIP_400_BAD_REQUEST, NUTAG_WITH_SAVED(waiting->saved), TAG_END());
          }
          nua_destroy_event(waiting->saved);
          nua_handle_destroy(h);
        });
      });
}

}  // namespace contactd::sip
