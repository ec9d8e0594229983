#pragma once
// Where the engine host's durable events and effects go. Events: the client
// streams first, then the adapters that watch them, in the order added.
// Effects are routed, never broadcast: each kind has one owner, and a
// message delivery has one owner per (channel, provider). An effect nobody
// owns is an error that is logged and handed to `unrouted` (which reports a
// delivery as failed to the engine): never a silent drop.
#include <array>
#include <functional>
#include <map>
#include <utility>
#include <variant>
#include <vector>

#include "api/streams.h"
#include "host/event_sink.h"

namespace contactd::app {

class EffectRouter final : public host::EventSink {
 public:
  using Unrouted = std::function<void(const core::Effect&)>;
  explicit EffectRouter(api::StreamRegistry& streams);

  // REQUIRES (all three): before the host starts.
  // `adapter` sees every published event.
  void watch(host::EventSink& adapter) { watchers_.push_back(&adapter); }
  // `adapter.apply` receives the effects of kind E (not DeliverMessage).
  template <class E>
  void own(host::EventSink& adapter) {
    static_assert(!std::is_same_v<E, core::DeliverMessage>, "deliveries are owned per channel and provider");
    owners_[index_of<E>()] = &adapter;
  }
  // `adapter.apply` receives deliveries in `channel` through `provider`.
  void own_delivery(core::Channel channel, core::Provider provider, host::EventSink& adapter) {
    deliveries_[{channel, provider}] = &adapter;
  }
  bool delivers(core::Channel channel, core::Provider provider) const {
    return deliveries_.count({channel, provider}) != 0;
  }
  void on_unrouted(Unrouted fn) { unrouted_ = std::move(fn); }

  void publish(const std::vector<core::Event>& events) override;
  void apply(const core::Effect& effect) override;

 private:
  template <class E, std::size_t I = 0>
  static constexpr std::size_t index_of() {
    if constexpr (std::is_same_v<std::variant_alternative_t<I, core::Effect>, E>) return I;
    else return index_of<E, I + 1>();
  }

  api::StreamRegistry& streams_;
  std::vector<host::EventSink*> watchers_;
  std::array<host::EventSink*, std::variant_size_v<core::Effect>> owners_{};
  std::map<std::pair<core::Channel, core::Provider>, host::EventSink*> deliveries_;
  Unrouted unrouted_;
};

}  // namespace contactd::app
