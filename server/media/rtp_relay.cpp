#include "media/rtp_relay.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <chrono>
#include <deque>
#include <future>
#include <optional>
#include <random>
#include <thread>
#include <unordered_map>

#include "media/player.h"
#include "media/rtp_packet.h"
#include "media/rtp_stream.h"
#include "media/telephone_event.h"

namespace contactd::media {
namespace {

namespace net = boost::asio;
using udp = net::ip::udp;

struct Leg {
  Leg(udp::socket s, std::uint32_t ssrc, std::uint16_t seq, std::uint32_t ts) : socket(std::move(s)), out(ssrc, seq, ts) {}
  udp::socket socket;
  std::optional<udp::endpoint> expected;  // from the peer's SDP
  bool trusted{false};                    // may send to `expected` before any RTP came from there
  udp::endpoint remote;                   // where to send once latched (or trusted)
  bool latched{false};
  bool latched_exact{false};              // latched to `expected` itself: final
  std::chrono::steady_clock::time_point connected_at{};
  std::chrono::steady_clock::time_point last_heard{};  // last accepted packet, or connect()
  bool inactive_reported{false};
  int payload_type{0};
  int telephone_event{-1};
  LegId peer{0};
  bool muted{false};
  std::unique_ptr<Player> music;
  RtpStream out;
  DigitReceiver digits_in;
  std::deque<std::uint8_t> digits_out;
  std::optional<DigitSender> digit;
  LegStats stats;
  std::array<std::uint8_t, 2048> buffer{};
  udp::endpoint from;
};

}  // namespace

struct RtpRelay::Impl : std::enable_shared_from_this<Impl> {
  RelayOptions options;
  net::io_context io{1};
  net::executor_work_guard<net::io_context::executor_type> guard{io.get_executor()};
  net::steady_timer tick{io};
  bool stopping{false};  // relay thread only: no tick is armed again
  std::thread thread;
  std::mutex ports_mu;  // open_leg runs on callers' threads
  std::uint16_t next_port{0};
  std::atomic<LegId> last_leg{0};
  std::unordered_map<LegId, std::unique_ptr<Leg>> legs;  // relay thread only
  std::mt19937 random{std::random_device{}()};
  std::function<void(LegId, char)>* on_digit{nullptr};
  std::function<void(LegId)>* on_inactive{nullptr};
  unsigned ticks{0};

  Leg* find(LegId id) {
    auto it = legs.find(id);
    return it == legs.end() ? nullptr : it->second.get();
  }

  void send(Leg& leg, const RtpHeader& h, std::span<const std::uint8_t> payload) {
    if (!leg.latched && !(leg.trusted && leg.expected)) {  // not proven to be the peer's yet
      ++leg.stats.withheld;
      return;
    }
    std::array<std::uint8_t, 2048> packet;
    write_rtp_header(h, packet);
    std::copy(payload.begin(), payload.end(), packet.begin() + kRtpHeaderBytes);
    boost::system::error_code ec;
    leg.socket.send_to(net::buffer(packet.data(), kRtpHeaderBytes + payload.size()), leg.remote, 0, ec);
    if (!ec) ++leg.stats.sent;
  }

  void receive(LegId id) {
    Leg* leg = find(id);
    if (!leg) return;
    leg->socket.async_receive_from(net::buffer(leg->buffer), leg->from,
                                   [self = shared_from_this(), id](boost::system::error_code ec, std::size_t n) {
                                     if (ec == net::error::operation_aborted || !self->find(id)) return;  // closed
                                     if (!ec) self->on_packet(id, n);
                                     self->receive(id);
                                   });
  }

