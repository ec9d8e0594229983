#include "channels/delivery/outbox_sender.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

namespace contactd::channels {

namespace net = boost::asio;
using store::OutboxUpdate;

struct OutboxSender::Impl : std::enable_shared_from_this<Impl> {
  Impl(net::io_context& io, store::PgOutbox& o, Reporter r, const core::Clock& c, OutboxSenderOptions opt)
      : strand(net::make_strand(io)), outbox(o), report(std::move(r)), clock(c), options(opt), rng(std::random_device{}()) {}

  struct Entry {
    core::DeliverMessage delivery;
    int attempts{0};
    std::unique_ptr<net::steady_timer> timer;
  };
  struct Unknown {
    core::InteractionId interaction{};
    std::unique_ptr<net::steady_timer> timer;
  };

  net::strand<net::io_context::executor_type> strand;
  store::PgOutbox& outbox;
  Reporter report;
  const core::Clock& clock;
  OutboxSenderOptions options;
  std::map<core::Provider, ProviderLink*> links;
  std::unordered_map<core::MessageId, Entry> entries;
  std::unordered_map<core::MessageId, Unknown> unknown;
  std::vector<core::MessageId> to_claim;
  bool claiming{false};
  std::mt19937_64 rng;
  std::atomic<std::uint64_t> sent{0}, failed{0}, retried{0}, unknowns{0};

  // `attempts` made already (before a restart), the next not before `not_before`.
  void add(core::DeliverMessage d, int attempts = 0, core::TimePoint not_before = {}) {
    const core::MessageId id = d.message.message;
    if (entries.count(id)) return;  // already on its way
    if (!links.count(d.provider)) {
      fail(d.message.interaction, id, "no_adapter",
           "contactd has no adapter for " + std::string(core::to_string(d.provider)));
      return;
    }
    if (attempts >= options.retry.max_attempts) {
      fail(d.message.interaction, id, "retries_exhausted",
           "gave up after " + std::to_string(attempts) + " attempts (before a restart)");
      return;
    }
    auto& entry = entries[id] = Entry{std::move(d), attempts, nullptr};
    const auto wait = not_before - clock.now();
    if (wait <= core::Millis::zero()) {
      queue_claim(id);
      return;
    }
    entry.timer = std::make_unique<net::steady_timer>(strand, wait);
    entry.timer->async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
      if (!ec) self->queue_claim(id);
    });
  }

  void queue_claim(core::MessageId id) {
    to_claim.push_back(id);
    if (!claiming) flush();
  }

  void flush() {
    if (to_claim.empty()) return;
    const std::size_t n = std::min(to_claim.size(), options.claim_batch);
    std::vector<core::MessageId> batch(to_claim.begin(), to_claim.begin() + static_cast<std::ptrdiff_t>(n));
    to_claim.erase(to_claim.begin(), to_claim.begin() + static_cast<std::ptrdiff_t>(n));
    claiming = true;
    outbox.claim(batch, [self = shared_from_this(), batch](std::vector<std::uint64_t> claimed,
                                                            std::optional<store::StoreError> error) {
      net::post(self->strand, [self, batch, claimed = std::move(claimed), error = std::move(error)] {
        self->claiming = false;
        std::set<core::MessageId> got(claimed.begin(), claimed.end());
        for (auto id : batch) {
          if (got.count(id)) {
            self->send(id);
            continue;
          }
          auto it = self->entries.find(id);
          if (it == self->entries.end()) continue;
          const auto interaction = it->second.delivery.message.interaction;
          self->entries.erase(it);  // unclaimed: not pending any more (settled elsewhere), or refused
          if (error && error->kind == store::StoreError::Kind::refused)
            self->fail(interaction, id, "outbox_refused", "the database refused to claim this message: " + error->message);
        }
        self->flush();
      });
    });
  }

  void send(core::MessageId id) {
    auto it = entries.find(id);
    if (it == entries.end()) return;
    ++it->second.attempts;
    ProviderLink* link = links.at(it->second.delivery.provider);
    link->send(it->second.delivery, [self = shared_from_this(), id](SendResult r) {
      net::post(self->strand, [self, id, r = std::move(r)]() mutable { self->settle(id, std::move(r)); });
    });
  }

  void settle(core::MessageId id, SendResult r) {
    auto it = entries.find(id);
    if (it == entries.end()) return;
    const core::InteractionId interaction = it->second.delivery.message.interaction;
    switch (r.kind) {
      case SendResult::Kind::accepted:
        entries.erase(it);
        outbox.record(OutboxUpdate{id, OutboxUpdate::State::sent, {}, r.provider_message_id, {}});
        ++sent;
        report(Report{interaction, id, true, std::move(r.provider_message_id), {}, {}});
        return;
      case SendResult::Kind::permanent:
        entries.erase(it);
        fail(interaction, id, std::move(r.error_code), std::move(r.error_text));
        return;
      case SendResult::Kind::unknown: {
        entries.erase(it);
        outbox.record(OutboxUpdate{id, OutboxUpdate::State::unknown, {}, {}, describe(r)});
        ++unknowns;
        spdlog::warn("outbox: message {} may or may not have reached the provider ({}); waiting for its status",
                     id, describe(r));
        await_confirmation(interaction, id, options.reconcile_after);
        return;
      }
      case SendResult::Kind::retryable: {
        std::uniform_real_distribution<double> uniform(0.0, 1.0);
        auto delay = next_delay(options.retry, it->second.attempts, r.retry_after, uniform(rng));
        if (!delay) {
          const int attempts = it->second.attempts;
          entries.erase(it);
          fail(interaction, id, r.error_code.empty() ? "retries_exhausted" : r.error_code,
               "gave up after " + std::to_string(attempts) + " attempts: " + describe(r));
          return;
        }
        ++retried;
        outbox.record(OutboxUpdate{id, OutboxUpdate::State::pending, clock.now() + *delay, {}, describe(r)});
        auto& timer = it->second.timer;
        timer = std::make_unique<net::steady_timer>(strand, *delay);
        timer->async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
          if (!ec) self->queue_claim(id);
        });
        return;
      }
    }
  }

  static std::string describe(const SendResult& r) {
    if (r.error_code.empty()) return r.error_text;
    return r.error_code + (r.error_text.empty() ? "" : ": " + r.error_text);
  }

  void fail(core::InteractionId interaction, core::MessageId id, std::string code, std::string text) {
    outbox.record(OutboxUpdate{id, OutboxUpdate::State::failed, {}, {}, code + ": " + text});
    ++failed;
    report(Report{interaction, id, false, {}, std::move(code), std::move(text)});
  }

  void await_confirmation(core::InteractionId interaction, core::MessageId id, std::chrono::milliseconds after) {
    auto& u = unknown[id];
    u.interaction = interaction;
    u.timer = std::make_unique<net::steady_timer>(strand, after);
    u.timer->async_wait([self = shared_from_this(), id](const boost::system::error_code& ec) {
      if (ec) return;
      auto it = self->unknown.find(id);
      if (it == self->unknown.end()) return;
      const auto interaction = it->second.interaction;
      self->unknown.erase(it);
      self->fail(interaction, id, "delivery_unknown",
                 "the provider never confirmed this message; it may not have reached the customer");
    });
  }

  void confirm(core::MessageId id, std::string provider_message_id) {
    auto it = unknown.find(id);
    if (it == unknown.end()) return;
    const auto interaction = it->second.interaction;
    unknown.erase(it);
    outbox.record(OutboxUpdate{id, OutboxUpdate::State::sent, {}, provider_message_id, {}});
    ++sent;
    report(Report{interaction, id, true, std::move(provider_message_id), {}, {}});
  }
};

