#include "core/address.h"

#include <cctype>

namespace contactd::core {
namespace {

Error invalid(std::string message) { return Error{ErrorCode::invalid_argument, std::move(message)}; }

std::variant<std::string, Error> digits_only(std::string_view raw, std::string_view what) {
  std::string out;
  for (char c : raw) {
    if (std::isdigit(static_cast<unsigned char>(c))) out += c;
    else if (c != '+' && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.')
      return invalid(std::string(what) + " numbers hold digits only");
  }
  if (out.size() < 5 || out.size() > 15) return invalid(std::string(what) + " numbers have 5 to 15 digits");
  return out;
}

}  // namespace

bool can_start(Channel c) {
  return c == Channel::phone || c == Channel::whatsapp || c == Channel::sms || c == Channel::email;
}

std::variant<std::string, Error> normalize_address(Channel c, std::string_view raw) {
  switch (c) {
    case Channel::phone: {
      std::string out;
      std::size_t digits = 0;
      for (char ch : raw) {
        if (std::isdigit(static_cast<unsigned char>(ch))) ++digits;
        if (std::isdigit(static_cast<unsigned char>(ch)) || ch == '#' || ch == '*') out += ch;
      }
      if (digits < 5) return invalid("a phone number needs at least 5 digits");
      if (out.size() > 32) return invalid("a phone number has at most 32 digits, # and *");
      return out;
    }
    case Channel::whatsapp: return digits_only(raw, "WhatsApp");
    case Channel::sms: return digits_only(raw, "SMS");
    case Channel::email: {
      if (raw.empty() || raw.size() > 320) return invalid("an email address is 1 to 320 bytes");
      const auto at = raw.rfind('@');
      if (at == std::string_view::npos || at == 0 || at + 1 == raw.size())
        return invalid("an email address looks like name@domain");
      for (char ch : raw)
        if (static_cast<unsigned char>(ch) <= ' ' || ch == 0x7f || ch == ',' || ch == ';' || ch == '<' || ch == '>')
          return invalid("an email address has no spaces, commas or angle brackets");
      const std::string_view domain = raw.substr(at + 1);
      if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.')
        return invalid("an email domain needs a dot, as in example.com");
      std::string out(raw.substr(0, at + 1));
      for (char ch : domain) out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return out;
    }
    case Channel::webchat:
    case Channel::instagram:
    case Channel::messenger: break;
  }
  return invalid("conversations in " + std::string(to_string(c)) + " start with the customer");
}

}  // namespace contactd::core
