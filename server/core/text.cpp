#include "core/text.h"

#include "core/overloaded.h"

namespace contactd::core {

bool valid_text(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c == 0) return false;
      ++p;
      continue;
    }
    int extra;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte (RFC 3629 §4)
    if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) lo = 0xA0;       // no overlongs
      else if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) lo = 0x90;       // no overlongs
      else if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return false;  // a continuation byte, C0/C1, or F5..FF
    }
    if (end - p <= extra) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (int i = 2; i <= extra; ++i)
      if ((p[i] & 0xC0) != 0x80) return false;
    p += extra + 1;
  }
  return true;
}

namespace {

// Collects the first field whose text breaks the rule.
struct TextCheck {
  const char* bad{nullptr};

  void operator()(const char* field, const std::string& s) {
    if (!bad && !valid_text(s)) bad = field;
  }
  void operator()(const char* field, const std::optional<std::string>& s) {
    if (s) (*this)(field, *s);
  }
  void operator()(const char* field, const std::map<std::string, std::string>& fields) {
    for (const auto& [key, value] : fields) {
      (*this)(field, key);
      (*this)(field, value);
    }
  }
  void operator()(const char* field, const std::vector<std::string>& list) {
    for (const auto& s : list) (*this)(field, s);
  }
  void operator()(const char* field, const std::vector<Attachment>& attachments) {
    for (const auto& a : attachments) (*this)(field, a);
  }
  void operator()(const char* field, const Attachment& a) {
    (*this)(field, a.filename);
    (*this)(field, a.reference);
    (*this)(field, a.content_type);
    (*this)(field, a.provider_media_id);
    (*this)(field, a.unavailable_reason);
  }
  void operator()(const std::optional<TemplateUse>& use) {
    if (!use) return;
    (*this)("template name", use->name);
    (*this)("template language", use->language);
    (*this)("template parameters", use->parameters);
    (*this)("template header_attachment", use->header_attachment);
  }
  void operator()(const std::vector<DispositionNode>& nodes) {
    for (const auto& n : nodes) {
      (*this)("disposition label", n.label);
      (*this)(n.children);
    }
  }
  void operator()(const CampaignSettings& s) {
    if (s.bot) {
      (*this)("bot name", s.bot->name);
      (*this)("bot url", s.bot->url);
    }
    (*this)("hold_music", s.hold_music);
    (*this)("time_zone", s.hours.time_zone);
    (*this)(s.dispositions);
    (*this)("form name", s.form.name);
    (*this)("form url", s.form.url);
    for (const auto& f : s.form.fields) {
      (*this)("form field key", f.key);
      (*this)("form field label", f.label);
      (*this)("form field choices", f.choices);
    }
    (*this)("email_signature", s.email_signature);
    (*this)("phone_number", s.phone_number);
  }
};

}  // namespace

