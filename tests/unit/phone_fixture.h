#pragma once
// Sales takes calls and WebChat (longest idle), with helpers for phones.
#include "inbox_fixture.h"

namespace contactd::test {

struct Phones : Inbox {
  explicit Phones(std::chrono::milliseconds wrap_up = 0ms) {
    auto s = webchat(Strategy::longest_idle);
    s.channels[index(Channel::phone)] = ChannelSettings{true, Provider::sip_trunk};
    s.wrap_up = wrap_up;
    configure(sales, s);
  }
  // Gives `u` SIP access (a digest secret).
  void allow_phone(UserId u) { REQUIRE(system(UpdateUser{u, {}, {}, {}, {}, {}, "ha1-" + std::to_string(u)}).ok()); }
  Outcome register_phone(UserId u, std::string contact = "sip:phone@127.0.0.1:5070", std::chrono::seconds for_ = 300s) {
    return system(RegisterPhone{u, std::move(contact), "udp 127.0.0.1:5070", clock.now() + for_});
  }
  // Logs `u` in with a registered phone: only then are they offered calls.
  void connect_phone(UserId u) {
    connect(u);
    allow_phone(u);
    REQUIRE(register_phone(u, "sip:phone@127.0.0.1:5070", 3600s).ok());
  }
  InteractionId call(std::string caller = "+5511999990000") {
    auto o = system(OpenInteraction{sales, Channel::phone, std::move(caller), 0});
    REQUIRE(o.ok());
    return std::get<CreatedReply>(o.reply).id;
  }
  // Whose phones ring for call `id` now.
  std::vector<UserId> ringing(InteractionId id) { return at(id).call.ringing; }
  Outcome answer(InteractionId id, UserId agent) { return system(CallAnswered{id, agent}); }
  // A call that rang on `agent`'s phone (the one the strategy picks) and was answered.
  InteractionId answered_call(UserId agent, std::string caller = "+5511999990000") {
    const auto id = call(std::move(caller));
    REQUIRE(ringing(id) == std::vector<UserId>{agent});
    REQUIRE(answer(id, agent).ok());
    return id;
  }
};

}  // namespace contactd::test
