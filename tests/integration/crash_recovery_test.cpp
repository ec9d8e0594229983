// Crash recovery (issue 4, item 1): contactd is killed with SIGKILL while
// agents and WebChat customers work concurrently; after a restart, every
// acknowledged change is there exactly once, nothing unacknowledged is
// duplicated, and deadlines that passed while it was down fire once.
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

#include "harness/raw_client.h"
#include "harness/test_bot.h"
#include "harness/webchat_client.h"
#include "harness/sip_phone.h"
#include "world.h"

using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What the clients were told was done.
struct Ledger {
  std::mutex mu;
  std::vector<std::uint64_t> started;                          // interactions the customers were given
  std::vector<std::pair<std::uint64_t, std::string>> messages;  // acknowledged message id, text
  std::vector<std::uint64_t> taken;                            // interactions ana's takes were acked for
  std::vector<std::uint64_t> to_take;                          // started, not yet taken
};

void customer(std::uint16_t port, int round, int k, std::atomic<bool>& stop, Ledger& ledger) {
  try {
    WebChatClient c(port);
    c.send({{"type", "start"}, {"campaign", 1}});
    boost::json::object f;
    if (!c.try_next(f, 3000ms) || f.at("type").as_string() != "started") return;
    const auto id = static_cast<std::uint64_t>(f.at("interaction").as_int64());
    {
      std::lock_guard lock(ledger.mu);
      ledger.started.push_back(id);
      ledger.to_take.push_back(id);
    }
    for (int n = 0; !stop; ++n) {
      const std::string text = "r" + std::to_string(round) + " customer " + std::to_string(k) + " #" + std::to_string(n);
      c.send({{"type", "message"}, {"text", text}, {"ref", std::to_string(n)}});
      for (;;) {  // until this message's acknowledgement
        if (!c.try_next(f, 3000ms)) return;
        if (f.at("type").as_string() != "sent") continue;
        std::lock_guard lock(ledger.mu);
        ledger.messages.emplace_back(static_cast<std::uint64_t>(f.at("id").as_int64()), text);
        break;
      }
    }
  } catch (const std::exception&) {
    // The server went away: what was acknowledged is in the ledger.
  }
}

void agent(std::uint16_t port, int round, std::atomic<bool>& stop, Ledger& ledger) {
  try {
    RawClient c(port);
    v1::Command login;
    login.mutable_login()->set_login("ana");
    login.mutable_login()->set_password("ana-pass");
    auto logged = c.request(login);
    if (!logged || !logged->has_response()) return;
    std::vector<std::uint64_t> mine;
    for (int n = 0; !stop; ++n) {
      std::uint64_t next = 0;
      {
        std::lock_guard lock(ledger.mu);
        if (!ledger.to_take.empty()) {
          next = ledger.to_take.back();
          ledger.to_take.pop_back();
        }
      }
      if (next) {
        v1::Command take;
        take.mutable_take()->set_interaction_id(next);
        auto answer = c.request(take);
        if (!answer) return;
        if (answer->has_response()) {
          mine.push_back(next);
          std::lock_guard lock(ledger.mu);
          ledger.taken.push_back(next);
        }
      }
      if (mine.empty()) {
        std::this_thread::sleep_for(5ms);
        continue;
      }
      std::this_thread::sleep_for(20ms);  // an agent types; stays under the command rate limit
      const std::string text = "r" + std::to_string(round) + " agent #" + std::to_string(n);
      v1::Command send;
      send.mutable_send_message()->set_interaction_id(mine[static_cast<std::size_t>(n) % mine.size()]);
      send.mutable_send_message()->set_text(text);
      auto answer = c.request(send);
      if (!answer) return;
      if (answer->has_response()) {
        std::lock_guard lock(ledger.mu);
        ledger.messages.emplace_back(answer->response().created().id(), text);
      }
    }
  } catch (const std::exception&) {
  }
}

}  // namespace

