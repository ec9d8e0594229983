// The Outbound Hub, forms, the CRM, spying and user administration through
// the real WebSocket API against PostgreSQL, including restarts.
#include <thread>

#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;
using namespace std::chrono_literals;

namespace {

std::uint64_t user_id(const v1::Snapshot& admin, const std::string& login) {
  const auto* u = overseen(admin, login);
  REQUIRE(u);
  return u->id();
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "Hub": SMS and WebChat, longest idle, dispositions Call back (reschedule) and
// Done; an internal form with manual access.
v1::Command hub_campaign() {
  v1::Command c;
  c.mutable_create_campaign()->set_name("Hub");
  auto* s = c.mutable_create_campaign()->mutable_settings();
  s->set_strategy(v1::STRATEGY_LONGEST_IDLE);
  for (auto [channel, provider] : {std::pair{v1::CHANNEL_SMS, v1::PROVIDER_SMS_GATEWAY},
                                   std::pair{v1::CHANNEL_WEBCHAT, v1::PROVIDER_BUILTIN}}) {
    auto* ch = s->add_channels();
    ch->set_channel(channel);
    ch->set_enabled(true);
    ch->set_provider(provider);
  }
  auto* again = s->add_dispositions();
  again->set_id(1);
  again->set_label("Call back");
  again->set_type(v1::DISPOSITION_TYPE_RESCHEDULE);
  auto* done = s->add_dispositions();
  done->set_id(2);
  done->set_label("Done");
  done->set_type(v1::DISPOSITION_TYPE_NORMAL);
  auto* form = s->mutable_form();
  form->set_kind(v1::FORM_KIND_INTERNAL);
  form->set_name("Survey");
  form->set_manual_access(true);
  auto* score = form->add_fields();
  score->set_key("score");
  score->set_label("Score");
  score->set_type(v1::FIELD_TYPE_NUMBER);
  score->set_required(true);
  return c;
}

v1::Command membership(std::uint64_t user, std::uint64_t campaign, bool sms_outbound) {
  v1::Command c;
  auto* m = c.mutable_set_membership();
  m->set_user_id(user);
  m->set_campaign_id(campaign);
  m->set_member(true);
  if (sms_outbound) m->add_outbound(v1::CHANNEL_SMS);
  return c;
}

// Creates "Hub" and makes each (login, SMS outbound permission) a member.
std::uint64_t make_hub(Client& admin, const v1::Snapshot& admin_snap, std::vector<std::pair<std::string, bool>> members) {
  const auto hub = created_id(admin.request(hub_campaign()));
  for (const auto& [login, sms_outbound] : members)
    require_ack(admin.request(membership(user_id(admin_snap, login), hub, sms_outbound)));
  return hub;
}

v1::Command upload(std::uint64_t campaign, std::vector<std::pair<std::string, std::string>> rows) {
  v1::Command c;
  auto* u = c.mutable_upload_contacts();
  u->set_campaign_id(campaign);
  u->set_channel(v1::CHANNEL_SMS);
  u->set_list("November");
  for (auto& [name, address] : rows) {
    auto* r = u->add_rows();
    r->set_name(name);
    r->set_address(address);
  }
  return c;
}

v1::Command list_attempts(std::uint64_t campaign) {
  v1::Command c;
  c.mutable_list_attempts()->set_campaign_id(campaign);
  return c;
}

// All interactions in the snapshot's tabs.
std::vector<v1::Interaction> tabs(const v1::Snapshot& s) {
  std::vector<v1::Interaction> out(s.pending().begin(), s.pending().end());
  out.insert(out.end(), s.active().begin(), s.active().end());
  out.insert(out.end(), s.finished().begin(), s.finished().end());
  return out;
}

}  // namespace

TEST_CASE("R-DISP-3 R-OUT-1 Outbound Hub over the API: a list becomes outbound work for the permitted agent, "
          "and a reschedule due while the daemon was down is carried out once after the restart") {
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto hub = make_hub(admin, admin_snap, {{"ana", true}, {"bob", false}});

  // Bad lists are refused whole, with the row named; nothing is stored.
  auto bad = admin.request(upload(hub, {{"Maria", "+55 11 5555-0101"}, {"Joe", "12"}}));
  REQUIRE(bad.has_error());
  CHECK(bad.error().code() == v1::INVALID_ARGUMENT);
  CHECK(bad.error().message().rfind("row 2:", 0) == 0);
  Client bob(w.port());
  must_login(bob, "bob", "bob-pass");
  CHECK(bob.request(upload(hub, {{"Maria", "5511555501010"}})).error().code() == v1::PERMISSION_DENIED);
  CHECK(w.db.query("SELECT count(*) FROM attempts") == "0");

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  const auto first_attempt = created_id(admin.request(upload(hub, {{"Maria", "+55 11 5555-0101"}})));
  // Due now: it becomes an outbound interaction assigned to ana (bob, idle
  // longer but without SMS outbound permission, is not a candidate).
  auto opened = next_of(ana, v1::Event::kInteractionOpened).interaction_opened();
  CHECK(opened.attempt_id() == first_attempt);
  CHECK(opened.direction() == v1::DIRECTION_OUTBOUND);
  CHECK(opened.customer() == "551155550101");
  CHECK(opened.contact_id() != 0);
  auto assigned = next_of(ana, v1::Event::kInteractionAssigned).interaction_assigned();
  CHECK(assigned.agent_id() == user_id(admin_snap, "ana"));
  const auto interaction = opened.interaction_id();

  // Call back in 2 seconds, then save and close.
  const auto due_ms = now_ms() + 2000;
  v1::Command save;
  auto* d = save.mutable_save_disposition();
  d->set_interaction_id(interaction);
  d->add_path(1);
  d->set_reschedule_at_ms(due_ms);
  require_ack(ana.request(save));
  v1::Command finish;
  finish.mutable_finish()->set_interaction_id(interaction);
  require_ack(ana.request(finish));
  v1::Command close;
  close.mutable_close_interaction()->set_interaction_id(interaction);
  require_ack(ana.request(close));
  auto listed = admin.request(list_attempts(hub));
  REQUIRE(listed.response().attempt_list().attempts_size() == 1);
  const auto callback = listed.response().attempt_list().attempts(0);
  CHECK(callback.origin() == v1::ATTEMPT_ORIGIN_RESCHEDULE);
  CHECK(callback.from_interaction_id() == interaction);
  CHECK(callback.due_at_ms() == due_ms);

  // Down while it falls due.
  REQUIRE(w.daemon.stop() == 0);
  while (now_ms() < due_ms + 300) std::this_thread::sleep_for(100ms);
  w.daemon.start();

  Client ana2(w.port());
  auto snap = must_login(ana2, "ana", "ana-pass").snapshot();
  int carried_out = 0;
  for (const auto& i : tabs(snap)) {
    if (i.attempt_id() != callback.id()) continue;
    ++carried_out;
    CHECK(i.contact_id() == opened.contact_id());  // the CRM contact was reloaded too
    CHECK(i.customer() == "551155550101");
  }
  CHECK(carried_out == 1);
  CHECK(w.db.query("SELECT count(*) FROM interactions WHERE attempt_id = " + std::to_string(callback.id())) == "1");
  CHECK(w.db.query("SELECT state FROM attempts WHERE id = " + std::to_string(callback.id())) == "started");
  Client admin2(w.port());
  must_login(admin2, "alice", "alice-pass");
  CHECK(admin2.request(list_attempts(hub)).response().attempt_list().attempts_size() == 0);
}

TEST_CASE("R-FORM-1 R-FORM-2 forms over the API: manual access listing, unsaved data kept across a restart, "
          "saved data validated and kept with the interaction, contact record linked") {
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto hub = make_hub(admin, admin_snap, {{"ana", false}});

  Client ana(w.port());
  auto snap = must_login(ana, "ana", "ana-pass").snapshot();
  REQUIRE(snap.manual_forms_size() == 1);
  CHECK(snap.manual_forms(0).label() == "Survey \u2013 Hub");
  CHECK(snap.manual_forms(0).campaign_id() == hub);

  v1::Command draft;
  draft.mutable_save_form_draft()->mutable_draft()->set_campaign_id(hub);
  (*draft.mutable_save_form_draft()->mutable_draft()->mutable_fields())["score"] = "4";
  require_ack(ana.request(draft));
  REQUIRE(w.daemon.stop() == 0);
  w.daemon.start();
  Client ana2(w.port());
  snap = must_login(ana2, "ana", "ana-pass").snapshot();
  REQUIRE(snap.form_drafts_size() == 1);
  CHECK(snap.form_drafts(0).fields().at("score") == "4");

  // A chat: the form opened on it, validated, saved with it.
  WebChatClient customer(w.port());
  customer.send({{"type", "start"}, {"campaign", hub}});
  const auto interaction = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
  next_of(ana2, v1::Event::kInteractionAssigned);
  v1::Command save;
  save.mutable_save_form()->set_interaction_id(interaction);
  (*save.mutable_save_form()->mutable_fields())["score"] = "five";
  CHECK(ana2.request(save).error().code() == v1::INVALID_ARGUMENT);
  (*save.mutable_save_form()->mutable_fields())["score"] = "5";
  require_ack(ana2.request(save));
  v1::Command get;
  get.mutable_get_form()->set_interaction_id(interaction);
  auto view = ana2.request(get);
  INFO(view.DebugString());
  REQUIRE(view.response().has_form_view());
  CHECK(view.response().form_view().saved().at("score") == "5");
  CHECK(view.response().form_view().form().name() == "Survey");
  CHECK(w.db.query("SELECT fields->>'score' FROM form_entries WHERE interaction_id = " + std::to_string(interaction)) == "5");

  // The contact record: created and linked; found again by address.
  v1::Command contact;
  auto* c = contact.mutable_save_contact();
  c->set_name("Maria Silva");
  auto* address = c->add_addresses();
  address->set_channel(v1::CHANNEL_SMS);
  address->set_value("+55 11 5555-0101");
  c->set_link_interaction_id(interaction);
  const auto maria = created_id(ana2.request(contact));
  v1::Command get_contact;
  get_contact.mutable_get_contact()->set_contact_id(maria);
  auto found = ana2.request(get_contact);
  REQUIRE(found.response().contact_list().contacts_size() == 1);
  CHECK(found.response().contact_list().contacts(0).addresses(0).value() == "551155550101");
  REQUIRE(found.response().contact_list().interactions_size() == 1);
  CHECK(found.response().contact_list().interactions(0).id() == interaction);
  c->set_link_interaction_id(0);
  CHECK(ana2.request(contact).error().code() == v1::ALREADY_EXISTS);  // the address is Maria's
}

TEST_CASE("R-SUP-1 a supervisor spies on one live conversation: its timeline so far, then its messages live, "
          "read-only, and other supervisors' campaigns are refused") {
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto hub = make_hub(admin, admin_snap, {{"ana", false}, {"sam", false}});

  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");
  WebChatClient customer(w.port());
  customer.send({{"type", "start"}, {"campaign", hub}});
  const auto interaction = static_cast<std::uint64_t>(customer.next().at("interaction").as_int64());
  next_of(ana, v1::Event::kInteractionAssigned);
  customer.send({{"type", "message"}, {"text", "before the spy"}});
  next_of(ana, v1::Event::kMessagePosted);

  Client sam(w.port());
  must_login(sam, "sam", "sam-pass");
  Client bob(w.port());
  must_login(bob, "bob", "bob-pass");
  v1::Command spy;
  spy.mutable_spy()->set_interaction_id(interaction);
  CHECK(bob.request(spy).error().code() == v1::PERMISSION_DENIED);  // an agent
  auto detail = sam.request(spy);
  INFO(detail.DebugString());
  REQUIRE(detail.response().has_interaction_detail());
  CHECK(detail.response().interaction_detail().interaction().owner_id() == user_id(admin_snap, "ana"));
  bool saw_before = false;
  for (const auto& e : detail.response().interaction_detail().timeline())
    saw_before = saw_before || (e.has_message_posted() && e.message_posted().text() == "before the spy");
  CHECK(saw_before);

  // Live: the customer's and the agent's messages reach the spy.
  customer.send({{"type", "message"}, {"text", "after the spy"}});
  CHECK(next_of(sam, v1::Event::kMessagePosted).message_posted().text() == "after the spy");
  v1::Command reply;
  reply.mutable_send_message()->set_interaction_id(interaction);
  reply.mutable_send_message()->set_text("agent here");
  created_id(ana.request(reply));
  CHECK(next_of(sam, v1::Event::kMessagePosted).message_posted().text() == "agent here");
  // Read-only: the spy cannot write into it.
  reply.mutable_send_message()->set_text("supervisor here");
  CHECK(sam.request(reply).error().code() == v1::PERMISSION_DENIED);
  spy.mutable_spy()->set_stop(true);
  require_ack(sam.request(spy));
}

TEST_CASE("administration over the API: update a user's name, capacity and password, deactivate and "
          "reactivate, rename and remove a status") {
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto ana_id = user_id(admin_snap, "ana");
  Client ana(w.port());
  must_login(ana, "ana", "ana-pass");

  v1::Command update;
  auto* u = update.mutable_update_user();
  u->set_user_id(ana_id);
  u->set_display_name("Ana M.");
  u->set_password("new-ana-pass");
  auto* cap = u->mutable_capacity()->add_entries();
  cap->set_channel(v1::CHANNEL_WEBCHAT);
  cap->set_capacity(5);
  require_ack(admin.request(update));
  CHECK(w.db.query("SELECT display_name || ' ' || (capacity->>'webchat') FROM users WHERE id = " + std::to_string(ana_id)) ==
        "Ana M. 5");
  {
    Client again(w.port());
    CHECK(again.login("ana", "ana-pass").error().code() == v1::UNAUTHENTICATED);
    must_login(again, "ana", "new-ana-pass");
  }

  v1::Command deactivate;
  deactivate.mutable_update_user()->set_user_id(ana_id);
  deactivate.mutable_update_user()->set_active(false);
  CHECK(ana.request(deactivate).error().code() == v1::PERMISSION_DENIED);
  require_ack(admin.request(deactivate));
  auto closed = ana.wait_closed();
  CHECK(closed.reason == "account deactivated");
  {
    Client again(w.port());
    CHECK(again.login("ana", "new-ana-pass").error().code() == v1::UNAUTHENTICATED);
  }
  REQUIRE(w.daemon.stop() == 0);  // deactivation survives a restart
  w.daemon.start();
  Client admin2(w.port());
  must_login(admin2, "alice", "alice-pass");
  {
    Client again(w.port());
    CHECK(again.login("ana", "new-ana-pass").error().code() == v1::UNAUTHENTICATED);
  }
  deactivate.mutable_update_user()->set_active(true);
  require_ack(admin2.request(deactivate));
  Client back(w.port());
  auto snap = must_login(back, "ana", "new-ana-pass").snapshot();
  CHECK(snap.me().display_name() == "Ana M.");

  const auto lunch = status_id(snap, "Lunch");
  v1::Command rename;
  rename.mutable_update_status()->set_status_id(lunch);
  rename.mutable_update_status()->set_name("Meal");
  require_ack(admin2.request(rename));
  CHECK(next_of(back, v1::Event::kStatusUpdated).status_updated().name() == "Meal");
  v1::Command remove;
  remove.mutable_update_status()->set_status_id(lunch);
  remove.mutable_update_status()->set_removed(true);
  require_ack(admin2.request(remove));
  REQUIRE(w.daemon.stop() == 0);
  w.daemon.start();
  Client later(w.port());
  snap = must_login(later, "ana", "new-ana-pass").snapshot();
  CHECK(snap.statuses_size() == 1);  // Training only
  v1::Command define;
  define.mutable_define_status()->set_name("Meal");  // the removed name is free again
  Client admin3(w.port());
  must_login(admin3, "alice", "alice-pass");
  CHECK(created_id(admin3.request(define)) > lunch);
}

TEST_CASE("R-OUT-1 R-OUT-7 an agent starts an SMS conversation through the API: Active at once, first message stored") {
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto hub = make_hub(admin, admin_snap, {{"ana", true}, {"bob", false}});
  Client ana(w.port());
  auto snap = must_login(ana, "ana", "ana-pass").snapshot();
  REQUIRE(snap.outbound_size() == 1);
  CHECK(snap.outbound(0).channel() == v1::CHANNEL_SMS);

  v1::Command start;
  auto* s = start.mutable_start_interaction();
  s->set_campaign_id(hub);
  s->set_channel(v1::CHANNEL_SMS);
  s->set_address("+55 (11) 5555-0101");
  s->set_text("Hello from ACME");
  const auto id = created_id(ana.request(start));
  CHECK(next_of(ana, v1::Event::kInteractionAssigned).interaction_assigned().how() == v1::ASSIGN_HOW_STARTED);
  auto active = ana.snapshot().response().snapshot().active();
  REQUIRE(active.size() == 1);
  CHECK(active[0].id() == id);
  CHECK(active[0].customer() == "551155550101");
  CHECK(w.db.query("SELECT state || ' ' || direction FROM interactions WHERE id = " + std::to_string(id)) == "active outbound");
  CHECK(w.db.query("SELECT body FROM messages WHERE interaction_id = " + std::to_string(id)) == "Hello from ACME");

  Client bob(w.port());
  must_login(bob, "bob", "bob-pass");
  CHECK(bob.request(start).error().code() == v1::PERMISSION_DENIED);  // no SMS outbound permission
  s->set_channel(v1::CHANNEL_WEBCHAT);
  CHECK(ana.request(start).error().code() == v1::PERMISSION_DENIED);  // none in WebChat either
}