OutboxSender::OutboxSender(net::io_context& io, store::PgOutbox& outbox, Reporter report, const core::Clock& clock,
                           OutboxSenderOptions options)
    : impl_(std::make_shared<Impl>(io, outbox, std::move(report), clock, options)) {}

OutboxSender::~OutboxSender() = default;

void OutboxSender::add_link(core::Provider provider, ProviderLink& link) { impl_->links[provider] = &link; }

void OutboxSender::resume(std::vector<store::DueDelivery> due, std::vector<store::OutboxRow> unknown) {
  net::post(impl_->strand, [impl = impl_, due = std::move(due), unknown = std::move(unknown)]() mutable {
    for (auto& d : due) impl->add(std::move(d.delivery), d.attempts, d.next_attempt);
    for (const auto& row : unknown) impl->await_confirmation(row.interaction, row.message, impl->options.reconcile_after);
  });
}

void OutboxSender::apply(const core::Effect& effect) {
  const auto* d = std::get_if<core::DeliverMessage>(&effect);
  if (!d) return;
  net::post(impl_->strand, [impl = impl_, d = *d]() mutable { impl->add(std::move(d)); });
}

void OutboxSender::confirmed(core::MessageId message, std::string provider_message_id) {
  net::post(impl_->strand, [impl = impl_, message, pid = std::move(provider_message_id)]() mutable {
    impl->confirm(message, std::move(pid));
  });
}

OutboxSender::Stats OutboxSender::stats() const {
  return Stats{impl_->sent.load(), impl_->failed.load(), impl_->retried.load(), impl_->unknowns.load()};
}

}  // namespace contactd::channels
