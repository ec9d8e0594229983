// Provider accounts, templates and the WhatsApp rules in the core (issue 12):
// R-OUT-3, R-MSG-3a/4/5/6, R-IN-1 through a provider account.
#include "inbox_fixture.h"

#include "core/text.h"

using namespace contactd::test;

namespace {

constexpr std::uint64_t kMB = 1024 * 1024;

// Sales has WebChat and WhatsApp through a Meta account (with the template
// order_update: "Hi {{1}}, your order {{2}} shipped."); ana may start
// WhatsApp conversations in Sales and is connected.
struct WhatsApp : Inbox {
  AccountId meta{};

  explicit WhatsApp(std::optional<BotSettings> bot = std::nullopt) {
    meta = add_account();
    auto s = webchat(Strategy::manual);
    s.channels[index(Channel::whatsapp)] = ChannelSettings{true, Provider::meta, meta};
    s.bot = std::move(bot);
    configure(sales, s);
    REQUIRE(system(SaveTemplate{meta, order_update()}).ok());
    ChannelSet wa;
    wa.set(index(Channel::whatsapp));
    REQUIRE(system(SetMembership{ana, sales, true, 0, wa}).ok());
    connect(ana);
  }
  static Template order_update() {
    return Template{"order_update", "en_US", "utility", "Hi {{1}}, your order {{2}} shipped.", "", {}, ""};
  }
  static TemplateUse order(std::vector<std::string> parameters = {"Maria", "#42"}) {
    return TemplateUse{"order_update", "en_US", std::move(parameters), ""};
  }
  // The customer writes through the account.
  Outcome inbound(std::string customer, std::string text, std::string provider_id, std::string reply_to = {},
                  std::vector<Attachment> attachments = {}) {
    ReceiveProviderMessage m;
    m.account = meta;
    m.customer = std::move(customer);
    m.display_name = "Maria Silva";
    m.provider_message_id = std::move(provider_id);
    m.text = std::move(text);
    m.attachments = std::move(attachments);
    m.reply_to_provider_id = std::move(reply_to);
    return system(std::move(m));
  }
  // ana starts a WhatsApp conversation with the template; returns the interaction.
  InteractionId start(std::string number = "5511999990001") {
    auto o = as(ana, StartInteraction{sales, Channel::whatsapp, std::move(number), "", {}, order()});
    INFO((o.error ? o.error->message : ""));
    REQUIRE(o.ok());
    return std::get<CreatedReply>(o.reply).id;
  }
  MessageId send(InteractionId id, std::string text, MessageId reply_to = 0) {
    return created(as(ana, SendMessage{id, std::move(text), {}, reply_to}));
  }
  Outcome report(InteractionId id, MessageId m, MessageState s, std::string provider_id = {}, std::string code = {},
                 std::string title = {}) {
    return system(ReportMessageStatus{id, m, s, std::move(provider_id), std::move(code), std::move(title)});
  }
  InteractionId interaction_of(const Outcome& o) { return find_event<MessagePosted>(o)->interaction; }
};

Attachment file(std::string name, std::uint64_t size, bool voice = false, std::string content_type = {}) {
  Attachment a{std::move(name), size, "att-1", voice};
  a.content_type = std::move(content_type);
  return a;
}

}  // namespace

// --- Provider accounts and templates ---

TEST_CASE("provider accounts: administrators save them, each provider's fields and secrets are required") {
  Inbox d;
  CHECK(d.as(d.ana, SaveProviderAccount{provider_account(Provider::meta, "M")}).error->code == ErrorCode::permission_denied);
  CHECK(d.as(d.sam, SaveProviderAccount{provider_account(Provider::meta, "M")}).error->code == ErrorCode::permission_denied);
  auto saved = d.as(d.alice, SaveProviderAccount{provider_account(Provider::meta, "M")});
  REQUIRE(saved.ok());
  const auto* e = find_event<ProviderAccountSaved>(saved);
  REQUIRE(e);
  CHECK(e->account.secrets.size() == 3);  // in memory only (the wire mapping drops them)
  CHECK(d.sees(d.alice, saved.events[0]));
  CHECK_FALSE(d.sees(d.sam, saved.events[0]));

  auto refused = [&](ProviderAccount a, std::string_view words) {
    auto o = d.system(SaveProviderAccount{std::move(a)});
    REQUIRE(o.error);
    CHECK(o.error->code == ErrorCode::invalid_argument);
    CHECK(o.error->message.find(words) != std::string::npos);
    CHECK(o.events.empty());
  };
  auto meta = provider_account(Provider::meta, "Meta 2");
  meta.secrets.erase("app_secret");
  refused(meta, "app_secret");
  meta = provider_account(Provider::meta, "Meta 2");
  meta.phone_number_id.clear();
  refused(meta, "phone_number_id");
  meta = provider_account(Provider::meta, "Meta 2");
  meta.secrets["api_key"] = "x";
  refused(meta, "not a secret");
  meta = provider_account(Provider::meta, "Meta 2");
  meta.base_url = "ftp://graph.example.com";
  refused(meta, "base_url");
  auto gupshup = provider_account(Provider::gupshup, "Gupshup");
  gupshup.secrets["callback_token"] = "short";
  refused(gupshup, "callback_token");
  gupshup = provider_account(Provider::gupshup, "Gupshup");
  gupshup.source_number.clear();
  refused(gupshup, "source_number");
  auto business = provider_account(Provider::whatsapp_business, "BSP");
  business.secrets["auth_header"] = "no colon";
  refused(business, "auth_header");
  business = provider_account(Provider::whatsapp_business, "BSP");
  business.base_url.clear();
  refused(business, "base_url");
  business = provider_account(Provider::whatsapp_business, "BSP");
  business.secrets["app_secret"] = "signs";  // optional for whatsapp_business
  CHECK(d.system(SaveProviderAccount{business}).ok());
  auto smtp = provider_account(Provider::meta, "SMTP");
  smtp.provider = Provider::smtp;
  refused(smtp, "meta, gupshup and whatsapp_business");
  CHECK(d.system(SaveProviderAccount{provider_account(Provider::gupshup, "M")}).error->code == ErrorCode::already_exists);
}

