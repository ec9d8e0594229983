#include "wire/json_writer.h"

#include <cstdio>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace contactd::wire {
namespace {

namespace pb = google::protobuf;

void append_string(const std::string& s, std::string& out) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

// One value of `field` (the i-th for repeated fields, i < 0 for singular).
void append_value(const pb::Message& m, const pb::FieldDescriptor* f, int i, std::string& out) {
  const pb::Reflection* r = m.GetReflection();
  const bool rep = i >= 0;
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_INT32:
      out += std::to_string(rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT32:
      out += std::to_string(rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f));
      break;
    case pb::FieldDescriptor::CPPTYPE_INT64:
      out += '"' + std::to_string(rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f)) + '"';
      break;
    case pb::FieldDescriptor::CPPTYPE_UINT64:
      out += '"' + std::to_string(rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f)) + '"';
      break;
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      out += (rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f)) ? "true" : "false";
      break;
    case pb::FieldDescriptor::CPPTYPE_STRING:
      append_string(rep ? r->GetRepeatedString(m, f, i) : r->GetString(m, f), out);
      break;
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const int number = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
      const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByNumber(number);
      if (v) append_string(v->name(), out);
      else out += std::to_string(number);
      break;
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      append_json(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f), out);
      break;
    case pb::FieldDescriptor::CPPTYPE_FLOAT:
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
      out += "null";  // not used by the schema (see the header)
      break;
  }
}

// A map field: entries are messages with key (1) and value (2).
void append_map(const pb::Message& m, const pb::FieldDescriptor* f, std::string& out) {
  const pb::Reflection* r = m.GetReflection();
  out += '{';
  const int n = r->FieldSize(m, f);
  for (int i = 0; i < n; ++i) {
    const pb::Message& entry = r->GetRepeatedMessage(m, f, i);
    const pb::Descriptor* d = entry.GetDescriptor();
    if (i) out += ',';
    std::string key;
    append_value(entry, d->field(0), -1, key);
    if (key.empty() || key.front() != '"') key = '"' + key + '"';
    out += key;
    out += ':';
    append_value(entry, d->field(1), -1, out);
  }
  out += '}';
}

}  // namespace

void append_json(const pb::Message& m, std::string& out) {
  const pb::Descriptor* d = m.GetDescriptor();
  const pb::Reflection* r = m.GetReflection();
  out += '{';
  bool first = true;
  for (int k = 0; k < d->field_count(); ++k) {
    const pb::FieldDescriptor* f = d->field(k);
    // Printed: repeated and map fields always; singular fields with presence
    // (messages, oneof members, proto3 optional) only when set; other
    // primitives always.
    if (!f->is_repeated() && f->has_presence() && !r->HasField(m, f)) continue;
    if (!first) out += ',';
    first = false;
    append_string(f->name(), out);
    out += ':';
    if (f->is_map()) {
      append_map(m, f, out);
    } else if (f->is_repeated()) {
      out += '[';
      const int n = r->FieldSize(m, f);
      for (int i = 0; i < n; ++i) {
        if (i) out += ',';
        append_value(m, f, i, out);
      }
      out += ']';
    } else {
      append_value(m, f, -1, out);
    }
  }
  out += '}';
}

}  // namespace contactd::wire
