// Forms and the built-in CRM (R-FORM-1, R-FORM-2).
#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

FormSettings internal_form(bool manual) {
  FormSettings f;
  f.kind = FormKind::internal;
  f.name = "Order";
  f.manual_access = manual;
  f.fields = {FormField{"product", "Product", FieldType::choice, true, {"Basic", "Pro"}},
              FormField{"qty", "Quantity", FieldType::number, true, {}},
              FormField{"deliver_on", "Delivery date", FieldType::date, false, {}},
              FormField{"gift", "Gift wrap", FieldType::checkbox, false, {}},
              FormField{"notes", "Notes", FieldType::text, false, {}}};
  return f;
}

}  // namespace

TEST_CASE("R-FORM-2 manual access lists a campaign's form only with the flag on, for members and super users, labelled once") {
  Inbox d;
  auto sales = webchat(Strategy::manual);
  sales.form = internal_form(true);
  d.configure(d.sales, sales);
  auto finance = webchat(Strategy::manual);
  finance.form.kind = FormKind::external;
  finance.form.name = "Ledger";
  finance.form.url = "https://forms.example.com/ledger";
  finance.form.manual_access = true;
  d.configure(d.finance, finance);
  auto hidden = d.created(d.system(CreateCampaign{"Hidden", webchat(Strategy::manual)}));
  auto noflag = webchat(Strategy::manual);
  noflag.form = internal_form(false);
  d.configure(hidden, noflag);
  d.join(d.bob, hidden);
  const UserId root = d.make_user("root", Profile::super_user);

  auto ana = d.engine.manual_forms(d.ana);  // Sales only
  REQUIRE(ana.size() == 1);
  CHECK(ana[0].campaign == d.sales);
  CHECK(ana[0].label == "Order \u2013 Sales");
  auto bob = d.engine.manual_forms(d.bob);  // Sales and Finance; Hidden has no manual access
  REQUIRE(bob.size() == 2);
  CHECK(bob[1].label == "https://forms.example.com/ledger \u2013 Finance");
  CHECK(bob[1].url == "https://forms.example.com/ledger");
  CHECK(d.engine.manual_forms(d.alice).empty());  // an administrator who is no member
  CHECK(d.engine.manual_forms(root).size() == 2);  // a super user sees every form with manual access
  CHECK(d.engine.snapshot(d.bob).manual_forms.size() == 2);

  CHECK_FALSE(d.engine.may_open_form(d.ana, d.sales, 0));
  CHECK(d.engine.may_open_form(d.ana, d.finance, 0)->code == ErrorCode::permission_denied);
  CHECK(d.engine.may_open_form(d.bob, hidden, 0)->code == ErrorCode::permission_denied);
  CHECK_FALSE(d.engine.may_open_form(root, d.finance, 0));
}

TEST_CASE("R-FORM-1 form data is validated by field type and saved with the interaction") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.form = internal_form(false);
  d.configure(d.sales, s);
  d.connect(d.ana);
  const auto id = d.open(d.sales);
  REQUIRE(d.as(d.ana, Take{id}).ok());
  const auto seq = d.engine.last_seq();
  CHECK(d.as(d.ana, SaveForm{0, id, {{"qty", "2"}}}).error->message == "'Product' is required");
  CHECK(d.as(d.ana, SaveForm{0, id, {{"product", "Gold"}, {"qty", "2"}}}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SaveForm{0, id, {{"product", "Pro"}, {"qty", "two"}}}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, SaveForm{0, id, {{"product", "Pro"}, {"qty", "2"}, {"deliver_on", "2026-02-30"}}}).error);
  CHECK(d.as(d.ana, SaveForm{0, id, {{"product", "Pro"}, {"qty", "2"}, {"gift", "yes"}}}).error);
  CHECK(d.as(d.ana, SaveForm{0, id, {{"product", "Pro"}, {"qty", "2"}, {"color", "red"}}}).error);
  CHECK(d.as(d.bob, SaveForm{0, id, {{"product", "Pro"}, {"qty", "2"}}}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.ana, SaveForm{0, 999, {{"product", "Pro"}, {"qty", "2"}}}).error->code == ErrorCode::not_found);
  CHECK(d.as(d.ana, SaveForm{d.sales, 0, {{"product", "Pro"}, {"qty", "2"}}}).error->code == ErrorCode::permission_denied);
  CHECK(d.engine.last_seq() == seq);

  // Unsaved data is kept per user per campaign until the form is saved.
  REQUIRE(d.as(d.ana, SaveFormDraft{d.sales, FormDraft{id, {{"product", "Pro"}}}}).ok());
  CHECK(d.engine.snapshot(d.ana).form_drafts.at(d.sales).fields.at("product") == "Pro");
  auto saved = d.as(d.ana, SaveForm{0, id, {{"product", "Pro"}, {"qty", "2"}, {"deliver_on", "2028-02-29"}, {"gift", "true"}}});
  REQUIRE(saved.ok());
  const auto* form = find_event<FormSaved>(saved);
  REQUIRE(form);
  CHECK(form->interaction == id);
  CHECK(form->campaign == d.sales);
  CHECK(form->fields.at("qty") == "2");
  CHECK(d.sees(d.ana, saved.events[0]));
  CHECK(d.sees(d.sam, saved.events[0]));  // the campaign's supervisor
  CHECK(find_event<FormDraftSaved>(saved));  // the draft is gone
  CHECK(d.engine.snapshot(d.ana).form_drafts.empty());
}

