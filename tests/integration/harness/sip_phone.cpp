#include "harness/sip_phone.h"

#include <sofia-sip/sip_status.h>

#include <chrono>
#include <future>

#include "sip/sip_stack.h"

namespace contactd::test {

struct SipPhone::Impl {
  std::unique_ptr<sip::SipStack> stack;
  nua_handle_t* handle{nullptr};  // the registration, on the stack's thread
  std::string credentials;        // for NUTAG_AUTH
  bool answered_challenge{false};
  std::promise<Reply> reply;

  void on_event(nua_event_t event, int status, const char* phrase, const sip_t* sip) {
    (void)phrase;
    if (event != nua_r_register && event != nua_r_unregister) return;
    if ((status == 401 || status == 407) && !answered_challenge) {
      answered_challenge = true;
      nua_authenticate(handle, NUTAG_AUTH(credentials.c_str()), TAG_END());
      return;
    }
    if (status < 200) return;
    Reply r;
    r.status = status;
    if (sip && sip->sip_contact) {
      su_home_t home[1] = {SU_HOME_INIT(home)};
      r.contact = url_as_string(home, sip->sip_contact->m_url);
      su_home_deinit(home);
    }
    if (sip && sip->sip_min_expires) r.min_expires = std::to_string(sip->sip_min_expires->me_delta);
    try {
      reply.set_value(r);
    } catch (const std::future_error&) {  // a refresh nobody waits for
    }
  }

  Reply wait() {
    auto f = reply.get_future();
    if (f.wait_for(std::chrono::seconds(5)) != std::future_status::ready) return Reply{};
    return f.get();
  }
};

SipPhone::SipPhone() : impl_(std::make_unique<Impl>()) {
  Impl* impl = impl_.get();
  sip::StackOptions options{"127.0.0.1", 0, "udp,tcp", "contactd-test-phone"};
  options.retry_count = 3;  // answers challenges, as phones do
  impl->stack = std::make_unique<sip::SipStack>(
      options,
      [impl](nua_event_t event, int status, const char* phrase, nua_handle_t*, nua_hmagic_t*, const sip_t* sip,
             tagi_t*) { impl->on_event(event, status, phrase, sip); });
}

SipPhone::~SipPhone() {
  // Drop the registration handle first: otherwise the stack's shutdown
  // unregisters it and waits out any refusal (tens of seconds).
  Impl* impl = impl_.get();
  impl->stack->post([impl] {
    if (impl->handle) nua_handle_destroy(impl->handle);
    impl->handle = nullptr;
  });
  impl->stack->stop();
}

SipPhone::Reply SipPhone::register_as(std::uint16_t port, const std::string& login, const std::string& password,
                                      int expires, const std::string& transport) {
  impl_->reply = std::promise<Reply>();
  impl_->answered_challenge = false;
  impl_->credentials = "Digest:\"contactd\":" + login + ":" + password;
  const std::string aor = "sip:" + login + "@127.0.0.1";
  const std::string registrar = "sip:127.0.0.1:" + std::to_string(port) + ";transport=" + transport;
  const std::string seconds = std::to_string(expires);
  Impl* impl = impl_.get();
  impl->stack->post([impl, aor, registrar, seconds] {
    if (!impl->handle)
      impl->handle = nua_handle(impl->stack->nua(), nullptr, SIPTAG_TO_STR(aor.c_str()), SIPTAG_FROM_STR(aor.c_str()),
                                TAG_END());
    nua_register(impl->handle, NUTAG_REGISTRAR(registrar.c_str()), SIPTAG_EXPIRES_STR(seconds.c_str()),
                 NUTAG_OUTBOUND("no-options-keepalive, no-validate"), TAG_END());
  });
  return impl_->wait();
}

SipPhone::Reply SipPhone::unregister() {
  impl_->reply = std::promise<Reply>();
  impl_->answered_challenge = false;
  Impl* impl = impl_.get();
  impl->stack->post([impl] { nua_unregister(impl->handle, TAG_END()); });
  return impl_->wait();
}

}  // namespace contactd::test