  void on_packet(LegId id, std::size_t n) {
    Leg& leg = *find(id);
    // Source checks: the latching rule in rtp_relay.h.
    const auto now = std::chrono::steady_clock::now();
    if (!leg.expected || leg.from.address() != leg.expected->address()) {
      ++leg.stats.dropped_foreign;
      return;
    }
    const bool exact = leg.from.port() == leg.expected->port();
    const bool current = leg.latched && leg.from == leg.remote;
    if (!exact && !current) {  // another port of the SDP's host: a NAT's, or someone racing the caller
      const auto grace = options.nat_port_grace;
      if (leg.latched_exact || now - leg.connected_at < grace || (leg.latched && now - leg.last_heard < grace)) {
        ++leg.stats.dropped_foreign;
        return;
      }
    }
    const auto packet = parse_rtp(std::span<const std::uint8_t>(leg.buffer.data(), n));
    if (!packet) {
      ++leg.stats.dropped_malformed;
      return;
    }
    if (!current) {
      leg.remote = leg.from;
      leg.latched = true;
      leg.latched_exact = exact;
      leg.stats.latched_port = leg.from.port();
    }
    leg.last_heard = now;
    ++leg.stats.received;
    const int pt = packet->header.payload_type;
    if (pt == leg.telephone_event) {
      if (auto e = parse_telephone_event(packet->payload))
        if (auto d = leg.digits_in.on_packet(packet->header.timestamp, *e); d && on_digit && *on_digit) (*on_digit)(id, *d);
      return;
    }
    if (pt != leg.payload_type || leg.muted || leg.peer == 0) return;
    Leg* peer = find(leg.peer);
    if (!peer || peer->music || peer->digit) return;  // the peer hears music or a digit now
    if (peer->payload_type == pt || packet->payload.size() != kFrameSamples) {
      send(*peer, peer->out.relay(packet->header), packet->payload);
      return;
    }
    std::int16_t pcm[kFrameSamples];
    std::uint8_t coded[kFrameSamples];
    decode_frame(pt, std::span<const std::uint8_t, kFrameSamples>(packet->payload.data(), kFrameSamples), pcm);
    encode_frame(peer->payload_type, pcm, coded);
    RtpHeader h = packet->header;
    h.payload_type = static_cast<std::uint8_t>(peer->payload_type);
    send(*peer, peer->out.relay(h), coded);
  }

  // Once a second: legs whose peer has sent nothing for the inactivity timeout.
  void check_inactive() {
    if (options.inactivity_timeout.count() <= 0 || !on_inactive || !*on_inactive) return;
    const auto now = std::chrono::steady_clock::now();
    for (auto& [id, leg] : legs)
      if (leg->expected && !leg->inactive_reported && now - leg->last_heard >= options.inactivity_timeout) {
        leg->inactive_reported = true;
        (*on_inactive)(id);
      }
  }

  // Every 20 ms: music and digits, which contactd produces itself.
  void on_tick() {
    if (++ticks % 50 == 0) check_inactive();
    for (auto& [id, leg] : legs) {
      if (!leg->digit && !leg->digits_out.empty() && leg->telephone_event >= 0) {
        leg->digit.emplace(leg->digits_out.front(), 0);
        leg->digits_out.pop_front();
      }
      if (leg->digit) {
        auto p = leg->digit->next();
        std::uint8_t payload[kTelephoneEventBytes];
        write_telephone_event(p.event, payload);
        send(*leg, leg->out.event(static_cast<std::uint8_t>(leg->telephone_event), p.marker, p.timestamp), payload);
        if (leg->digit->done()) {
          leg->out.resume(leg->digit->resume_timestamp());  // the digit started at 0 on its own scale: its length
          leg->digit.reset();
        }
        continue;
      }
      if (leg->music) {
        std::uint8_t frame[kFrameSamples];
        leg->music->next_encoded(leg->payload_type, frame);
        send(*leg, leg->out.own(static_cast<std::uint8_t>(leg->payload_type)), frame);
      }
    }
  }

  void arm(std::chrono::steady_clock::time_point at) {
    tick.expires_at(at);
    tick.async_wait([self = shared_from_this(), at](boost::system::error_code ec) {
      // A tick already due when cancel() ran completes without an error: the
      // flag stops it from arming another (which would keep run() going).
      if (ec || self->stopping) return;
      self->on_tick();
      self->arm(at + std::chrono::milliseconds(20));  // no drift: 50 packets a second
    });
  }

  template <class F>
  void run(F f) {
    net::post(io, [self = shared_from_this(), f = std::move(f)]() mutable { f(*self); });
  }
};

RtpRelay::RtpRelay(RelayOptions options) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
  impl_->next_port = impl_->options.port_min + (impl_->options.port_min % 2);
  impl_->on_digit = &on_digit;
  impl_->on_inactive = &on_inactive;
  impl_->arm(std::chrono::steady_clock::now() + std::chrono::milliseconds(20));
  impl_->thread = std::thread([impl = impl_] { impl->io.run(); });
}

RtpRelay::~RtpRelay() {
  impl_->run([](Impl& i) {
    i.stopping = true;
    i.tick.cancel();
    i.legs.clear();
    i.guard.reset();
  });
  impl_->thread.join();
}

