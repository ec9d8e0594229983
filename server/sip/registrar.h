#pragma once
// REGISTER handling on the SIP thread: challenges with a stateless nonce,
// parses the phone's digest answer and Contact, and has the engine check the
// answer against the user's secret and record the binding; the 200 goes out
// only once that is durable.
//   no Authorization, foreign realm, bad or stale nonce -> 401 (a new challenge)
//   wrong password or unknown user                      -> 401 (indistinguishable)
//   user without SIP access or deactivated              -> 403
//   too many wrong answers for a user name this minute  -> 403 (until it passes)
//   malformed request                                   -> 400
//   expiry below the minimum                            -> 423 with Min-Expires
//   database unavailable                                -> 503 with Retry-After
#include <chrono>
#include <string>
#include <unordered_map>

#include "sip/digest.h"
#include "sip/phone_module.h"
#include "sip/sip_stack.h"

namespace contactd::sip {

class Registrar {
 public:
  Registrar(host::EngineHost& host, const SipOptions& options);
  // On `stack`'s thread, for nua_i_register. Takes over `handle`.
  void on_register(SipStack& stack, nua_handle_t* handle, const sip_t* sip);

 private:
  std::string challenge_header(bool stale) const;
  bool locked_out(const std::string& login);  // SIP thread
  void failed(const std::string& login);       // SIP thread
  void challenge(nua_t* nua, nua_handle_t* handle, bool stale);

  host::EngineHost& host_;
  SipOptions options_;
  Nonces nonces_;
  struct Failures {
    int count{0};
    std::chrono::steady_clock::time_point since;
  };
  std::unordered_map<std::string, Failures> failures_;  // by SIP user name; SIP thread only
};

}  // namespace contactd::sip
