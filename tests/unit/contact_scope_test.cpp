// R-SEC-4/CRM: which of a contact's interactions a user sees, and who may
// change a contact record (core/contact_scope.h), by profile.
#include "inbox_fixture.h"

using namespace contactd::test;

namespace {

User person(UserId id, Profile profile, std::initializer_list<CampaignId> campaigns) {
  User u;
  u.id = id;
  u.profile = profile;
  for (CampaignId c : campaigns) u.campaigns.insert(c);
  return u;
}

constexpr CampaignId kSales = 1, kFinance = 2;
constexpr UserId kAna = 10, kBob = 11, kSam = 20, kAlice = 30;

ContactReach worked_by(std::initializer_list<ContactTouch> touches, UserId creator = kNoUser) {
  ContactReach r;
  for (const ContactTouch& t : touches) r.work.insert(t);
  r.created_by = creator;
  return r;
}

}  // namespace

TEST_CASE("R-SEC-4/CRM an agent sees and changes only contacts of interactions they own") {
  const User ana = person(kAna, Profile::agent, {kSales});
  const InteractionScope scope = interaction_scope(ana);
  CHECK(scope.covers({kSales, kAna}));
  CHECK(scope.covers({kFinance, kAna}));         // their own, whatever the campaign
  CHECK_FALSE(scope.covers({kSales, kBob}));     // a colleague's in the same campaign
  CHECK_FALSE(scope.covers({kSales, kNoUser}));  // pending: nobody's yet

  CHECK(may_change_contact(ana, worked_by({{kFinance, kBob}, {kSales, kAna}})));
  CHECK_FALSE(may_change_contact(ana, worked_by({{kFinance, kBob}, {kSales, kBob}})));
  CHECK_FALSE(may_change_contact(ana, worked_by({{kSales, kNoUser}})));
  // A contact with no interaction: its creator only.
  CHECK(may_change_contact(ana, worked_by({}, kAna)));
  CHECK_FALSE(may_change_contact(ana, worked_by({}, kBob)));
  CHECK_FALSE(may_change_contact(ana, worked_by({})));  // creator unknown
  // Having created it does not outlast other people's work on it.
  CHECK_FALSE(may_change_contact(ana, worked_by({{kFinance, kBob}}, kAna)));
}

TEST_CASE("R-SEC-4/CRM a supervisor sees and changes contacts of their campaigns' interactions") {
  const User sam = person(kSam, Profile::supervisor, {kSales});
  const InteractionScope scope = interaction_scope(sam);
  CHECK(scope.covers({kSales, kAna}));
  CHECK(scope.covers({kSales, kNoUser}));
  CHECK_FALSE(scope.covers({kFinance, kBob}));
  CHECK_FALSE(scope.covers({kFinance, kSam}));  // the scope of history: campaigns, not owners

  CHECK(may_change_contact(sam, worked_by({{kFinance, kBob}, {kSales, kAna}})));
  CHECK_FALSE(may_change_contact(sam, worked_by({{kFinance, kBob}})));
  CHECK(may_change_contact(sam, worked_by({})));  // no interaction: e.g. an uploaded list's
  const User nobody = person(kSam, Profile::supervisor, {});
  CHECK_FALSE(interaction_scope(nobody).covers({kSales, kAna}));
  CHECK_FALSE(may_change_contact(nobody, worked_by({{kSales, kAna}})));
}

TEST_CASE("R-SEC-4/CRM an administrator sees and changes every contact") {
  for (Profile p : {Profile::administrator, Profile::super_user}) {
    const User alice = person(kAlice, p, {});
    const InteractionScope scope = interaction_scope(alice);
    CHECK_FALSE(scope.campaigns);
    CHECK(scope.only_owner == kNoUser);
    CHECK(scope.covers({kSales, kAna}));
    CHECK(scope.covers({kFinance, kNoUser}));
    CHECK(may_change_contact(alice, worked_by({{kFinance, kBob}})));
    CHECK(may_change_contact(alice, worked_by({})));
  }
}

