#pragma once
// REGISTER handling on the SIP thread: challenges with a stateless nonce,
// parses the phone's digest answer and Contact, and has the engine check the
// answer against the user's secret and record the binding; the 200 goes out
// only once that is durable.
//   no Authorization, foreign realm, bad or stale nonce -> 401 (a new challenge)
//   wrong password, unknown user, user without SIP
//   access                                              -> 401 (indistinguishable)
//   the right digest of a deactivated user              -> 403
//   too many wrong answers from the source address      -> 403 (until the minute passes)
//   too many wrong answers for the user name, from all
//   sources, unless from the address of the name's
//   current binding                                     -> 403 (until the minute passes)
//   malformed request                                   -> 400
// Wrong answers, lockouts and 403s are logged, at most one line per kind
// every 10 s (with the count of those not logged).
//   expiry below the minimum                            -> 423 with Min-Expires
//   database unavailable                                -> 503 with Retry-After
#include <chrono>
#include <string>
#include <unordered_map>

#include "sip/nonces.h"
#include "sip/phone_module.h"
#include "sip/sip_limits.h"
#include "sip/sip_stack.h"

namespace contactd::sip {

class Registrar {
 public:
  // Wrong answers per source address: options.auth_failures_per_minute.
  Registrar(host::EngineHost& host, const SipOptions& options, AuthLimits limits = {});
  // On `stack`'s thread, for nua_i_register. Takes over `handle`.
  void on_register(SipStack& stack, nua_handle_t* handle, const sip_t* sip);

 private:
  std::string challenge_header(bool stale) const;
  void challenge(nua_t* nua, nua_handle_t* handle, bool stale);

  // Wrong answers within a minute, by key (a source address or a user
  // name); bounded whatever keys are tried. SIP thread only.
  class FailureCounter {
   public:
    explicit FailureCounter(int limit) : limit_(limit) {}
    bool locked(const std::string& key);
    void failed(const std::string& key);

   private:
    struct Failures {
      int count{0};
      std::chrono::steady_clock::time_point since;
    };
    int limit_;
    std::unordered_map<std::string, Failures> failures_;
  };
  // At most one line per kind every 10 s; the others are counted. SIP thread only.
  class LogLimiter {
   public:
    bool allow(std::size_t& suppressed);

   private:
    std::chrono::steady_clock::time_point last_{};
    std::size_t suppressed_{0};
  };

  host::EngineHost& host_;
  SipOptions options_;
  Nonces nonces_;
  FailureCounter by_source_;
  FailureCounter by_name_;
  LogLimiter wrong_log_, locked_log_, forbidden_log_;
};

}  // namespace contactd::sip
