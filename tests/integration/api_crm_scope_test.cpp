// R-SEC-4/CRM over the real API and PostgreSQL: a contact's record is shared,
// its interactions are listed by the caller's scope, and changes follow it.
#include <algorithm>
#include <memory>

#include "harness/webchat_client.h"
#include "world.h"

using namespace contactd::test;

namespace {

std::uint64_t campaign_id(const v1::Snapshot& admin, const std::string& name) {
  for (const auto& c : admin.campaigns())
    if (c.name() == name) return c.id();
  FAIL("no campaign " << name);
  return 0;
}

// WebChat, taken by hand, with one disposition ("Done").
v1::Command manual_webchat(std::uint64_t campaign) {
  v1::Command c = webchat_settings(campaign, v1::STRATEGY_MANUAL);
  auto* done = c.mutable_update_campaign()->mutable_settings()->add_dispositions();
  done->set_id(1);
  done->set_label("Done");
  done->set_type(v1::DISPOSITION_TYPE_NORMAL);
  return c;
}

struct Chat {
  std::unique_ptr<WebChatClient> customer;
  std::uint64_t interaction{0};
  std::string visitor;
};

Chat start_chat(std::uint16_t port, std::uint64_t campaign) {
  Chat chat{std::make_unique<WebChatClient>(port)};
  chat.customer->send({{"type", "start"}, {"campaign", campaign}});
  auto started = chat.customer->next();
  REQUIRE(started.at("type").as_string() == "started");
  chat.interaction = static_cast<std::uint64_t>(started.at("interaction").as_int64());
  chat.visitor = std::string(started.at("visitor").as_string());
  return chat;
}

v1::Command take(std::uint64_t interaction) {
  v1::Command c;
  c.mutable_take()->set_interaction_id(interaction);
  return c;
}

v1::Command finish(std::uint64_t interaction) {
  v1::Command c;
  c.mutable_finish()->set_interaction_id(interaction);
  return c;
}

v1::Command dispose(std::uint64_t interaction, const std::string& comment, bool close) {
  v1::Command c;
  auto* d = c.mutable_save_disposition();
  d->set_interaction_id(interaction);
  d->add_path(1);
  d->set_comment(comment);
  d->set_close(close);
  return c;
}

v1::Command save_contact(std::uint64_t contact, const std::string& name, const std::vector<std::string>& visitors,
                         std::uint64_t link = 0, const std::string& notes = "") {
  v1::Command c;
  auto* s = c.mutable_save_contact();
  s->set_contact_id(contact);
  s->set_name(name);
  for (const auto& v : visitors) {
    auto* a = s->add_addresses();
    a->set_channel(v1::CHANNEL_WEBCHAT);
    a->set_value(v);
  }
  if (!notes.empty()) (*s->mutable_fields())["notes"] = notes;
  s->set_link_interaction_id(link);
  return c;
}

v1::ContactList get_contact(Client& c, std::uint64_t contact) {
  v1::Command get;
  get.mutable_get_contact()->set_contact_id(contact);
  auto e = c.request(get);
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  REQUIRE(e.response().has_contact_list());
  return e.response().contact_list();
}

v1::ContactList search_contacts(Client& c, const std::string& text) {
  v1::Command search;
  search.mutable_search_contacts()->set_text(text);
  auto e = c.request(search);
  INFO(e.DebugString());
  REQUIRE(e.has_response());
  REQUIRE(e.response().has_contact_list());
  return e.response().contact_list();
}

std::vector<std::uint64_t> interaction_ids(const v1::ContactList& list) {
  std::vector<std::uint64_t> ids;
  for (const auto& i : list.interactions()) ids.push_back(i.id());
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

TEST_CASE(
    "R-SEC-4/CRM a contact's interactions are listed by the caller's scope and its changes follow that scope "
    "(agent, supervisor, administrator: two campaigns, one customer)") {
  World w;
  Client admin(w.port());
  auto admin_snap = must_login(admin, "alice", "alice-pass").snapshot();
  const auto sales = campaign_id(admin_snap, "Sales");
  const auto finance = campaign_id(admin_snap, "Finance");
  require_ack(admin.request(manual_webchat(sales)));
  require_ack(admin.request(manual_webchat(finance)));

  Client ana(w.port());  // agent, Sales
  must_login(ana, "ana", "ana-pass");
  Client carla(w.port());  // agent, Finance
  must_login(carla, "carla", "carla-pass");
  Client bob(w.port());  // agent in both campaigns, with no interaction of this customer
  must_login(bob, "bob", "bob-pass");
  Client sam(w.port());  // supervisor, Sales
  must_login(sam, "sam", "sam-pass");

  // Maria chats with Sales; Ana takes it, records her and closes with a comment.
  Chat sale = start_chat(w.port(), sales);
  require_ack(ana.request(take(sale.interaction)));
  const auto maria = created_id(ana.request(save_contact(0, "Maria", {sale.visitor}, sale.interaction, "ana's note")));
  require_ack(ana.request(finish(sale.interaction)));
  require_ack(ana.request(dispose(sale.interaction, "sales-comment", true)));

  // Maria chats with Finance from another visit; Carla takes it and comments.
  Chat invoice = start_chat(w.port(), finance);
  require_ack(carla.request(take(invoice.interaction)));
  require_ack(carla.request(finish(invoice.interaction)));
  require_ack(carla.request(dispose(invoice.interaction, "finance-secret", false)));

  // Carla may not change Maria (only Ana's work is hers) nor link her own,
  // unrelated chat to it: refused, and nothing changes.
  auto refused = carla.request(
      save_contact(maria, "Maria (Finance)", {sale.visitor, invoice.visitor}, invoice.interaction, "carla's note"));
  CHECK(error_of(refused) == v1::PERMISSION_DENIED);
  CHECK(error_of(bob.request(save_contact(maria, "Bob's Maria", {sale.visitor}))) == v1::PERMISSION_DENIED);
  {
    auto record = get_contact(admin, maria);
    REQUIRE(record.contacts_size() == 1);
    CHECK(record.contacts(0).name() == "Maria");
    CHECK(record.contacts(0).fields().at("notes") == "ana's note");
    CHECK(record.contacts(0).addresses_size() == 1);
    CHECK(w.db.query("SELECT name FROM contacts WHERE id = " + std::to_string(maria)) == "Maria");
    CHECK(w.db.query("SELECT COALESCE(contact_id, 0) FROM interactions WHERE id = " +
                     std::to_string(invoice.interaction)) == "0");
  }

  // An administrator records the second visit as Maria's; Carla links her
  // chat (its customer is now Maria's address) and may then edit.
  created_id(admin.request(save_contact(maria, "Maria", {sale.visitor, invoice.visitor}, 0, "ana's note")));
  created_id(
      carla.request(save_contact(maria, "Maria", {sale.visitor, invoice.visitor}, invoice.interaction, "ana's note")));

  // Reads: the record for everyone, the interactions by scope.
  const auto both = std::vector<std::uint64_t>{std::min(sale.interaction, invoice.interaction),
                                               std::max(sale.interaction, invoice.interaction)};
  {
    auto mine = get_contact(ana, maria);
    REQUIRE(mine.contacts_size() == 1);
    CHECK(interaction_ids(mine) == std::vector<std::uint64_t>{sale.interaction});
    CHECK(mine.DebugString().find("finance-secret") == std::string::npos);
    CHECK(mine.interactions(0).disposition().comment() == "sales-comment");
  }
  CHECK(interaction_ids(get_contact(carla, maria)) == std::vector<std::uint64_t>{invoice.interaction});
  CHECK(get_contact(carla, maria).DebugString().find("sales-comment") == std::string::npos);
  CHECK(interaction_ids(get_contact(bob, maria)).empty());
  CHECK(interaction_ids(get_contact(sam, maria)) == std::vector<std::uint64_t>{sale.interaction});
  CHECK(interaction_ids(get_contact(admin, maria)) == both);
  for (Client* c : {&ana, &carla, &bob, &sam, &admin}) {
    auto found = search_contacts(*c, "mari");
    REQUIRE(found.contacts_size() == 1);  // the record is shared
    CHECK(found.contacts(0).id() == maria);
    CHECK(found.interactions_size() == 0);
    CHECK(found.DebugString().find("secret") == std::string::npos);
  }

  // Changes: Ana (closed work of hers), the Sales supervisor, the
  // administrator may; Bob still may not.
  created_id(ana.request(save_contact(maria, "Maria Silva", {sale.visitor, invoice.visitor})));
  created_id(sam.request(save_contact(maria, "Maria Silva", {sale.visitor, invoice.visitor}, 0, "vip")));
  CHECK(error_of(bob.request(save_contact(maria, "Bob's Maria", {sale.visitor}))) == v1::PERMISSION_DENIED);
  auto record = get_contact(admin, maria);
  CHECK(record.contacts(0).name() == "Maria Silva");
  CHECK(record.contacts(0).fields().at("notes") == "vip");
  CHECK(record.contacts(0).addresses_size() == 2);
}