TEST_CASE("R-SEC-4/CRM save_contact outside the caller's scope is refused and changes nothing") {
  Inbox d;
  d.configure(d.sales, webchat(Strategy::manual));
  d.configure(d.finance, webchat(Strategy::manual));
  const UserId dan = d.make_user("dan", Profile::agent);
  d.join(dan, d.finance);
  const UserId fred = d.make_user("fred", Profile::supervisor);
  d.join(fred, d.finance);
  const UserId gus = d.make_user("gus", Profile::supervisor);  // supervises nothing
  for (UserId u : {d.ana, d.bob, d.carla, dan}) d.connect(u);

  // Ana (Sales) serves Maria and records her; Carla (Finance) serves her too.
  const auto sale = d.open(d.sales, "visitor-1");
  REQUIRE(d.as(d.ana, Take{sale}).ok());
  const ContactId maria = d.created(d.as(d.ana, SaveContact{0, "Maria", {{Channel::webchat, "visitor-1"}}, {}, sale}));
  const auto invoice = d.open(d.finance, "visitor-1");
  CHECK(d.at(invoice).contact == maria);  // linked by address
  REQUIRE(d.as(d.carla, Take{invoice}).ok());

  auto denied = [&](UserId u, SaveContact cmd) {
    const auto seq = d.engine.last_seq();
    auto o = d.as(u, std::move(cmd));
    REQUIRE(o.error);
    CHECK(o.error->code == ErrorCode::permission_denied);
    CHECK(d.engine.last_seq() == seq);
    CHECK(d.engine.find_contact(maria)->name == "Maria");
    CHECK(d.engine.find_contact(maria)->fields.empty());
  };
  const SaveContact rename{maria, "Not Maria", {{Channel::webchat, "visitor-1"}}, {{"notes", "x"}}, 0};
  denied(dan, rename);    // a Finance agent without an interaction of hers
  denied(d.bob, rename);  // a member of both campaigns, but neither interaction is his
  denied(gus, rename);
  // Linking an unrelated interaction of one's own does not open the contact.
  const auto other = d.open(d.finance, "visitor-9");
  REQUIRE(d.as(dan, Take{other}).ok());
  denied(dan, SaveContact{maria, "Maria", {{Channel::webchat, "visitor-1"}}, {}, other});
  CHECK(d.at(other).contact == 0);

  // The owners, the campaigns' supervisors and administrators may.
  CHECK(d.as(d.ana, SaveContact{maria, "Maria A", {{Channel::webchat, "visitor-1"}}, {}, 0}).ok());
  CHECK(d.as(d.carla, SaveContact{maria, "Maria C", {{Channel::webchat, "visitor-1"}}, {}, 0}).ok());
  CHECK(d.as(d.sam, SaveContact{maria, "Maria S", {{Channel::webchat, "visitor-1"}}, {}, 0}).ok());
  CHECK(d.as(fred, SaveContact{maria, "Maria F", {{Channel::webchat, "visitor-1"}}, {}, 0}).ok());
  CHECK(d.as(d.alice, SaveContact{maria, "Maria", {{Channel::webchat, "visitor-1"}}, {}, 0}).ok());

  // Closed work still counts.
  REQUIRE(d.as(d.ana, Finish{sale}).ok());
  REQUIRE(d.as(d.ana, CloseInteraction{sale}).ok());
  CHECK(d.as(d.ana, SaveContact{maria, "Maria", {{Channel::webchat, "visitor-1"}}, {{"notes", "closed"}}, 0}).ok());
  CHECK(d.engine.contact_reach(maria).work.count(ContactTouch{d.sales, d.ana}) == 1);

  // The customer of one's own interaction is the contact's when the address is hers.
  const auto later = d.open(d.finance, "visitor-7");  // not yet a known address
  REQUIRE(d.as(dan, Take{later}).ok());
  REQUIRE(d.as(d.alice,
               SaveContact{maria, "Maria", {{Channel::webchat, "visitor-1"}, {Channel::webchat, "visitor-7"}}, {}, 0})
              .ok());
  CHECK(d.as(dan,
             SaveContact{maria, "Maria", {{Channel::webchat, "visitor-1"}, {Channel::webchat, "visitor-7"}}, {}, later})
            .ok());
  CHECK(d.at(later).contact == maria);
}

TEST_CASE("R-SEC-4/CRM a contact with no interaction is changed by its creator and supervisors only") {
  Inbox d;
  const ContactId lead = d.created(d.as(d.ana, SaveContact{0, "Lead", {{Channel::email, "lead@example.com"}}, {}, 0}));
  CHECK(d.as(d.ana, SaveContact{lead, "Lead 2", {{Channel::email, "lead@example.com"}}, {}, 0}).ok());
  const auto seq = d.engine.last_seq();
  CHECK(d.as(d.bob, SaveContact{lead, "Mine", {}, {}, 0}).error->code == ErrorCode::permission_denied);
  CHECK(d.engine.last_seq() == seq);
  CHECK(d.engine.find_contact(lead)->name == "Lead 2");
  CHECK(d.as(d.sam, SaveContact{lead, "Lead 3", {{Channel::email, "lead@example.com"}}, {}, 0}).ok());
  CHECK(d.as(d.alice, SaveContact{lead, "Lead 4", {{Channel::email, "lead@example.com"}}, {}, 0}).ok());
}

TEST_CASE("R-SEC-4/CRM closed work loaded on start keeps deciding who may change a contact") {
  EngineState state;
  Campaign sales;
  sales.id = kSales;
  sales.name = "Sales";
  state.campaigns.push_back(sales);
  state.last_campaign_id = kSales;
  state.users.push_back(person(kAna, Profile::agent, {kSales}));
  state.users.push_back(person(kBob, Profile::agent, {kSales}));
  state.users.push_back(person(kSam, Profile::supervisor, {}));
  for (User& u : state.users) u.login = "user-" + std::to_string(u.id);
  state.last_user_id = kSam;
  state.contacts.push_back(Contact{4, "Maria", {{Channel::sms, "5511555501010"}}, {}});
  state.last_contact_id = 4;
  state.contact_work[4].insert(ContactTouch{kSales, kAna});
  Engine engine(std::move(state));

  const SaveContact rename{4, "Maria S", {{Channel::sms, "5511555501010"}}, {}, 0};
  auto bob = engine.handle(Command{Actor::User(kBob), rename}, kStart);
  REQUIRE(bob.error);
  CHECK(bob.error->code == ErrorCode::permission_denied);
  auto sam = engine.handle(Command{Actor::User(kSam), rename}, kStart);  // supervises no campaign of hers
  REQUIRE(sam.error);
  CHECK(sam.error->code == ErrorCode::permission_denied);
  CHECK(engine.find_contact(4)->name == "Maria");
  CHECK(engine.handle(Command{Actor::User(kAna), rename}, kStart).ok());
  CHECK(engine.find_contact(4)->name == "Maria S");
}
