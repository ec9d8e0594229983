#include "wire/provider_mapping.h"

namespace contactd::wire {

std::optional<core::MessageState> message_state_from_proto(v1::MessageState s) {
  const int n = static_cast<int>(s);
  if (n < 1 || n > 7) return std::nullopt;
  return static_cast<core::MessageState>(n - 1);
}

std::optional<core::Provider> provider_from_proto(v1::Provider p) {
  const int n = static_cast<int>(p);
  if (n < 1 || n > 7) return std::nullopt;
  return static_cast<core::Provider>(n - 1);
}

void to_proto(const core::ProviderAccount& in, v1::ProviderAccount* out) {
  out->set_id(in.id);
  out->set_provider(to_proto(in.provider));
  out->set_name(in.name);
  out->set_phone_number_id(in.phone_number_id);
  out->set_business_account_id(in.business_account_id);
  out->set_app_name(in.app_name);
  out->set_source_number(in.source_number);
  out->set_base_url(in.base_url);
  for (const auto& [name, value] : in.secrets) out->add_secret_names(name);  // never the value
}

core::MaybeError from_proto(const v1::ProviderAccount& in, core::ProviderAccount* out) {
  auto provider = provider_from_proto(in.provider());
  if (!provider) return core::Error{core::ErrorCode::invalid_argument, "account.provider is required"};
  core::ProviderAccount a;
  a.id = in.id();
  a.provider = *provider;
  a.name = in.name();
  a.phone_number_id = in.phone_number_id();
  a.business_account_id = in.business_account_id();
  a.app_name = in.app_name();
  a.source_number = in.source_number();
  a.base_url = in.base_url();
  a.secrets = {in.secrets().begin(), in.secrets().end()};
  *out = std::move(a);
  return std::nullopt;
}

void to_proto(const core::Template& in, v1::Template* out) {
  out->set_name(in.name);
  out->set_language(in.language);
  out->set_category(in.category);
  out->set_body(in.body);
  out->set_header_media(in.header_media);
  for (const auto& b : in.buttons) out->add_buttons(b);
  out->set_parameter_count(static_cast<std::uint32_t>(core::parameter_count(in.body)));
  out->set_provider_template_id(in.provider_template_id);
}

core::Template from_proto(const v1::Template& in) {
  return core::Template{in.name(),
                        in.language(),
                        in.category(),
                        in.body(),
                        in.header_media(),
                        {in.buttons().begin(), in.buttons().end()},
                        in.provider_template_id()};
}

void to_proto(const core::TemplateUse& in, v1::TemplateUse* out) {
  out->set_name(in.name);
  out->set_language(in.language);
  for (const auto& p : in.parameters) out->add_parameters(p);
  out->set_header_attachment(in.header_attachment);
}

core::TemplateUse from_proto(const v1::TemplateUse& in) {
  return core::TemplateUse{in.name(), in.language(), {in.parameters().begin(), in.parameters().end()},
                           in.header_attachment()};
}

void to_proto(const core::ReplyLink& in, v1::ReplyLink* out) {
  out->set_message_id(in.message);
  out->set_sender(static_cast<v1::Sender>(static_cast<int>(in.sender) + 1));
  out->set_author_name(in.author_name);
  out->set_text(in.text);
  out->set_filename(in.filename);
  out->set_preview_reference(in.preview_reference);
}

void to_proto(const core::Attachment& in, v1::Attachment* out) {
  out->set_filename(in.filename);
  out->set_size_bytes(in.size_bytes);
  out->set_reference(in.reference);
  out->set_voice(in.voice);
  out->set_content_type(in.content_type);
  out->set_state(static_cast<v1::AttachmentState>(static_cast<int>(in.state) + 1));
  out->set_provider_media_id(in.provider_media_id);
  out->set_unavailable_reason(in.unavailable_reason);
}

core::Attachment client_attachment(const v1::Attachment& in) {
  return core::Attachment{in.filename(), in.size_bytes(), in.reference(), in.voice()};
}

}  // namespace contactd::wire
