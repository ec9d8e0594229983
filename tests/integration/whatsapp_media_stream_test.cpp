// Large WhatsApp media through Meta's Cloud API (issue 12 item 2: never the
// whole file in memory): the real daemon and PostgreSQL, the fake Graph API
// serving and taking files of tens of megabytes. The bytes are checked by
// SHA-256 at both ends; the oversize case by what is left in the store.

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "harness/fake_meta.h"
#include "harness/http_call.h"
#include "provider_accounts.h"
#include "support/test_files.h"

using namespace contactd::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;
using contactd::test::sha256_hex;

namespace {

const std::string kCustomer = "5511977770002";

// A PDF (the store sniffs "%PDF-") of `size` bytes, the rest pseudo-random.
std::string pdf_of(std::size_t size, std::uint64_t seed) {
  std::string s = "%PDF-1.7\n";
  s.resize(size);
  std::mt19937_64 rng(seed);
  for (std::size_t i = 9; i < size; i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(s.data() + i, &r, std::min<std::size_t>(8, size - i));
  }
  return s;
}

// Polls `sql` until it answers something other than `not_yet`.
std::string poll(TestDatabase& db, const std::string& sql, const std::string& not_yet,
                 std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::string got = db.query(sql);
  while (got == not_yet && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(50ms);
    got = db.query(sql);
  }
  return got;
}

std::size_t files_under(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) ++n;
  return n;
}

// Sales takes WhatsApp through a Meta account on the fake Graph API.
struct MetaSales {
  World w;
  FakeMeta meta;
  Client admin{w.port()};
  std::uint64_t account{0};

  explicit MetaSales(DaemonOptions options = {}) : w(std::move(options)) {
    auto login = must_login(admin, "alice", "alice-pass");
    std::uint64_t sales = 0;
    for (const auto& c : login.snapshot().campaigns())
      if (c.name() == "Sales") sales = c.id();
    account = save_meta_account(admin, meta, meta.base_url());
    require_ack(admin.request(whatsapp_settings(sales, v1::PROVIDER_META, account)));
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(w.port()); }
  int customer_sends(json::object message) {
    return meta.post_webhook(base() + "/hooks/whatsapp/" + std::to_string(account),
                             meta.webhook({std::move(message)}, {}, {meta_webhook::contact(kCustomer, "Rita Lopes")}));
  }
};

}  // namespace

TEST_CASE(
    "R-MSG-2 a 40 MB document streams in from Meta into the media store and another streams out to Meta, intact") {
  MetaSales t;
  Client ana(t.w.port());
  const std::string ana_token = must_login(ana, "ana", "ana-pass").token();

  // In: the document is fetched into the store; the store's hash (computed as
  // the bytes streamed) and the file on disk match what the fake served.
  const std::string inbound = pdf_of(40u << 20, 1);
  const std::string inbound_sha = sha256_hex(inbound);
  t.meta.add_media("media-big-in", inbound, "application/pdf");
  REQUIRE(t.customer_sends(meta_webhook::document(kCustomer, "wamid.big1", "media-big-in", "contract.pdf")) == 200);
  const std::string row = poll(
      t.w.db, "SELECT id || ' ' || size_bytes || ' ' || sha256 FROM attachments WHERE source = 'provider'", "", 60s);
  INFO(t.w.daemon.log());
  REQUIRE(!row.empty());
  const std::string in_id = row.substr(0, row.find(' '));
  CHECK(row == in_id + " " + std::to_string(inbound.size()) + " " + inbound_sha);
  {
    const fs::path file = fs::path(t.w.daemon.media_directory()) / in_id.substr(0, 2) / in_id.substr(2, 2) / in_id;
    std::ifstream in(file, std::ios::binary);
    const std::string on_disk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(on_disk.size() == inbound.size());
    CHECK(sha256_hex(on_disk) == inbound_sha);
  }
  CHECK(t.meta.media_downloads("media-big-in") == 1);

  // Out: the agent takes the conversation, uploads a document and sends it; Meta gets it whole.
  const auto opened = next_of(ana, v1::Event::kInteractionOpened, 10s);
  const auto interaction = opened.interaction_opened().interaction_id();
  v1::Command take;
  take.mutable_take()->set_interaction_id(interaction);
  require_ack(ana.request(take));
  const std::string outbound = pdf_of(40u << 20, 2);
  HttpCallOptions upload;
  upload.headers = {{"Authorization", "Bearer " + ana_token}, {"Content-Type", "application/pdf"}};
  upload.body = outbound;
  upload.timeout = 60s;
  auto stored = http_call(
      "POST", t.base() + "/v1/attachments?filename=offer.pdf&interaction=" + std::to_string(interaction), upload);
  INFO(stored.body);
  REQUIRE(stored.status == 201);
  v1::Command send;
  send.mutable_send_message()->set_interaction_id(interaction);
  send.mutable_send_message()->set_text("Our offer");
  auto* a = send.mutable_send_message()->add_attachments();
  a->set_filename("offer.pdf");
  a->set_reference(std::string(json::parse(stored.body).at("id").as_string()));
  created_id(ana.request(send));
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (t.meta.sends().empty() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  REQUIRE(t.meta.uploads().size() == 1);
  const auto up = t.meta.uploads()[0];
  CHECK(up.filename == "offer.pdf");
  CHECK(up.type == "application/pdf");
  CHECK(up.size == outbound.size());
  CHECK(up.sha256 == sha256_hex(outbound));
  const auto sends = t.meta.sends();
  REQUIRE(sends.size() == 1);
  const auto& body = sends[0].body;
  CHECK(body.at("type").as_string() == "document");
  CHECK(body.at("document").at("id").as_string() == up.id);
}

TEST_CASE(
    "R-MSG-2 provider media over the store's limit is aborted while streaming: media unavailable, no partial file") {
  DaemonOptions options;
  options.media_extra = "max_upload_mb = 1\n";
  MetaSales t(options);

  // The lookup claims 1 000 bytes; the download streams 3 MiB without a Content-Length.
  MediaServing lying;
  lying.chunked = true;
  lying.lookup_size = 1000;
  t.meta.add_media("media-huge", pdf_of(3u << 20, 3), "application/pdf", lying);
  REQUIRE(t.customer_sends(meta_webhook::document(kCustomer, "wamid.huge", "media-huge", "huge.pdf")) == 200);
  const std::string sql =
      "SELECT coalesce(attachments->0->>'state', '') FROM messages WHERE provider_message_id = 'wamid.huge'";
  std::string state = poll(t.w.db, sql, "", 20s);
  if (state == "pending") state = poll(t.w.db, sql, "pending", 30s);
  INFO(t.w.daemon.log());
  CHECK(state == "unavailable");
  CHECK_THAT(t.w.db.query(
                 "SELECT attachments->0->>'unavailable_reason' FROM messages WHERE provider_message_id = 'wamid.huge'"),
             Catch::Contains("larger than 1048576 bytes"));
  // Not retried (a larger file does not shrink), nothing recorded, nothing left on disk.
  CHECK(t.meta.media_downloads("media-huge") == 1);
  CHECK(t.w.db.query("SELECT count(*) FROM attachments") == "0");
  CHECK(files_under(t.w.daemon.media_directory()) == 0);
}