TEST_CASE("provider accounts: secrets are write-only, those left out are kept, the provider cannot change") {
  Inbox d;
  const AccountId id = d.add_account(Provider::meta, "Main");
  ProviderAccount renamed = provider_account(Provider::meta, "Main line");
  renamed.id = id;
  renamed.secrets = {{"access_token", "rotated"}};  // the others are kept
  REQUIRE(d.system(SaveProviderAccount{renamed}).ok());
  const ProviderAccount* a = d.engine.find_provider_account(id);
  REQUIRE(a);
  CHECK(a->name == "Main line");
  CHECK(a->secrets.at("access_token") == "rotated");
  CHECK(a->secrets.at("app_secret") == "app-secret");
  CHECK(d.system(SaveProviderAccount{renamed}).events.empty());  // unchanged: nothing happens
  renamed.secrets = {{"verify_token", ""}};                         // "": remove, but it is required
  CHECK(d.system(SaveProviderAccount{renamed}).error->code == ErrorCode::invalid_argument);
  ProviderAccount other = provider_account(Provider::gupshup, "Main line");
  other.id = id;
  CHECK(d.system(SaveProviderAccount{other}).error->code == ErrorCode::failed_precondition);
  other.id = 999;
  CHECK(d.system(SaveProviderAccount{other}).error->code == ErrorCode::not_found);
}

TEST_CASE("provider accounts: enabling WhatsApp needs an account of its provider, and an account serves one channel") {
  Inbox d;
  auto s = webchat(Strategy::manual);
  s.channels[index(Channel::whatsapp)] = ChannelSettings{true, Provider::meta};
  auto none = d.system(UpdateCampaign{d.sales, s});
  REQUIRE(none.error);
  CHECK(none.error->code == ErrorCode::failed_precondition);
  CHECK(none.error->message.find("no provider account") != std::string::npos);
  CHECK(d.system(CreateCampaign{"Support", s}).error->code == ErrorCode::failed_precondition);
  const AccountId gupshup = d.add_account(Provider::gupshup, "Gupshup");
  s.channels[index(Channel::whatsapp)].account = gupshup;  // a Gupshup account on a Meta channel
  CHECK(d.system(UpdateCampaign{d.sales, s}).error->code == ErrorCode::invalid_argument);
  s.channels[index(Channel::whatsapp)].account = 77;
  CHECK(d.system(UpdateCampaign{d.sales, s}).error->code == ErrorCode::failed_precondition);
  const AccountId meta = d.add_account();
  s.channels[index(Channel::whatsapp)].account = meta;
  REQUIRE(d.system(UpdateCampaign{d.sales, s}).ok());
  CHECK(d.engine.served_by(meta) == std::pair{d.sales, Channel::whatsapp});
  auto taken = d.system(UpdateCampaign{d.finance, s});  // the same number for a second campaign
  REQUIRE(taken.error);
  CHECK(taken.error->code == ErrorCode::failed_precondition);
  CHECK(taken.error->message.find("Sales") != std::string::npos);
  auto twice = s;
  twice.channels[index(Channel::messenger)] = ChannelSettings{true, Provider::meta, meta};
  CHECK(d.system(UpdateCampaign{d.sales, twice}).error->code == ErrorCode::failed_precondition);
  auto webchat_with_account = s;
  webchat_with_account.channels[index(Channel::webchat)].account = meta;
  CHECK(d.system(UpdateCampaign{d.sales, webchat_with_account}).error->code == ErrorCode::invalid_argument);
  // SMS and email keep their adapters' configuration until they get accounts.
  auto sms = webchat(Strategy::manual);
  sms.channels[index(Channel::sms)] = ChannelSettings{true, Provider::sms_gateway};
  CHECK(d.system(UpdateCampaign{d.finance, sms}).ok());
}

TEST_CASE("templates: the parameter count is the highest {{n}}, and each saved template is per account and language") {
  CHECK(parameter_count("Hi {{1}}, order {{2}} ({{2}})") == 2);
  CHECK(parameter_count("no parameters") == 0);
  CHECK(parameter_count("{{10}} and {{ 3 }} and {{x}}") == 10);
  Template t = WhatsApp::order_update();
  CHECK_FALSE(validate(t));
  t.body = "Hi {{1}} and {{3}}";
  CHECK(validate(t)->message.find("without gaps") != std::string::npos);
  t = WhatsApp::order_update();
  t.name = "Order Update";
  CHECK(validate(t));
  t = WhatsApp::order_update();
  t.category = "promo";
  CHECK(validate(t));

  WhatsApp d;
  CHECK(d.as(d.ana, SaveTemplate{d.meta, WhatsApp::order_update()}).error->code == ErrorCode::permission_denied);
  CHECK(d.system(SaveTemplate{999, WhatsApp::order_update()}).error->code == ErrorCode::not_found);
  CHECK(d.system(SaveTemplate{d.meta, WhatsApp::order_update()}).events.empty());  // unchanged
  Template pt = WhatsApp::order_update();
  pt.language = "pt_BR";
  pt.body = "Olá {{1}}, seu pedido {{2}} foi enviado.";
  auto saved = d.system(SaveTemplate{d.meta, pt});
  REQUIRE(find_event<TemplateSaved>(saved));
  CHECK(d.sees(d.ana, saved.events[0]));  // Sales' agents pick templates from its account
  CHECK(d.engine.templates(d.meta).size() == 2);
  REQUIRE(d.system(DeleteTemplate{d.meta, "order_update", "pt_BR"}).ok());
  CHECK(d.system(DeleteTemplate{d.meta, "order_update", "pt_BR"}).error->code == ErrorCode::not_found);
  CHECK(d.engine.templates(d.meta).size() == 1);
}

