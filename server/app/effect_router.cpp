#include "app/effect_router.h"

#include <spdlog/spdlog.h>

namespace contactd::app {

EffectRouter::EffectRouter(api::StreamRegistry& streams) : streams_(streams) {
  owners_[index_of<core::CloseConnection>()] = &streams_;
}

void EffectRouter::publish(const std::vector<core::Event>& events) {
  streams_.publish(events);
  for (auto* w : watchers_) w->publish(events);
}

void EffectRouter::apply(const core::Effect& effect) {
  host::EventSink* owner = nullptr;
  if (const auto* d = std::get_if<core::DeliverMessage>(&effect)) {
    auto it = deliveries_.find({d->channel, d->provider});
    if (it != deliveries_.end()) owner = it->second;
    if (!owner)
      spdlog::error("no adapter delivers {} messages through {} (message {} of interaction {})",
                    core::to_string(d->channel), core::to_string(d->provider), d->message.message,
                    d->message.interaction);
  } else {
    owner = owners_[effect.index()];
    if (!owner) spdlog::error("no adapter carries out effects of kind {}", effect.index());
  }
  if (owner) owner->apply(effect);
  else if (unrouted_) unrouted_(effect);
}

}  // namespace contactd::app
