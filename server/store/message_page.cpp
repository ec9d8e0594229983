#include "store/message_page.h"

#include <google/protobuf/util/json_util.h>

#include <charconv>

#include "core/message.h"

namespace contactd::store {
namespace {

namespace v1 = ::contactd::v1;

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

v1::Sender sender_of(const std::string& s) {
  return s == "agent" ? v1::SENDER_AGENT : s == "bot" ? v1::SENDER_BOT : v1::SENDER_CUSTOMER;
}

}  // namespace

std::string message_cursor(core::InteractionId interaction, core::MessageId last) {
  return "m1." + std::to_string(interaction) + "." + std::to_string(last);
}

std::optional<core::MessageId> parse_message_cursor(core::InteractionId interaction, const std::string& cursor) {
  if (cursor.empty()) return core::MessageId{0};
  const std::string_view c(cursor);
  if (c.substr(0, 3) != "m1.") return std::nullopt;
  const auto dot = c.find('.', 3);
  if (dot == std::string_view::npos) return std::nullopt;
  auto of = number(c.substr(3, dot - 3));
  auto after = number(c.substr(dot + 1));
  if (!of || !after || *of != interaction) return std::nullopt;
  return *after;
}

const char* const kMessageColumns =
    "m.id, m.interaction_id, m.sender, COALESCE(m.author_id, 0), m.author_name, m.body,"
    " round(extract(epoch from m.created_at) * 1000)::bigint, m.attachments::text, m.state,"
    " COALESCE(m.provider_message_id, ''), COALESCE(m.error_code, ''), COALESCE(m.error_text, ''),"
    " COALESCE(m.reply::text, ''), COALESCE(m.template::text, '')";

void to_proto(const pqxx::row& r, v1::Message* out) {
  out->set_id(r[0].as<std::uint64_t>());
  out->set_interaction_id(r[1].as<std::uint64_t>());
  out->set_sender(sender_of(r[2].as<std::string>()));
  out->set_author_id(r[3].as<std::uint64_t>());
  out->set_author_name(r[4].as<std::string>());
  out->set_text(r[5].as<std::string>());
  out->set_created_at_ms(r[6].as<std::int64_t>());
  // The attachments column holds Attachment messages as JSON (projection.cpp);
  // fields the proto does not know yet are skipped.
  v1::Message attachments;
  google::protobuf::util::JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage("{\"attachments\":" + r[7].as<std::string>() + "}", &attachments,
                                                   lenient)
           .ok())
    throw std::runtime_error("message " + std::to_string(out->id()) + " has unreadable attachments");
  *out->mutable_attachments() = std::move(*attachments.mutable_attachments());
  auto state = core::message_state_from_string(r[8].as<std::string>());
  out->set_state(state ? static_cast<v1::MessageState>(static_cast<int>(*state) + 1) : v1::MESSAGE_STATE_UNSPECIFIED);
  out->set_provider_message_id(r[9].as<std::string>());
  out->set_error_code(r[10].as<std::string>());
  out->set_error_text(r[11].as<std::string>());
  // reply and template hold ReplyLink and TemplateUse as JSON (projection.cpp:
  // snake_case names, the sender as a word).
  if (const auto reply = r[12].as<std::string>(); !reply.empty()) {
    v1::ReplyLink link;
    std::string json = reply;
    for (const char* word : {"customer", "agent", "bot"}) {
      const std::string from = std::string("\"sender\":\"") + word + "\"";
      const std::string to = std::string("\"sender\":\"SENDER_") + (word[0] == 'c' ? "CUSTOMER" : word[0] == 'a' ? "AGENT" : "BOT") + "\"";
      if (auto at = json.find(from); at != std::string::npos) json.replace(at, from.size(), to);
    }
    if (google::protobuf::util::JsonStringToMessage(json, &link, lenient).ok()) *out->mutable_reply() = std::move(link);
  }
  if (const auto use = r[13].as<std::string>(); !use.empty()) {
    v1::TemplateUse t;
    if (google::protobuf::util::JsonStringToMessage(use, &t, lenient).ok()) *out->mutable_template_() = std::move(t);
  }
}

v1::MessagePage read_message_page(pqxx::transaction_base& t, core::InteractionId interaction, core::MessageId after,
                                  std::uint32_t limit) {
  v1::MessagePage page;
  auto rows = t.exec_params(std::string("SELECT ") + kMessageColumns +
                                " FROM messages m WHERE m.interaction_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3",
                            static_cast<long long>(interaction), static_cast<long long>(after),
                            static_cast<long long>(limit) + 1);
  for (std::size_t k = 0; k < rows.size() && k < limit; ++k) to_proto(rows[k], page.add_messages());
  if (rows.size() > limit) page.set_next_cursor(message_cursor(interaction, page.messages(page.messages_size() - 1).id()));
  return page;
}

core::MaybeError check_closed_access(pqxx::transaction_base& t, core::InteractionId interaction,
                                     const core::InteractionScope& scope) {
  auto rows = t.exec_params("SELECT campaign_id, COALESCE(owner_id, 0) FROM interactions WHERE id = $1",
                            static_cast<long long>(interaction));
  if (rows.empty()) return core::Error{core::ErrorCode::not_found, "no such interaction"};
  const core::ContactTouch where{rows[0][0].as<core::CampaignId>(), rows[0][1].as<core::UserId>()};
  if (!scope.covers(where))
    return core::Error{core::ErrorCode::permission_denied,
                       "a closed conversation is read by whoever may open its history: its agent, the campaign's "
                       "supervisors, administrators"};
  return std::nullopt;
}

}  // namespace contactd::store
