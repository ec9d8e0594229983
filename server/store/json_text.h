#pragma once
// JSON text for the SQL that takes rows as jsonb_to_recordset($1): string
// literals with quotes, backslashes and control characters escaped.
#include <string>
#include <string_view>

namespace contactd::store {

void append_json_string(std::string& out, std::string_view s);

inline std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace contactd::store
