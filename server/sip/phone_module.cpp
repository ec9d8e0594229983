#include "sip/phone_module.h"

#include <spdlog/spdlog.h>

#include "sip/registrar.h"
#include "sip/sip_stack.h"

namespace contactd::sip {

struct PhoneModule::Impl {
  std::unique_ptr<Registrar> registrar;  // exists before the stack delivers events
  std::unique_ptr<SipStack> stack;

  void on_event(nua_event_t event, int, const char*, nua_handle_t* handle, nua_hmagic_t*, const sip_t* sip, tagi_t*) {
    switch (event) {
      case nua_i_register:
        registrar->on_register(*stack, handle, sip);
        break;
      case nua_i_options:  // answered 200 by the stack (trunks and phones ping with it)
        nua_handle_destroy(handle);
        break;
      default:
        break;
    }
  }
};

PhoneModule::PhoneModule(host::EngineHost& host, SipOptions options) : impl_(std::make_unique<Impl>()) {
  // Calls come with the next part of issue 5; until then INVITE is not
  // accepted (405 from the stack), so no caller is left waiting.
  StackOptions stack_options{options.address, options.port, options.transports, "contactd"};
  stack_options.allow = "OPTIONS, REGISTER";
  stack_options.handled = "REGISTER";
  Impl* impl = impl_.get();
  impl->registrar = std::make_unique<Registrar>(host, options);
  impl->stack = std::make_unique<SipStack>(
      stack_options, [impl](nua_event_t e, int status, const char* phrase, nua_handle_t* h, nua_hmagic_t* m,
                            const sip_t* sip, tagi_t* tags) { impl->on_event(e, status, phrase, h, m, sip, tags); });
  spdlog::info("SIP on {}:{} ({}), realm \"{}\"", options.address, impl->stack->port(), options.transports, options.realm);
}

PhoneModule::~PhoneModule() { stop(); }

std::uint16_t PhoneModule::port() const { return impl_->stack->port(); }

void PhoneModule::stop() {
  if (impl_->stack) impl_->stack->stop();
}

}  // namespace contactd::sip
