// Fuzz target: the WebChat channel's JSON protocol
// (channels::WebChatGateway::on_frame), open to anyone on /webchat/v1.
//
// Input: text frames, one per line. A line "~" closes the connection and
// opens a new one (so "resume" can be reached); "$TOKEN" in a line is
// replaced by the token of the last "started" frame. The engine's work runs
// to completion after each frame.
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "api/streams.h"
#include "channels/webchat/gateway.h"
#include "host/engine_host.h"
#include "in_process.h"

namespace {

using namespace contactd;

// Every frame the gateway sends is one JSON object with a string "type";
// remembers the token of a "started" one.
void check_frames(const fuzz::CollectingPeer& peer, std::string& token) {
  for (const auto& f : peer.frames) {
    boost::system::error_code ec;
    auto v = boost::json::parse(*f, ec);
    if (ec || !v.is_object()) std::abort();
    const auto* type = v.as_object().if_contains("type");
    if (!type || !type->is_string()) std::abort();
    if (type->as_string() == "started") token = std::string(v.as_object().at("token").as_string());
  }
}

std::string with_token(std::string_view line, const std::string& token) {
  std::string s(line);
  for (auto at = s.find("$TOKEN"); at != std::string::npos; at = s.find("$TOKEN", at + token.size()))
    s.replace(at, 6, token);
  return s;
}

}  // namespace

// Logging would only slow the run down: libFuzzer reports what matters.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

// What the daemon's EffectRouter does for these two: events to the streams
// and the gateway, deliveries to the gateway, the rest to the streams.
struct Sinks final : host::EventSink {
  api::StreamRegistry& streams;
  channels::WebChatGateway* webchat{nullptr};
  explicit Sinks(api::StreamRegistry& s) : streams(s) {}
  void publish(const std::vector<core::Event>& events) override {
    streams.publish(events);
    if (webchat) webchat->publish(events);
  }
  void apply(const core::Effect& effect) override {
    if (std::holds_alternative<core::DeliverMessage>(effect)) {
      if (webchat) webchat->apply(effect);
    } else {
      streams.apply(effect);
    }
  }
};

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  core::ManualClock clock(core::from_unix_ms(1'790'000'000'000));
  fuzz::Directory directory = fuzz::make_directory(clock.now());
  fuzz::InlineJournal journal;
  boost::asio::io_context io;
  api::StreamRegistry streams(api::StreamOptions{}, clock, std::move(directory.audiences));
  Sinks sinks(streams);
  {
    host::EngineHost host(io, std::move(directory.engine), clock, journal, sinks);
    channels::WebChatGateway webchat(io, host, std::chrono::seconds(60));
    sinks.webchat = &webchat;
    host.start();
    fuzz::drain(io);

    core::ConnectionId next_id = 1;
    auto peer = std::make_shared<fuzz::CollectingPeer>(next_id++);
    std::string token;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    for (std::string_view line : fuzz::split(input, "\n")) {
      if (line == "~" || peer->closed) {
        webchat.on_closed(peer);
        fuzz::drain(io);
        check_frames(*peer, token);
        peer = std::make_shared<fuzz::CollectingPeer>(next_id++);
        if (line == "~") continue;
      }
      webchat.on_frame(peer, with_token(line, token), false);
      fuzz::drain(io);
      check_frames(*peer, token);
      peer->frames.clear();
      clock.advance(std::chrono::milliseconds(10));
    }
    webchat.on_closed(peer);
    host.stop();
    fuzz::drain(io);
    check_frames(*peer, token);
  }
  return 0;
}