TEST_CASE("templates: administrators refresh a Meta account's templates from its listing (an effect), not a Gupshup one's") {
  WhatsApp d;
  CHECK(d.as(d.ana, RefreshTemplates{d.meta}).error->code == ErrorCode::permission_denied);
  CHECK(d.system(RefreshTemplates{999}).error->code == ErrorCode::not_found);
  auto o = d.system(RefreshTemplates{d.meta});
  REQUIRE(o.ok());
  CHECK(o.events.empty());
  REQUIRE(o.effects.size() == 1);
  CHECK(std::get<FetchTemplates>(o.effects[0]).account == d.meta);
}

// --- R-OUT-3 ---

TEST_CASE("R-OUT-3 first WhatsApp message must be a template, and the template's text is its filled-in body") {
  WhatsApp d;
  auto free_text = d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "Hello!", {}});
  REQUIRE(free_text.error);
  CHECK(free_text.error->code == ErrorCode::failed_precondition);
  CHECK(free_text.error->message == "the first WhatsApp message of an outbound interaction must be an approved template");
  CHECK(free_text.events.empty());
  CHECK(free_text.effects.empty());  // nothing reaches the customer
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", {file("a.pdf", 10)}}).error->code ==
        ErrorCode::failed_precondition);

  auto o = d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "+55 11 99999-0001", "", {}, WhatsApp::order()});
  REQUIRE(o.ok());
  const auto* m = find_event<MessagePosted>(o);
  REQUIRE(m);
  CHECK(m->text == "Hi Maria, your order #42 shipped.");
  CHECK(m->state == MessageState::queued);
  REQUIRE(m->template_use);
  CHECK(m->template_use->parameters == std::vector<std::string>{"Maria", "#42"});
  const auto* deliver = find_effect<DeliverMessage>(o);
  REQUIRE(deliver);
  CHECK(deliver->account == d.meta);
  CHECK(deliver->provider == Provider::meta);
  CHECK(deliver->customer == "5511999990001");
  CHECK(find_event<InteractionOpened>(o)->account == d.meta);
  CHECK(d.at(m->interaction).account == d.meta);
  // A second conversation with the same customer on the same number: refused.
  auto again = d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", {}, WhatsApp::order()});
  REQUIRE(again.error);
  CHECK(again.error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-OUT-3 a template with a media header carries that file, of the header's kind and size, as its one attachment") {
  WhatsApp d;
  Template promo{"new_catalog", "en_US", "marketing", "Hi {{1}}, our new catalog is out.", "image", {}, ""};
  REQUIRE(d.system(SaveTemplate{d.meta, promo}).ok());
  auto use = [](std::string header) { return TemplateUse{"new_catalog", "en_US", {"Maria"}, std::move(header)}; };
  auto start = [&](std::vector<Attachment> files, TemplateUse t) {
    return d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", std::move(files), std::move(t)});
  };
  // No header file; a file the template does not name; a PDF for an image header; too large for WhatsApp.
  CHECK(start({}, use("")).error->code == ErrorCode::invalid_argument);
  CHECK(start({file("cover.jpg", 1000)}, use("other")).error->code == ErrorCode::invalid_argument);
  auto pdf = file("cover.pdf", 1000);
  CHECK(start({pdf}, use("att-1")).error->code == ErrorCode::invalid_argument);
  auto big = start({file("cover.jpg", 6 * 1024 * 1024)}, use("att-1"));
  REQUIRE(big.error);
  CHECK(big.error->code == ErrorCode::invalid_argument);
  // A template without a media header carries no file.
  CHECK(start({file("cover.jpg", 1000)}, WhatsApp::order()).error->code == ErrorCode::invalid_argument);
  // The image header's file: accepted, and delivered as the message's attachment.
  auto ok = start({file("cover.jpg", 1000)}, use("att-1"));
  INFO((ok.error ? ok.error->message : ""));
  REQUIRE(ok.ok());
  const auto* deliver = find_effect<DeliverMessage>(ok);
  REQUIRE(deliver);
  REQUIRE(deliver->message.attachments.size() == 1);
  CHECK(deliver->message.attachments[0].reference == "att-1");
  CHECK(deliver->message.template_use->header_attachment == "att-1");
  CHECK(deliver->message.text == "Hi Maria, our new catalog is out.");
}

TEST_CASE("R-OUT-3 a template with the wrong parameters, or an unknown template or language, is refused naming it") {
  WhatsApp d;
  auto wrong = d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", {}, WhatsApp::order({"Maria"})});
  REQUIRE(wrong.error);
  CHECK(wrong.error->code == ErrorCode::invalid_argument);
  CHECK(wrong.error->message.find("order_update") != std::string::npos);
  CHECK(wrong.error->message.find("takes 2 parameters, not 1") != std::string::npos);
  auto unknown = d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", {},
                                              TemplateUse{"welcome", "en_US", {}, ""}});
  CHECK(unknown.error->code == ErrorCode::invalid_argument);
  CHECK(unknown.error->message.find("'welcome'") != std::string::npos);
  auto language = d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", {},
                                               TemplateUse{"order_update", "de_DE", {"a", "b"}, ""}});
  CHECK(language.error->code == ErrorCode::invalid_argument);
  CHECK(language.error->message.find("has no language 'de_DE'") != std::string::npos);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "extra", {}, WhatsApp::order()})
            .error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, StartInteraction{d.sales, Channel::whatsapp, "5511999990001", "", {}, WhatsApp::order({"Maria", "a\nb"})})
            .error->code == ErrorCode::invalid_argument);
  // Templates are WhatsApp's: WebChat has no account to take them from.
  CHECK(d.engine.interaction_count() == 0);
}

