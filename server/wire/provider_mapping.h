#pragma once
// Provider accounts, templates and the message fields of issue 12 (states,
// reply links, template uses, attachments) <-> protobuf. Secrets go one way
// only: from the API into the core (from_proto); to_proto never writes them,
// so neither clients nor the journal's payloads ever hold them.
#include "contactd/v1/interaction.pb.h"
#include "contactd/v1/provider.pb.h"
#include "core/message.h"
#include "core/provider_account.h"

namespace contactd::wire {

namespace v1 = ::contactd::v1;

inline v1::MessageState to_proto(core::MessageState s) { return static_cast<v1::MessageState>(static_cast<int>(s) + 1); }
std::optional<core::MessageState> message_state_from_proto(v1::MessageState s);
inline v1::Provider to_proto(core::Provider p) { return static_cast<v1::Provider>(static_cast<int>(p) + 1); }
std::optional<core::Provider> provider_from_proto(v1::Provider p);

// The account's public fields and the names of its secrets (never their values).
void to_proto(const core::ProviderAccount& in, v1::ProviderAccount* out);
// Everything, secrets included (SaveProviderAccount). Fails on an
// unspecified provider.
core::MaybeError from_proto(const v1::ProviderAccount& in, core::ProviderAccount* out);

void to_proto(const core::Template& in, v1::Template* out);
core::Template from_proto(const v1::Template& in);

void to_proto(const core::TemplateUse& in, v1::TemplateUse* out);
core::TemplateUse from_proto(const v1::TemplateUse& in);

void to_proto(const core::ReplyLink& in, v1::ReplyLink* out);

void to_proto(const core::Attachment& in, v1::Attachment* out);
// What a client may say of an attachment: name, size, stored file, voice.
// The rest (content type, state, provider ids) is the server's.
core::Attachment client_attachment(const v1::Attachment& in);

}  // namespace contactd::wire