TEST_CASE("crash recovery: after SIGKILL at random moments nothing acknowledged is lost, nothing is applied twice, "
          "and deadlines that passed while down fire once after the restart") {
  DaemonOptions options;
  options.idle_timeout_seconds = 60;
  TestBot bot;  // answers "slow" after 2.5 s: later than the 2 s timeout below
  World w(options);
  std::uint64_t nobody_campaign = 0, bot_campaign = 0;
  // Campaign 1 is Sales (seeded): WebChat, manual, SMS for the Outbound Hub.
  // "Nobody" takes transfers that no one answers.
  {
    Client admin(w.port());
    auto snap = must_login(admin, "alice", "alice-pass").snapshot();
    v1::Command sales = webchat_settings(1, v1::STRATEGY_MANUAL, {{v1::CHANNEL_SMS, v1::PROVIDER_SMS_GATEWAY}});
    auto* s = sales.mutable_update_campaign()->mutable_settings();
    s->set_transfer_timeout_ms(5000);
    require_ack(admin.request(sales));
    v1::Command nobody = sales;
    nobody.clear_update_campaign();
    nobody.mutable_create_campaign()->set_name("Nobody");
    *nobody.mutable_create_campaign()->mutable_settings() = *s;
    nobody_campaign = created_id(admin.request(nobody));
    v1::Command botty = nobody;
    botty.mutable_create_campaign()->set_name("Botty");
    auto* b = botty.mutable_create_campaign()->mutable_settings()->mutable_bot();
    b->set_name("Sally");
    b->set_url(bot.url());
    b->set_timeout_ms(2000);
    bot_campaign = created_id(admin.request(botty));
  }

  // Calls: "Phones" takes calls on 6000 with 4 s of wrap-up; bob and carla
  // answer on desk phones. Before the first kill bob has ended a call (his
  // wrap-up runs out while contactd is down), carla is on a call, and a
  // third caller waits in the queue: calls do not survive the restart.
  SipPhone bob_phone(SipPhoneOptions{700}), carla_phone(SipPhoneOptions{800});
  SipPhone first_caller(SipPhoneOptions{1000}), second_caller(SipPhoneOptions{1000}), third_caller;
  std::uint64_t bob_call = 0, carla_call = 0, queued_call = 0;
  {
    Client admin(w.port());
    auto snap = must_login(admin, "alice", "alice-pass").snapshot();
    v1::Command phones = webchat_settings(0, v1::STRATEGY_LONGEST_IDLE, {{v1::CHANNEL_PHONE, v1::PROVIDER_SIP_TRUNK}});
    v1::Command create;
    create.mutable_create_campaign()->set_name("Phones");
    *create.mutable_create_campaign()->mutable_settings() = phones.update_campaign().settings();
    create.mutable_create_campaign()->mutable_settings()->set_phone_number("6000");
    create.mutable_create_campaign()->mutable_settings()->set_wrap_up_ms(4000);
    const auto campaign = created_id(admin.request(create));
    for (const std::string login : {"bob", "carla"}) {
      const auto* u = overseen(snap, login);
      REQUIRE(u);
      join(admin, u->id(), campaign);
      v1::Command p;
      p.mutable_update_user()->set_user_id(u->id());
      p.mutable_update_user()->set_sip_password(login + "-sip-pass");
      require_ack(admin.request(p));
    }
    Client bob(w.port()), carla(w.port());
    must_login(bob, "bob", "bob-pass");
    must_login(carla, "carla", "carla-pass");
    REQUIRE(bob_phone.register_as(w.daemon.sip_port(), "bob", "bob-sip-pass").status == 200);
    REQUIRE(carla_phone.register_as(w.daemon.sip_port(), "carla", "carla-sip-pass").status == 200);
    REQUIRE(first_caller.call(w.daemon.sip_port(), "6000", "5550001") == 200);
    bob_call = next_of(bob, v1::Event::kCallOffered).call_offered().interaction_id();  // the first offer: his
    REQUIRE(bob_phone.wait_incoming());
    REQUIRE(bob_phone.answer());
    REQUIRE(first_caller.media().wait_hears(700));
    REQUIRE(first_caller.hang_up());
    REQUIRE(next_of(bob, v1::Event::kWrapUpStarted).wrap_up_started().interaction_id() == bob_call);
    REQUIRE(second_caller.call(w.daemon.sip_port(), "6000", "5550002") == 200);
    carla_call = std::stoull(w.db.query("SELECT max(id) FROM interactions WHERE customer = '5550002'"));
    REQUIRE(carla_phone.wait_incoming());
    REQUIRE(carla_phone.answer());
    REQUIRE(second_caller.media().wait_hears(800));
    REQUIRE(third_caller.call(w.daemon.sip_port(), "6000", "5550003") == 200);  // nobody free: queued
    queued_call = std::stoull(w.db.query("SELECT max(id) FROM interactions WHERE customer = '5550003'"));
    // The sessions close here; bob's wrap-up and carla's call go on.
  }

  std::mt19937 random(20261124);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> attempts_due;  // attempt, round
  std::uint64_t transferred = 0, waiting_for_bot = 0;
  std::string journal_at_first_kill;
  Ledger ledger;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    // Deadlines that will pass while the daemon is down: an Outbound Hub
    // attempt due in 1.5 s and (first round) a transfer timing out in 5 s.
    {
      Client admin(w.port());
      must_login(admin, "alice", "alice-pass");
      v1::Command up;
      auto* u = up.mutable_upload_contacts();
      u->set_campaign_id(1);
      u->set_channel(v1::CHANNEL_SMS);
      u->set_list("round " + std::to_string(round));
      auto* row = u->add_rows();
      row->set_address("55115555010" + std::to_string(round));
      u->set_due_at_ms(now_ms() + 1500);
      attempts_due.emplace_back(created_id(admin.request(up)), round);
    }
    if (round == 0) {
      Client ana(w.port());
      must_login(ana, "ana", "ana-pass");
      WebChatClient c(w.port());
      c.send({{"type", "start"}, {"campaign", 1}});
      transferred = static_cast<std::uint64_t>(c.next().at("interaction").as_int64());
      v1::Command take;
      take.mutable_take()->set_interaction_id(transferred);
      require_ack(ana.request(take));
      v1::Command transfer;
      transfer.mutable_transfer()->set_interaction_id(transferred);
      transfer.mutable_transfer()->set_to_campaign(nobody_campaign);
      require_ack(ana.request(transfer));
      // A customer with the bot, which will not answer in time.
      WebChatClient b(w.port());
      b.send({{"type", "start"}, {"campaign", bot_campaign}});
      waiting_for_bot = static_cast<std::uint64_t>(b.next().at("interaction").as_int64());
      CHECK(b.next().at("name").as_string() == "Sally");  // the greeting
      b.send({{"type", "message"}, {"text", "slow"}});
      b.next_sent();
    }

    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    for (int k = 0; k < 6; ++k)
      workers.emplace_back(customer, w.port(), round, k, std::ref(stop), std::ref(ledger));
    workers.emplace_back(agent, w.port(), round, std::ref(stop), std::ref(ledger));
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 900)(random)));
    w.daemon.kill();
    if (round == 0) journal_at_first_kill = w.db.query("SELECT max(seq) FROM journal");
    stop = true;
    for (auto& t : workers) t.join();
    std::this_thread::sleep_for(round == 0 ? 5500ms : 1600ms);  // the deadlines pass while down
    w.daemon.start();
    std::this_thread::sleep_for(500ms);  // the first tick runs right after start
  }

  std::lock_guard lock(ledger.mu);
  INFO(ledger.started.size() << " conversations, " << ledger.messages.size() << " acknowledged messages, "
                             << ledger.taken.size() << " takes");
  CHECK(ledger.messages.size() > 30);  // the rounds did real work
  // One read of each table, compared with the ledger in memory (thousands
  // of entries: a query each would take minutes).
  const auto rows = [&](const std::string& sql) {
    std::map<std::uint64_t, std::string> out;
    std::istringstream lines(w.db.query("SELECT string_agg(k::text || E'\\t' || v, E'\\n') FROM (" + sql + ") q(k, v)"));
    for (std::string line; std::getline(lines, line);) {
      const auto tab = line.find('\t');
      out[std::stoull(line.substr(0, tab))] = line.substr(tab + 1);
    }
    return out;
  };
  const auto interactions = rows("SELECT id, coalesce(owner_id::text, '') FROM interactions");
  const auto bodies = rows("SELECT id, body FROM messages");
  for (auto id : ledger.started) CHECK(interactions.count(id) == 1);
  for (const auto& [id, text] : ledger.messages) {
    INFO("message " << id << ": " << text);
    CHECK((bodies.count(id) ? bodies.at(id) : std::string("(missing)")) == text);
  }
  // Nothing twice: every text the clients sent is stored at most once.
  CHECK(w.db.query("SELECT count(*) FROM (SELECT body FROM messages GROUP BY body HAVING count(*) > 1) d") == "0");
  // Acknowledged takes stand: the owner keeps them through the disconnect grace.
  for (auto id : ledger.taken) CHECK((interactions.count(id) ? interactions.at(id) : "") == "1");
  // The journal and the query tables agree on every interaction.
  CHECK(w.db.query("SELECT count(*) FROM interactions") ==
        w.db.query("SELECT count(*) FROM journal WHERE type = 'interaction_opened'"));
  // Deadlines: each attempt became exactly one interaction; the transfer
  // timed out once and went back to ana.
  for (const auto& [attempt, round] : attempts_due) {
    INFO("attempt of round " << round);
    CHECK(w.db.query("SELECT count(*) FROM interactions WHERE attempt_id = " + std::to_string(attempt)) == "1");
  }
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'interaction_queued' AND interaction_id = " +
                   std::to_string(waiting_for_bot) +
                   " AND payload->'interaction_queued'->>'reason' = 'QUEUE_REASON_BOT_TIMEOUT'"
                   " AND seq > " + journal_at_first_kill) == "1");  // once, and after the restart
  CHECK(w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(waiting_for_bot)) == "pending");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'transfer_timed_out' AND interaction_id = " +
                   std::to_string(transferred)) == "1");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'transfer_timed_out' AND interaction_id = " +
                   std::to_string(transferred) + " AND seq > " + journal_at_first_kill) == "1");
  CHECK(w.db.query("SELECT owner_id || ' ' || campaign_id || ' ' || (transfer IS NULL) FROM interactions WHERE id = " +
                   std::to_string(transferred)) == "1 1 true");
  // R-WRAP-1: bob's wrap-up ended once, after the restart; the calls of
  // before the crash ended with it: carla's finished, the queued one abandoned.
  CHECK(w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(bob_call)) == "finished");
  const std::string bob_id = w.db.query("SELECT id FROM users WHERE login = 'bob'");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'wrap_up_ended' AND payload->'wrap_up_ended'->>'user_id' = '" +
                   bob_id + "'") == "1");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'wrap_up_ended' AND payload->'wrap_up_ended'->>'user_id' = '" +
                   bob_id + "' AND seq > " + journal_at_first_kill) == "1");
  CHECK(w.db.query("SELECT wrap_up_until IS NULL FROM users WHERE login = 'bob'") == "t");
  CHECK(w.db.query("SELECT state FROM interactions WHERE id = " + std::to_string(carla_call)) == "finished");
  CHECK(w.db.query("SELECT count(*) FROM journal WHERE type = 'interaction_finished' AND interaction_id = " +
                   std::to_string(carla_call) + " AND seq > " + journal_at_first_kill) == "1");
  CHECK(w.db.query("SELECT state || ' ' || outcome FROM interactions WHERE id = " + std::to_string(queued_call)) ==
        "closed abandoned");
}