TEST_CASE("R-OUT-3 free-form WhatsApp messages only within 24 h of the customer's last message, templates always") {
  WhatsApp d;
  const InteractionId id = d.start();
  auto early = d.as(d.ana, SendMessage{id, "Any questions?", {}});
  REQUIRE(early.error);  // the customer has not written yet
  CHECK(early.error->code == ErrorCode::failed_precondition);
  CHECK(early.error->message.find("template") != std::string::npos);

  d.clock.advance(1h);
  auto answer = d.inbound("5511999990001", "Where is it?", "wamid.c1");
  REQUIRE(answer.ok());
  CHECK(d.interaction_of(answer) == id);  // the customer's answer joins the started interaction
  CHECK_FALSE(find_event<InteractionOpened>(answer));
  const TimePoint wrote = d.clock.now();
  CHECK(d.at(id).last_customer_message_at == wrote);
  CHECK(d.as(d.ana, SendMessage{id, "On its way!", {}}).ok());

  d.clock.set(wrote + 24h - 1s);
  CHECK(d.as(d.ana, SendMessage{id, "Still there?", {}}).ok());
  d.clock.set(wrote + 24h + 1s);
  auto late = d.as(d.ana, SendMessage{id, "Hello again", {}});
  REQUIRE(late.error);
  CHECK(late.error->code == ErrorCode::failed_precondition);
  CHECK(late.error->message.find("closed at " + iso_time(wrote + 24h)) != std::string::npos);
  CHECK(late.events.empty());
  CHECK(late.effects.empty());
  auto tmpl = d.as(d.ana, SendMessage{id, "", {}, 0, WhatsApp::order({"Maria", "#43"})});
  REQUIRE(tmpl.ok());  // a template is still allowed
  CHECK(find_event<MessagePosted>(tmpl)->text == "Hi Maria, your order #43 shipped.");
  // The customer writes again: the window opens again.
  REQUIRE(d.inbound("5511999990001", "Thanks", "wamid.c2").ok());
  CHECK(d.as(d.ana, SendMessage{id, "You're welcome", {}}).ok());
}