TEST_CASE("R-FORM-2 one open form per campaign per user: its unsaved data is kept on the server") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.form = internal_form(true);
  d.configure(d.sales, s);
  auto first = d.as(d.ana, SaveFormDraft{d.sales, FormDraft{0, {{"notes", "half"}}}});
  REQUIRE(first.ok());
  CHECK(d.sees(d.ana, first.events[0]));
  CHECK_FALSE(d.sees(d.bob, first.events[0]));
  REQUIRE(d.as(d.ana, SaveFormDraft{d.sales, FormDraft{0, {{"notes", "more"}}}}).ok());  // replaces: one per campaign
  auto snap = d.engine.snapshot(d.ana);
  REQUIRE(snap.form_drafts.size() == 1);
  CHECK(snap.form_drafts.at(d.sales).fields.at("notes") == "more");
  CHECK(d.as(d.ana, SaveFormDraft{d.sales, FormDraft{0, {{"notes", "more"}}}}).events.empty());  // unchanged
  CHECK(d.as(d.ana, SaveFormDraft{d.finance, FormDraft{0, {{"x", "y"}}}}).error);  // no form there
  CHECK(d.as(d.ana, SaveFormDraft{d.sales, FormDraft{0, {{"", "y"}}}}).error->code == ErrorCode::invalid_argument);
  // Saved through manual access: the record has no interaction and the draft goes.
  auto saved = d.as(d.ana, SaveForm{d.sales, 0, {{"product", "Basic"}, {"qty", "1"}}});
  REQUIRE(saved.ok());
  CHECK(find_event<FormSaved>(saved)->interaction == 0);
  CHECK(d.engine.snapshot(d.ana).form_drafts.empty());
}

TEST_CASE("R-FORM-1 the built-in contact record: addresses are unique, cleaned, and link the interaction") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.form.kind = FormKind::builtin;
  s.form.name = "Customer";
  d.configure(d.sales, s);
  d.connect(d.ana);
  const auto id = d.open(d.sales, "visitor-3");
  REQUIRE(d.as(d.ana, Take{id}).ok());
  CHECK(d.as(d.ana, SaveForm{0, id, {{"a", "b"}}}).error->code == ErrorCode::failed_precondition);  // use save_contact

  auto saved = d.as(d.ana, SaveContact{0, "Maria", {{Channel::webchat, "visitor-3"}, {Channel::phone, "+55 (11) 5555-0101"}},
                                       {{"company", "ACME"}}, id});
  const ContactId maria = d.created(saved);
  CHECK(d.at(id).contact == maria);
  const auto* event = find_event<ContactSaved>(saved);
  REQUIRE(event);
  CHECK(event->linked == id);
  CHECK(event->contact.addresses[1].value == "551155550101");
  CHECK(d.engine.find_contact_by_address(Channel::phone, "551155550101")->id == maria);
  CHECK(d.engine.search_contacts("mar", 10).size() == 1);
  CHECK(d.engine.search_contacts("5511", 10).size() == 1);

  // Another contact may not take Maria's address; bad input changes nothing.
  const auto seq = d.engine.last_seq();
  CHECK(d.as(d.bob, SaveContact{0, "Other", {{Channel::phone, "551155550101"}}, {}, 0}).error->code == ErrorCode::already_exists);
  CHECK(d.as(d.bob, SaveContact{0, "Other", {{Channel::phone, "12"}}, {}, 0}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.bob, SaveContact{0, "", {}, {}, 0}).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.bob, SaveContact{0, "Other", {}, {}, id}).error->code == ErrorCode::permission_denied);  // not his
  CHECK(d.as(d.bob, SaveContact{77, "Other", {}, {}, 0}).error->code == ErrorCode::not_found);
  CHECK(d.engine.last_seq() == seq);
  // Replacing the record frees the address it dropped.
  REQUIRE(d.as(d.ana, SaveContact{maria, "Maria S.", {{Channel::webchat, "visitor-3"}}, {}, 0}).ok());
  CHECK_FALSE(d.engine.find_contact_by_address(Channel::phone, "551155550101"));
  CHECK(d.as(d.bob, SaveContact{0, "Other", {{Channel::phone, "551155550101"}}, {}, 0}).ok());
}
