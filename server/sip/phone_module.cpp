#include "sip/phone_module.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <future>
#include <stdexcept>

#include "media/music_library.h"
#include "media/rtp_relay.h"
#include "sip/calls.h"
#include "sip/registrar.h"
#include "sip/sip_stack.h"

namespace contactd::sip {
namespace {

// The outbound trunk's host ("192.0.2.5:5060", "[2001:db8::5]:5060") if it
// is an IP address; "" for a name (names are not trusted by address).
std::string trunk_ip(const std::string& trunk) {
  std::string host = trunk;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else if (std::count(host.begin(), host.end(), ':') == 1) {
    host = host.substr(0, host.find(':'));
  }
  std::string ignored;
  return media::AddressList::parse(host, &ignored) ? host : "";
}

}  // namespace

struct PhoneModule::Impl {
  std::unique_ptr<media::MusicLibrary> music;
  std::unique_ptr<media::RtpRelay> relay;
  std::unique_ptr<Registrar> registrar;  // exist before the stack delivers events
  std::unique_ptr<Calls> calls;
  std::unique_ptr<SipStack> stack;
  Calls* live_calls{nullptr};  // set once the stack exists: events before that are dropped
  bool stopped{false};

  void on_event(nua_event_t event, int status, const char*, nua_handle_t* handle, nua_hmagic_t* magic,
                const sip_t* sip, tagi_t*) {
    switch (event) {
      case nua_i_register:
        registrar->on_register(*stack, handle, sip);
        break;
      case nua_i_options:  // answered 200 by the stack (trunks and phones ping with it)
        nua_handle_destroy(handle);
        break;
      case nua_i_invite:
      case nua_r_invite:
      case nua_i_cancel:
      case nua_i_bye:
      case nua_i_info:
      case nua_i_terminated:
        if (live_calls) live_calls->on_event(event, status, handle, magic, sip);
        else if (event == nua_i_invite) nua_respond(handle, 503, "Starting", TAG_END()), nua_handle_destroy(handle);
        break;
      default:
        break;
    }
  }
};

PhoneModule::PhoneModule(host::EngineHost& host, SipOptions options) : impl_(std::make_unique<Impl>()) {
  Impl* impl = impl_.get();
  if (options.media_address.empty()) options.media_address = options.address;
  impl->music = std::make_unique<media::MusicLibrary>(options.music_dir, options.hold_music);
  media::RelayOptions relay_options{options.media_address, options.rtp_port_min, options.rtp_port_max};
  relay_options.inactivity_timeout = options.rtp_inactivity_timeout;
  relay_options.nat_port_grace = options.rtp_nat_port_grace;
  impl->relay = std::make_unique<media::RtpRelay>(relay_options);
  std::string trunks_error;
  auto trunks = media::AddressList::parse(options.trunk_addresses + "," + trunk_ip(options.trunk), &trunks_error);
  if (!trunks) throw std::runtime_error("sip.trunk_addresses: " + trunks_error);
  impl->registrar = std::make_unique<Registrar>(host, options, options.auth);
  StackOptions stack_options{options.address, options.port, options.transports, "contactd"};
  stack_options.tcp = options.tcp;
  stack_options.allow = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, REGISTER";
  stack_options.handled = "INVITE, REGISTER";
  impl->stack = std::make_unique<SipStack>(
      stack_options, [impl](nua_event_t e, int status, const char* phrase, nua_handle_t* h, nua_hmagic_t* m,
                            const sip_t* sip, tagi_t* tags) { impl->on_event(e, status, phrase, h, m, sip, tags); });
  CallOptions call_options{options.media_address, options.max_calls, options.trunk, options.outbound_answer_timeout};
  call_options.trunk_addresses = std::move(*trunks);
  call_options.unknown_source_invites_per_minute = options.unknown_source_invites_per_minute;
  call_options.rtp_inactivity_timeout = options.rtp_inactivity_timeout;
  impl->calls = std::make_unique<Calls>(host, *impl->stack, *impl->relay, *impl->music, std::move(call_options));
  impl->relay->on_digit = [calls = impl->calls.get()](media::LegId leg, char digit) { calls->on_digit(leg, digit); };
  impl->relay->on_inactive = [calls = impl->calls.get()](media::LegId leg) { calls->on_inactive(leg); };
  impl->stack->post([impl] { impl->live_calls = impl->calls.get(); });
  spdlog::info("SIP on {}:{} ({}), realm \"{}\", RTP on {}:{}-{}", options.address, impl->stack->port(),
               options.transports, options.realm, options.media_address, options.rtp_port_min, options.rtp_port_max);
}

PhoneModule::~PhoneModule() { stop(); }

std::uint16_t PhoneModule::port() const { return impl_->stack->port(); }

void PhoneModule::apply(const core::Effect& effect) {
  if (impl_->calls) impl_->calls->apply(effect);
}

void PhoneModule::stop() {
  if (!impl_->stack || impl_->stopped) return;
  impl_->stopped = true;
  Impl* impl = impl_.get();
  std::promise<void> done;
  if (impl->stack->post([impl, &done] {
        if (impl->live_calls) impl->live_calls->shut_down();
        impl->live_calls = nullptr;
        done.set_value();
      }))
    done.get_future().wait();
  impl->stack->stop();
}

}  // namespace contactd::sip
