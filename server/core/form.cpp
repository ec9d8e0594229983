#include "core/form.h"

#include <algorithm>
#include <cctype>

namespace contactd::core {
namespace {

Error invalid(std::string m) { return Error{ErrorCode::invalid_argument, std::move(m)}; }

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

bool decimal(const std::string& s) {
  std::size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  std::size_t digits = 0;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) ++digits;
    else if (s[i] == '.' && !dot) dot = true;
    else return false;
  }
  return digits > 0 && digits <= 30;
}

bool iso_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace

MaybeError check_form_limits(const FormFields& fields) {
  if (fields.size() > 100) return invalid("a form holds at most 100 fields");
  std::size_t bytes = 0;
  for (const auto& [key, value] : fields) {
    if (key.empty() || key.size() > 64) return invalid("form field keys are 1 to 64 bytes");
    bytes += key.size() + value.size();
  }
  if (bytes > 64 * 1024) return invalid("form data is at most 64 KiB");
  return std::nullopt;
}

MaybeError check_form_data(const FormSettings& form, const FormFields& fields) {
  if (auto e = check_form_limits(fields)) return e;
  if (form.kind != FormKind::internal) return std::nullopt;
  for (const auto& [key, value] : fields)
    if (std::none_of(form.fields.begin(), form.fields.end(), [&](const FormField& f) { return f.key == key; }))
      return invalid("the form has no field '" + key + "'");
  for (const FormField& f : form.fields) {
    auto it = fields.find(f.key);
    if (it == fields.end() || blank(it->second)) {
      if (f.required) return invalid("'" + f.label + "' is required");
      continue;
    }
    const std::string& v = it->second;
    switch (f.type) {
      case FieldType::text:
        if (v.size() > 4000) return invalid("'" + f.label + "' is longer than 4000 bytes");
        break;
      case FieldType::number:
        if (!decimal(v)) return invalid("'" + f.label + "' must be a number");
        break;
      case FieldType::date:
        if (!iso_date(v)) return invalid("'" + f.label + "' must be a date as YYYY-MM-DD");
        break;
      case FieldType::choice:
        if (std::find(f.choices.begin(), f.choices.end(), v) == f.choices.end())
          return invalid("'" + f.label + "' must be one of its choices");
        break;
      case FieldType::checkbox:
        if (v != "true" && v != "false") return invalid("'" + f.label + "' must be true or false");
        break;
    }
  }
  return std::nullopt;
}

std::string manual_form_label(const FormSettings& form, const std::string& campaign_name) {
  return (form.kind == FormKind::external ? form.url : form.name) + " \u2013 " + campaign_name;
}

}  // namespace contactd::core