MaybeError check_command_text(const CommandBody& body) {
  TextCheck check;
  // One case per command: a command added without one does not compile.
  std::visit(Overloaded{
                 [&](const CreateCampaign& c) {
                   check("name", c.name);
                   check(c.settings);
                 },
                 [&](const UpdateCampaign& c) { check(c.settings); },
                 [&](const ArchiveCampaign&) {},
                 [&](const CreateUser& c) {
                   check("login", c.login);
                   check("display_name", c.display_name);
                   check("password_hash", c.password_hash);
                 },
                 [&](const SetMembership&) {},
                 [&](const DefineStatus& c) { check("name", c.name); },
                 [&](const OpenSession& c) { check("token", c.token_hash); },
                 [&](const AttachSession& c) { check("token", c.token_hash); },
                 [&](const DetachConnection&) {},
                 [&](const EndSession&) {},
                 [&](const SetStatus&) {},
                 [&](const ClearStatus&) {},
                 [&](const OpenInteraction& c) { check("customer", c.customer); },
                 [&](const AwaitBot&) {},
                 [&](const BotAnswered&) {},
                 [&](const Take&) {},
                 [&](const Finish&) {},
                 [&](const SaveDisposition& c) { check("comment", c.comment); },
                 [&](const CloseInteraction&) {},
                 [&](const TransferInteraction& c) { check("to_number", c.to_number); },
                 [&](const AcceptTransfer&) {},
                 [&](const CustomerMessage& c) {
                   check("text", c.text);
                   check("attachments", c.attachments);
                 },
                 [&](const SendMessage& c) {
                   check("text", c.text);
                   check("attachments", c.attachments);
                   check(c.template_use);
                 },
                 [&](const BotMessage& c) { check("text", c.text); },
                 [&](const CustomerLeft&) {},
                 [&](const CustomerAway&) {},
                 [&](const CustomerReturned&) {},
                 [&](const SaveDraft& c) { check("draft fields", c.draft.fields); },
                 [&](const UpdateStatus& c) { check("name", c.name); },
                 [&](const UpdateUser& c) {
                   check("display_name", c.display_name);
                   check("password_hash", c.password_hash);
                   check("sip_secret", c.sip_secret);
                 },
                 [&](const UploadContacts& c) {
                   check("list", c.list);
                   for (const auto& row : c.rows) {
                     check("row name", row.name);
                     check("row address", row.address);
                     check("row fields", row.fields);
                   }
                 },
                 [&](const CancelAttempt&) {},
                 [&](const SaveContact& c) {
                   check("name", c.name);
                   for (const auto& a : c.addresses) check("address", a.value);
                   check("fields", c.fields);
                 },
                 [&](const SaveForm& c) { check("fields", c.fields); },
                 [&](const SaveFormDraft& c) { check("draft fields", c.draft.fields); },
                 [&](const StartInteraction& c) {
                   check("address", c.address);
                   check("text", c.text);
                   check("attachments", c.attachments);
                   check(c.template_use);
                 },
                 [&](const CallEnded&) {},
                 [&](const EndWrapUp&) {},
                 [&](const RegisterPhone& c) {
                   check("contact", c.contact);
                   check("source", c.source);
                 },
                 [&](const UnregisterPhone&) {},
                 [&](const CallAnswered&) {},
                 [&](const CallNotAnswered&) {},
                 [&](const ResetCalls&) {},
                 [&](const HoldCall&) {},
                 [&](const MuteCall&) {},
                 [&](const SendDigits& c) { check("digits", c.digits); },
                 [&](const HangUp&) {},
                 [&](const CompleteTransfer&) {},
                 [&](const CancelTransfer&) {},
                 [&](const SaveProviderAccount& c) {
                   const ProviderAccount& a = c.account;
                   check("name", a.name);
                   check("phone_number_id", a.phone_number_id);
                   check("business_account_id", a.business_account_id);
                   check("app_name", a.app_name);
                   check("source_number", a.source_number);
                   check("base_url", a.base_url);
                   check("secrets", a.secrets);
                 },
                 [&](const SaveTemplate& c) {
                   const Template& t = c.definition;
                   check("template name", t.name);
                   check("template language", t.language);
                   check("template category", t.category);
                   check("template body", t.body);
                   check("template header_media", t.header_media);
                   check("template buttons", t.buttons);
                 },
                 [&](const DeleteTemplate& c) {
                   check("template name", c.name);
                   check("template language", c.language);
                 },
                 [&](const RefreshTemplates&) {},
                 [&](const ReceiveProviderMessage& c) {
                   check("customer", c.customer);
                   check("customer_alt_id", c.customer_alt_id);
                   check("display_name", c.display_name);
                   check("provider_message_id", c.provider_message_id);
                   check("text", c.text);
                   check("attachments", c.attachments);
                   check("reply_to_provider_id", c.reply_to_provider_id);
                 },
                 [&](const ReportMessageStatus& c) {
                   check("provider_message_id", c.provider_message_id);
                   check("error_code", c.error_code);
                   check("error_text", c.error_text);
                 },
                 [&](const ReportAttachment& c) { check("attachment", c.attachment); },
             },
             body);
  if (!check.bad) return std::nullopt;
  return Error{ErrorCode::invalid_argument,
               std::string(check.bad) + " must be valid UTF-8 without NUL characters"};
}

}  // namespace contactd::core
