#include "api/proto_text.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "core/text.h"

namespace contactd::api {

namespace pb = google::protobuf;

std::optional<std::string> find_invalid_text(const pb::Message& message) {
  const pb::Reflection* reflection = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);  // set fields only
  std::string scratch;
  for (const pb::FieldDescriptor* field : fields) {
    if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i)
          if (!core::valid_text(reflection->GetRepeatedStringReference(message, field, i, &scratch)))
            return field->full_name();
      } else if (!core::valid_text(reflection->GetStringReference(message, field, &scratch))) {
        return field->full_name();
      }
    } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(message, field); ++i)
          if (auto bad = find_invalid_text(reflection->GetRepeatedMessage(message, field, i))) return bad;
      } else if (auto bad = find_invalid_text(reflection->GetMessage(message, field))) {
        return bad;
      }
    }
  }
  return std::nullopt;
}

}  // namespace contactd::api