TEST_CASE("R-OUT-3 the window binds inbound conversations and the bot too, and WebChat not at all") {
  WhatsApp d(BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s});
  auto first = d.inbound("5511999990002", "Hi", "wamid.in1");
  REQUIRE(first.ok());
  const InteractionId id = d.interaction_of(first);
  CHECK(d.system(BotMessage{id, "Hello, I am Sally"}).ok());
  d.clock.advance(24h + 1s);
  CHECK(d.system(BotMessage{id, "Still there?"}).error->code == ErrorCode::failed_precondition);
  CHECK(iso_time(from_unix_ms(1'790'000'000'000)) == "2026-09-21T14:13:20Z");
  CHECK(iso_time(from_unix_ms(0)) == "1970-01-01T00:00:00Z");
  CHECK(iso_time(from_unix_ms(951'782'400'000)) == "2000-02-29T00:00:00Z");
  CHECK_FALSE(check_free_form(Channel::webchat, std::nullopt, kStart));
}

// --- R-MSG-5 ---

TEST_CASE("R-MSG-5 the status merge is monotonic: late and duplicate reports change nothing, failed only before delivery") {
  using S = MessageState;
  CHECK(merge_state(S::queued, S::sent) == S::sent);
  CHECK(merge_state(S::sent, S::delivered) == S::delivered);
  CHECK(merge_state(S::queued, S::read) == S::read);  // read without delivered is fine
  CHECK(merge_state(S::read, S::played) == S::played);
  CHECK_FALSE(merge_state(S::delivered, S::sent));  // late
  CHECK_FALSE(merge_state(S::read, S::delivered));
  CHECK_FALSE(merge_state(S::played, S::read));  // played kept
  CHECK_FALSE(merge_state(S::sent, S::sent));    // duplicate
  CHECK(merge_state(S::sent, S::failed) == S::failed);
  CHECK_FALSE(merge_state(S::delivered, S::failed));  // failed after delivery: delivery stands
  CHECK(merge_state(S::failed, S::delivered) == S::delivered);  // delivery after failed overrides it
  CHECK(merge_state(S::failed, S::read) == S::read);
  CHECK_FALSE(merge_state(S::failed, S::sent));
  CHECK_FALSE(merge_state(S::failed, S::failed));
}

TEST_CASE("R-MSG-5 reports move a message's state once: the provider's id binds, failures carry code and title") {
  WhatsApp d;
  const InteractionId id = d.start();
  const MessageId first = find_event<MessagePosted>(d.as(d.ana, SendMessage{id, "", {}, 0, WhatsApp::order()}))->message;
  auto sent = d.report(id, first, MessageState::sent, "wamid.a1");
  const auto* changed = find_event<MessageStatusChanged>(sent);
  REQUIRE(changed);
  CHECK(changed->state == MessageState::sent);
  CHECK(changed->provider_message_id == "wamid.a1");
  CHECK(d.sees(d.ana, sent.events[0]));
  CHECK(d.report(id, first, MessageState::sent, "wamid.a1").events.empty());  // duplicate
  REQUIRE(find_event<MessageStatusChanged>(d.report(id, first, MessageState::read)));  // read without delivered
  CHECK(d.report(id, first, MessageState::delivered).events.empty());                   // late
  CHECK(d.engine.message_records(id)->back().state == MessageState::read);
  REQUIRE(find_event<MessageStatusChanged>(d.report(id, first, MessageState::played)));
  CHECK(d.report(id, first, MessageState::read).events.empty());  // played kept

  // 131047 arrives as a failed status with its code: the core keeps it.
  const MessageId second = find_event<MessagePosted>(d.as(d.ana, SendMessage{id, "", {}, 0, WhatsApp::order()}))->message;
  auto failed = d.report(id, second, MessageState::failed, "wamid.a2", "131047", "Re-engagement message");
  const auto* f = find_event<MessageStatusChanged>(failed);
  REQUIRE(f);
  CHECK(f->state == MessageState::failed);
  CHECK(f->error_code == "131047");
  CHECK(f->error_text == "Re-engagement message");
  CHECK(d.report(id, second, MessageState::sent).events.empty());
  auto delivered = d.report(id, second, MessageState::delivered);
  REQUIRE(find_event<MessageStatusChanged>(delivered));
  CHECK(find_event<MessageStatusChanged>(delivered)->error_code.empty());

  // Bad reports.
  CHECK(d.report(id, 9999, MessageState::sent).error->code == ErrorCode::not_found);
  CHECK(d.report(id, first, MessageState::received).error->code == ErrorCode::invalid_argument);
  CHECK(d.as(d.ana, ReportMessageStatus{id, first, MessageState::read}).error->code == ErrorCode::permission_denied);
  const MessageId from_customer = d.created(d.inbound("5511999990001", "ok", "wamid.c9"));
  CHECK(d.report(id, from_customer, MessageState::read).error->code == ErrorCode::failed_precondition);
}

TEST_CASE("R-MSG-5 WebChat agent messages are delivered at once, a finished interaction's messages still get reports") {
  WhatsApp d;
  auto chat = d.open(d.sales, "visitor-1");
  REQUIRE(d.as(d.ana, Take{chat}).ok());
  auto posted = d.as(d.ana, SendMessage{chat, "Hi", {}});
  CHECK(find_event<MessagePosted>(posted)->state == MessageState::delivered);
  CHECK(find_effect<DeliverMessage>(posted)->provider == Provider::builtin);
  CHECK(find_event<MessagePosted>(d.system(CustomerMessage{chat, "hello", {}}))->state == MessageState::received);

  const InteractionId id = d.start();
  const MessageId m = find_event<MessagePosted>(d.as(d.ana, SendMessage{id, "", {}, 0, WhatsApp::order()}))->message;
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  CHECK_FALSE(d.engine.message_records(id));  // dropped with the finish
  auto late = d.report(id, m, MessageState::read, "wamid.x");
  const auto* e = find_event<MessageStatusChanged>(late);
  REQUIRE(e);  // the projection merges it in SQL
  CHECK(e->state == MessageState::read);
  CHECK(d.sees(d.ana, late.events[0]));  // still in ana's Finished tab
}

// --- R-MSG-6 ---

TEST_CASE("R-MSG-6 replies quote customer messages and delivered or read agent messages only") {
  WhatsApp d;
  const InteractionId id = d.start();
  const MessageId opening = find_event<MessagePosted>(d.as(d.ana, SendMessage{id, "", {}, 0, WhatsApp::order()}))->message;
  REQUIRE(d.report(id, opening, MessageState::sent, "wamid.o1").ok());
  auto early = d.as(d.ana, SendMessage{id, "see above", {}, opening});
  REQUIRE(early.error);  // the customer has not written: the window is closed anyway
  const std::string long_text(300, 'x');
  auto customer = d.inbound("5511999990001", long_text, "wamid.c1", "", {[] {
                              Attachment a{"photo.jpg", 1000, "", false};
                              a.state = AttachmentState::pending;
                              a.provider_media_id = "media-1";
                              return a;
                            }()});
  REQUIRE(customer.ok());
  const MessageId from_customer = std::get<CreatedReply>(customer.reply).id;

  auto single_check = d.as(d.ana, SendMessage{id, "see above", {}, opening});
  REQUIRE(single_check.error);
  CHECK(single_check.error->code == ErrorCode::failed_precondition);
  CHECK(single_check.error->message.find("delivered or read") != std::string::npos);
  REQUIRE(d.report(id, opening, MessageState::delivered).ok());
  auto quoted = d.as(d.ana, SendMessage{id, "see above", {}, opening});
  REQUIRE(quoted.ok());
  const auto* m = find_event<MessagePosted>(quoted);
  REQUIRE(m->reply);
  CHECK(m->reply->message == opening);
  CHECK(m->reply->sender == Sender::agent);
  CHECK(m->reply->author_name == "ana name");
  CHECK(m->reply->text == "Hi Maria, your order #42 shipped.");
  CHECK(find_effect<DeliverMessage>(quoted)->reply_to_provider_id == "wamid.o1");

  auto to_customer = d.as(d.ana, SendMessage{id, "about your photo", {}, from_customer});
  REQUIRE(to_customer.ok());
  const auto& link = *find_event<MessagePosted>(to_customer)->reply;
  CHECK(link.sender == Sender::customer);
  CHECK(link.author_name == "Maria Silva");
  CHECK(link.text == std::string(kReplyExcerpt, 'x'));  // an excerpt of at most 200 bytes
  CHECK(link.filename == "photo.jpg");
  CHECK(find_effect<DeliverMessage>(to_customer)->reply_to_provider_id == "wamid.c1");

  const MessageId failing = d.send(id, "one more");
  REQUIRE(d.report(id, failing, MessageState::failed, "wamid.f", "131026", "Undeliverable").ok());
  CHECK(d.as(d.ana, SendMessage{id, "again", {}, failing}).error->message.find("failed") != std::string::npos);
  CHECK(d.as(d.ana, SendMessage{id, "nope", {}, 424242}).error->code == ErrorCode::failed_precondition);
  // A message of another interaction is not one of this one.
  const InteractionId other = d.start("5511999990009");
  CHECK(d.as(d.ana, SendMessage{other, "", {}, from_customer, WhatsApp::order()}).error->code == ErrorCode::failed_precondition);
  CHECK(excerpt("ação", 2) == "a");  // never half a character
}

TEST_CASE("R-MSG-6 bot messages are quoted with the bot's name, and customer replies arrive linked") {
  WhatsApp d(BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s});
  const InteractionId id = d.interaction_of(d.inbound("5511999990003", "Hi", "wamid.in1"));
  const MessageId bot = d.created(d.system(BotMessage{id, "Pick 1 or 2"}));
  REQUIRE(d.report(id, bot, MessageState::delivered, "wamid.bot1").ok());
  auto linked = d.inbound("5511999990003", "1", "wamid.in2", "wamid.bot1");
  const auto* m = find_event<MessagePosted>(linked);
  REQUIRE(m);
  REQUIRE(m->reply);
  CHECK(m->reply->message == bot);
  CHECK(m->reply->sender == Sender::bot);
  CHECK(m->reply->author_name == "Sally");
  CHECK(m->reply->text == "Pick 1 or 2");
  CHECK_FALSE(find_event<MessagePosted>(d.inbound("5511999990003", "?", "wamid.in3", "wamid.unknown"))->reply);
  REQUIRE(d.system(BotAnswered{id, true}).ok());
  REQUIRE(d.as(d.ana, Take{id}).ok());
  auto reply = d.as(d.ana, SendMessage{id, "Sally said so", {}, bot});
  REQUIRE(reply.ok());
  CHECK(find_event<MessagePosted>(reply)->reply->author_name == "Sally");
}

// --- R-MSG-3a / R-MSG-4 ---

TEST_CASE("R-MSG-3a WhatsApp takes only its media types and sizes, the smaller of the guide's table and the provider's") {
  for (auto p : {Provider::meta, Provider::gupshup, Provider::whatsapp_business}) {
    CHECK(size_limit(Channel::whatsapp, p, AttachmentKind::image) == 5 * kMB);
    CHECK(size_limit(Channel::whatsapp, p, AttachmentKind::audio) == 16 * kMB);
    CHECK(size_limit(Channel::whatsapp, p, AttachmentKind::video) == 16 * kMB);
    CHECK(size_limit(Channel::whatsapp, p, AttachmentKind::document) == 100 * kMB);
  }
  CHECK(size_limit(Channel::messenger, Provider::meta, AttachmentKind::image) == 8 * kMB);  // the table alone
  const auto ok = [](Attachment a) { return !check_attachments(Channel::whatsapp, Provider::meta, {std::move(a)}); };
  CHECK(ok(file("a.jpg", 5 * kMB)));
  CHECK_FALSE(ok(file("a.jpg", 5 * kMB + 1)));
  CHECK(ok(file("a.png", 10)));
  CHECK(ok(file("a.mp4", 16 * kMB)));
  CHECK_FALSE(ok(file("a.mp4", 16 * kMB + 1)));
  CHECK(ok(file("a.m4a", 10)));
  CHECK(ok(file("a.pdf", 100 * kMB)));
  CHECK(ok(file("a.docx", 10)));
  // Decision: R-MSG-2 extensions WhatsApp does not carry are refused, naming what it accepts.
  for (const char* name : {"a.gif", "a.webp", "a.svg", "a.webm", "a.mov", "a.wav", "a.flac", "a.zip", "a.rar", "a.csv"}) {
    INFO(name);
    auto e = check_attachments(Channel::whatsapp, Provider::gupshup, {file(name, 10)});
    REQUIRE(e);
    CHECK(e->code == ErrorCode::invalid_argument);
    CHECK(e->message.find("it accepts images jpg/jpeg/png") != std::string::npos);
  }
  CHECK_FALSE(check_attachments(Channel::webchat, Provider::builtin, {file("a.gif", 10)}));  // WebChat shows them
  // By content: a .png that is a GIF is refused.
  auto sniffed = check_attachments(Channel::whatsapp, Provider::meta, {file("a.png", 10, false, "image/gif")});
  REQUIRE(sniffed);
  CHECK(sniffed->message.find("image/gif") != std::string::npos);
  CHECK(ok(file("a.jpg", 10, false, "image/jpeg")));
  Attachment pending = file("a.jpg", 10);
  pending.state = AttachmentState::pending;
  CHECK_FALSE(ok(pending));  // not uploaded yet
}

TEST_CASE("R-MSG-4 WhatsApp voice messages are Ogg (Opus)") {
  CHECK_FALSE(check_attachments(Channel::whatsapp, Provider::meta, {file("v.ogg", 1000, true, "audio/ogg; codecs=opus")}));
  CHECK(check_attachments(Channel::whatsapp, Provider::meta, {file("v.mp3", 1000, true)})->message.find("Ogg") !=
        std::string::npos);
  CHECK(check_attachments(Channel::whatsapp, Provider::meta, {file("v.ogg", 1000, true, "audio/mpeg")}));
  CHECK_FALSE(check_attachments(Channel::webchat, Provider::builtin, {file("v.mp3", 1000, true)}));
}

TEST_CASE("R-MSG-3a an agent's WhatsApp attachment WhatsApp refuses is refused before anything is sent") {
  WhatsApp d;
  const InteractionId id = d.start();
  REQUIRE(d.inbound("5511999990001", "send me the catalogue", "wamid.c1").ok());
  auto gif = d.as(d.ana, SendMessage{id, "here", {file("cat.gif", 100)}});
  REQUIRE(gif.error);
  CHECK(gif.events.empty());
  CHECK(gif.effects.empty());
  CHECK(d.as(d.ana, SendMessage{id, "here", {file("catalogue.pdf", 100)}}).ok());
}

// --- R-IN-1 ---

TEST_CASE("R-IN-1 a customer's first WhatsApp message opens an interaction, the next join it, after it finished a new one opens") {
  WhatsApp d;
  ReceiveProviderMessage first;
  first.account = d.meta;
  first.customer = "+55 11 99999-0004";
  first.customer_alt_id = "BR.1502576394655843";
  first.display_name = "Maria Silva";
  first.provider_message_id = "wamid.1";
  first.inbox_id = 17;
  first.text = "Olá";
  auto o = d.system(first);
  REQUIRE(o.ok());
  const auto* opened = find_event<InteractionOpened>(o);
  REQUIRE(opened);
  CHECK(opened->campaign == d.sales);
  CHECK(opened->channel == Channel::whatsapp);
  CHECK(opened->customer == "5511999990004");
  CHECK(opened->display_name == "Maria Silva");
  CHECK(opened->customer_alt_id == "BR.1502576394655843");
  CHECK(opened->account == d.meta);
  const auto* m = find_event<MessagePosted>(o);
  REQUIRE(m);
  CHECK(m->inbox_id == 17);
  CHECK(m->provider_message_id == "wamid.1");
  CHECK(m->author_name == "Maria Silva");
  CHECK(m->state == MessageState::received);
  CHECK(o.effects.empty());  // nothing goes back to the customer
  const InteractionId id = opened->interaction;
  CHECK(d.at(id).state == InteractionState::pending);
  CHECK(d.sees(d.bob, o.events[0]));  // Sales' Pending tab

  auto next = d.inbound("5511999990004", "Anyone?", "wamid.2");
  CHECK(d.interaction_of(next) == id);
  CHECK_FALSE(find_event<InteractionOpened>(next));
  REQUIRE(d.as(d.ana, Take{id}).ok());
  CHECK(d.interaction_of(d.inbound("5511999990004", "Thanks", "wamid.3")) == id);
  REQUIRE(d.as(d.ana, Finish{id}).ok());
  auto after = d.inbound("5511999990004", "One more thing", "wamid.4");
  REQUIRE(find_event<InteractionOpened>(after));
  CHECK(d.interaction_of(after) != id);
  CHECK(d.engine.find_conversation(d.meta, "5511999990004")->id == d.interaction_of(after));
}

TEST_CASE("R-IN-1 a WhatsApp customer goes to the bot first when the campaign has one") {
  WhatsApp d(BotSettings{"Sally", "http://127.0.0.1:9/bot", 2s});
  auto o = d.inbound("5511999990005", "I need help", "wamid.1");
  REQUIRE(o.ok());
  const InteractionId id = d.interaction_of(o);
  CHECK(d.at(id).state == InteractionState::bot);
  REQUIRE(o.effects.size() == 1);
  const auto& ask = std::get<AskBot>(o.effects[0]);
  CHECK(ask.text == "I need help");  // one question: the first message itself
  auto next = d.inbound("5511999990005", "hello?", "wamid.2");
  CHECK(std::get<AskBot>(next.effects.at(0)).text == "hello?");
  const Outcome said = d.system(BotMessage{id, "Hi, I am Sally"});  // kept: `bot` points into it
  const auto* bot = find_effect<DeliverMessage>(said);
  REQUIRE(bot);
  CHECK(bot->account == d.meta);
  CHECK(bot->message.state == MessageState::queued);
}

TEST_CASE("R-IN-1 inbound through an unknown account or one no campaign uses is refused, and the CRM contact links by number") {
  WhatsApp d;
  ReceiveProviderMessage m;
  m.account = 999;
  m.customer = "5511999990006";
  m.provider_message_id = "wamid.1";
  m.text = "hi";
  CHECK(d.system(m).error->code == ErrorCode::not_found);
  m.account = d.add_account(Provider::gupshup, "Idle number");
  auto idle = d.system(m);
  REQUIRE(idle.error);
  CHECK(idle.error->code == ErrorCode::failed_precondition);
  CHECK(idle.error->message.find("Idle number") != std::string::npos);
  m.account = d.meta;
  m.provider_message_id.clear();
  CHECK(d.system(m).error->code == ErrorCode::invalid_argument);
  m.provider_message_id = "wamid.1";
  CHECK(d.as(d.alice, m).error->code == ErrorCode::permission_denied);

  REQUIRE(d.as(d.ana, SaveContact{0, "Maria", {{Channel::whatsapp, "5511999990006"}}, {}, 0}).ok());
  auto o = d.system(m);
  REQUIRE(o.ok());
  CHECK(find_event<InteractionOpened>(o)->contact != 0);
  // A customer known only by their business-scoped id (no number).
  ReceiveProviderMessage bsuid;
  bsuid.account = d.meta;
  bsuid.customer_alt_id = "BR.99";
  bsuid.provider_message_id = "wamid.2";
  bsuid.text = "hi";
  auto alt = d.system(bsuid);
  REQUIRE(alt.ok());
  CHECK(find_event<InteractionOpened>(alt)->customer == "BR.99");
}

TEST_CASE("inbound media: pending attachments become ready or unavailable once (ReportAttachment)") {
  WhatsApp d;
  Attachment photo{"", 0, "", false};
  photo.state = AttachmentState::pending;
  photo.provider_media_id = "2754859441498128";
  auto o = d.inbound("5511999990007", "", "wamid.1", "", {photo, photo});
  REQUIRE(o.ok());
  const InteractionId id = d.interaction_of(o);
  const MessageId m = std::get<CreatedReply>(o.reply).id;
  Attachment ready{"photo.jpg", 12345, "att-9", false, "image/jpeg"};
  auto done = d.system(ReportAttachment{id, m, 0, ready});
  const auto* e = find_event<AttachmentUpdated>(done);
  REQUIRE(e);
  CHECK(e->attachment.reference == "att-9");
  CHECK(d.sees(d.bob, done.events[0]));
  CHECK(d.engine.message_records(id)->back().preview_reference == "att-9");
  Attachment gone = photo;
  gone.state = AttachmentState::unavailable;
  gone.unavailable_reason = "the provider answered 404 three times";
  CHECK(d.system(ReportAttachment{id, m, 0, gone}).events.empty());  // a ready file stays ready
  CHECK(find_event<AttachmentUpdated>(d.system(ReportAttachment{id, m, 1, gone})));
  CHECK(d.system(ReportAttachment{id, m, 1, gone}).events.empty());  // duplicate
  CHECK(d.system(ReportAttachment{id, m, 2, ready}).error->code == ErrorCode::not_found);
  gone.unavailable_reason.clear();
  CHECK(d.system(ReportAttachment{id, m, 1, gone}).error->code == ErrorCode::invalid_argument);
  CHECK(d.system(ReportAttachment{id, m, 0, photo}).error->code == ErrorCode::invalid_argument);  // pending is no outcome
  Attachment no_id = photo;
  no_id.provider_media_id.clear();
  CHECK(d.inbound("5511999990007", "", "wamid.2", "", {no_id}).error->code == ErrorCode::invalid_argument);
}

TEST_CASE("restart: accounts, templates, message records and the customer's last message time come back from the state") {
  EngineState state;
  Campaign c;
  c.id = 1;
  c.name = "Sales";
  c.settings.channels[index(Channel::whatsapp)] = ChannelSettings{true, Provider::meta, 3};
  User ana;
  ana.id = 1;
  ana.login = "ana";
  ana.display_name = "Ana";
  ana.campaigns.insert(1);
  c.members.emplace(1, Membership{});
  state.campaigns.push_back(c);
  state.users.push_back(ana);
  state.last_user_id = state.last_campaign_id = 1;
  state.accounts.push_back(provider_account(Provider::meta, "Main"));
  state.accounts.back().id = 3;
  state.last_account_id = 3;
  state.templates.push_back({3, WhatsApp::order_update()});
  EngineState::OpenInteraction open;
  open.interaction.id = 5;
  open.interaction.campaign = 1;
  open.interaction.channel = Channel::whatsapp;
  open.interaction.state = InteractionState::active;
  open.interaction.owner = 1;
  open.interaction.customer = "5511999990001";
  open.interaction.account = 3;
  open.interaction.last_customer_message_at = kStart - 23h;
  open.messages.push_back(MessageRecord{8, Sender::customer, MessageState::received, "wamid.c", "Maria", "hi", "", "", {}});
  open.messages.push_back(MessageRecord{9, Sender::agent, MessageState::read, "wamid.a", "Ana", "hello", "", "", {}});
  state.interactions.push_back(open);
  state.last_interaction_id = 5;
  state.last_message_id = 9;
  state.loaded_at = kStart;
  Engine engine(std::move(state));
  CHECK(engine.find_provider_account(3)->secrets.at("app_secret") == "app-secret");
  CHECK(engine.find_template(3, "order_update", "en_US"));
  CHECK(engine.find_conversation(3, "5511999990001")->id == 5);
  REQUIRE(engine.handle(Command{Actor::System(), OpenSession{1, "t", kStart + 1h, 7}}, kStart).ok());
  auto reply = engine.handle(Command{Actor::User(1), SendMessage{5, "as you asked", {}, 9}}, kStart);
  REQUIRE(reply.ok());  // the window is open (23 h) and message 9 was read
  CHECK(find_event<MessagePosted>(reply)->reply->text == "hello");
  CHECK(engine.handle(Command{Actor::User(1), SendMessage{5, "late", {}}}, kStart + 1h + 1s).error->code ==
        ErrorCode::failed_precondition);
  auto joined = engine.handle(
      Command{Actor::System(), ReceiveProviderMessage{3, "5511999990001", "", "", "wamid.c2", 0, "back", {}, "wamid.a"}},
      kStart + 2h);
  REQUIRE(joined.ok());
  CHECK(find_event<MessagePosted>(joined)->interaction == 5);
  CHECK(find_event<MessagePosted>(joined)->reply->message == 9);
}

TEST_CASE("R-SEC-1 the text rule covers the new commands: secrets, templates and provider messages") {
  const std::string bad = "\xC3";
  ProviderAccount a = provider_account(Provider::meta, "M");
  a.secrets["app_secret"] = bad;
  CHECK(check_command_text(SaveProviderAccount{a})->message.find("secrets") != std::string::npos);
  Template t = WhatsApp::order_update();
  t.body = bad;
  CHECK(check_command_text(SaveTemplate{1, t}));
  CHECK(check_command_text(SendMessage{1, "", {}, 0, TemplateUse{"x", "en", {bad}, ""}}));
  ReceiveProviderMessage m;
  m.display_name = bad;
  CHECK(check_command_text(m)->message.find("display_name") != std::string::npos);
  CHECK(check_command_text(ReportMessageStatus{1, 1, MessageState::failed, "", "", bad}));
  Attachment att;
  att.unavailable_reason = bad;
  CHECK(check_command_text(ReportAttachment{1, 1, 0, att}));
}

TEST_CASE(
    "templates: a Gupshup account's template needs its provider_template_id (Gupshup sends by its UUID), Meta's need "
    "none") {
  WhatsApp d;
  const AccountId gupshup = d.add_account(Provider::gupshup, "Gupshup");
  Template t = WhatsApp::order_update();
  auto refused = d.system(SaveTemplate{gupshup, t});
  REQUIRE(refused.error);
  CHECK(refused.error->code == ErrorCode::invalid_argument);
  CHECK(refused.error->message.find("provider_template_id") != std::string::npos);
  CHECK(refused.events.empty());
  CHECK(d.engine.templates(gupshup).empty());

  t.provider_template_id = "not a uuid!";
  CHECK(d.system(SaveTemplate{gupshup, t}).error->code == ErrorCode::invalid_argument);
  t.provider_template_id = std::string(129, 'a');
  CHECK(d.system(SaveTemplate{gupshup, t}).error->code == ErrorCode::invalid_argument);

  t.provider_template_id = "c6aecef6-bcb0-4fb1-8100-28c094e3bc6b";
  auto saved = d.system(SaveTemplate{gupshup, t});
  REQUIRE(saved.ok());
  const auto* event = find_event<TemplateSaved>(saved);
  REQUIRE(event);
  CHECK(event->definition.provider_template_id == "c6aecef6-bcb0-4fb1-8100-28c094e3bc6b");
  REQUIRE(d.engine.templates(gupshup).size() == 1);
  CHECK(d.engine.templates(gupshup)[0].provider_template_id == "c6aecef6-bcb0-4fb1-8100-28c094e3bc6b");
  // A changed id is a change: saved again.
  t.provider_template_id = "0f1e2d3c-bcb0-4fb1-8100-28c094e3bc6b";
  CHECK(find_event<TemplateSaved>(d.system(SaveTemplate{gupshup, t})));
  // Meta addresses templates by name and language: no id needed (d.meta's order_update has none).
  CHECK(d.engine.templates(d.meta)[0].provider_template_id.empty());
}