RtpRelay::Opened RtpRelay::open_leg() {
  const auto address = net::ip::make_address(impl_->options.address);
  std::lock_guard lock(impl_->ports_mu);
  const int span = (impl_->options.port_max - impl_->options.port_min) / 2 + 1;
  for (int tries = 0; tries < span; ++tries) {
    const std::uint16_t port = impl_->next_port;
    impl_->next_port = static_cast<std::uint16_t>(port + 2 > impl_->options.port_max
                                                      ? impl_->options.port_min + (impl_->options.port_min % 2)
                                                      : port + 2);
    udp::socket socket(impl_->io);
    boost::system::error_code ec;
    socket.open(address.is_v4() ? udp::v4() : udp::v6(), ec);
    if (!ec) socket.bind(udp::endpoint(address, port), ec);
    if (ec) continue;  // taken: the next one
    const LegId id = ++impl_->last_leg;
    std::promise<void> added;
    auto done = added.get_future();
    impl_->run([id, s = std::make_shared<udp::socket>(std::move(socket)), &added](Impl& i) mutable {
      std::uniform_int_distribution<std::uint32_t> any;
      i.legs[id] = std::make_unique<Leg>(std::move(*s), any(i.random), static_cast<std::uint16_t>(any(i.random)),
                                         any(i.random));
      i.receive(id);
      added.set_value();
    });
    done.wait();
    return Opened{id, impl_->options.address, port};
  }
  return Opened{};
}

void RtpRelay::connect(LegId id, std::string remote_address, std::uint16_t remote_port, int payload_type,
                       int telephone_event, RemoteTrust trust) {
  impl_->run([=](Impl& i) {
    Leg* leg = i.find(id);
    if (!leg) return;
    boost::system::error_code ec;
    const auto address = net::ip::make_address(remote_address, ec);
    if (ec) return;
    const udp::endpoint expected(address, remote_port);
    if (!leg->expected || *leg->expected != expected) {  // a new peer endpoint: prove it anew
      leg->expected = expected;
      leg->latched = leg->latched_exact = false;
      leg->stats.latched_port = 0;
      leg->connected_at = leg->last_heard = std::chrono::steady_clock::now();
      leg->inactive_reported = false;
    }
    leg->trusted = trust == RemoteTrust::trusted;
    if (!leg->latched) leg->remote = expected;  // used only if trusted, until RTP says otherwise
    leg->payload_type = payload_type;
    leg->telephone_event = telephone_event;
  });
}

void RtpRelay::bridge(LegId a, LegId b) {
  impl_->run([=](Impl& i) {
    Leg* x = i.find(a);
    Leg* y = i.find(b);
    if (!x || !y || a == b) return;
    for (Leg* l : {x, y})
      if (Leg* old = l->peer ? i.find(l->peer) : nullptr) old->peer = 0;
    x->peer = b;
    y->peer = a;
  });
}

void RtpRelay::unbridge(LegId id) {
  impl_->run([=](Impl& i) {
    Leg* leg = i.find(id);
    if (!leg) return;
    if (Leg* peer = leg->peer ? i.find(leg->peer) : nullptr) peer->peer = 0;
    leg->peer = 0;
  });
}

void RtpRelay::play(LegId id, std::shared_ptr<const Samples> audio) {
  impl_->run([id, audio = std::move(audio)](Impl& i) {
    if (Leg* leg = i.find(id)) leg->music = audio && !audio->empty() ? std::make_unique<Player>(audio) : nullptr;
  });
}

void RtpRelay::mute(LegId id, bool muted) {
  impl_->run([=](Impl& i) {
    if (Leg* leg = i.find(id)) leg->muted = muted;
  });
}

void RtpRelay::send_digits(LegId id, std::string digits) {
  impl_->run([id, digits = std::move(digits)](Impl& i) {
    Leg* leg = i.find(id);
    if (!leg) return;
    for (char c : digits)
      if (auto e = event_of_digit(c)) leg->digits_out.push_back(*e);
  });
}

void RtpRelay::close(LegId id) {
  impl_->run([=](Impl& i) {
    Leg* leg = i.find(id);
    if (!leg) return;
    if (Leg* peer = leg->peer ? i.find(leg->peer) : nullptr) peer->peer = 0;
    i.legs.erase(id);  // closes the socket; its pending receive ends with operation_aborted
  });
}

LegStats RtpRelay::stats(LegId id) {
  std::promise<LegStats> result;
  auto f = result.get_future();
  impl_->run([id, &result](Impl& i) {
    Leg* leg = i.find(id);
    result.set_value(leg ? leg->stats : LegStats{});
  });
  return f.get();
}

}  // namespace contactd::media
