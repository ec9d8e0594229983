#pragma once
// Turns stored webhook items (store/inbox.h) into engine commands, in the
// order they were stored:
// - a customer message -> ReceiveProviderMessage (R-IN-1). Its inbox row is
//   marked processed in the transaction that stores the message (the
//   projection, by inbox_id), so a crash never stores it twice; if the engine
//   refuses it, the refusal is recorded on the row. Its media are fetched
//   afterwards (MediaFetcher), never before the message is safe.
// - a delivery status -> the outbox row it is about (by our correlation id,
//   else the provider's id), then ReportMessageStatus (merged monotonically
//   by the engine, R-MSG-5). A row waiting as 'unknown' is confirmed sent.
//   A status for no message we know is logged and marked so.
// Thread-safe; the engine work runs on its strand.
#include <memory>

#include "channels/accounts.h"
#include "channels/whatsapp/provider_types.h"
#include "host/engine_host.h"
#include "store/inbox.h"

namespace contactd::store {
class PgOutbox;
}

namespace contactd::channels {
class OutboxSender;
}

namespace contactd::channels::whatsapp {

class MediaFetcher;

class InboundFeeder {
 public:
  InboundFeeder(host::EngineHost& host, store::PgInbox& inbox, store::PgOutbox& outbox, OutboxSender& sender,
                MediaFetcher* media)
      : host_(host), inbox_(inbox), outbox_(outbox), sender_(sender), media_(media) {}

  void feed(const store::StoredInboxItem& item);

 private:
  void feed_message(store::InboxId id, core::AccountId account, InboundMessage m);
  void feed_status(store::InboxId id, core::AccountId account, InboundStatus s);

  host::EngineHost& host_;
  store::PgInbox& inbox_;
  store::PgOutbox& outbox_;
  OutboxSender& sender_;
  MediaFetcher* media_;
};

// The text of a provider message as the core accepts it: NUL characters
// (valid in JSON, refused by the core's text rule) become U+FFFD.
std::string clean_text(std::string_view text);

}  // namespace contactd::channels::whatsapp
