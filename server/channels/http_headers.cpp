// Reading response headers (declared in http_client.h): find_header, and
// Retry-After as delay-seconds or as an HTTP-date in any of the three formats
// RFC 9110 5.6.7 makes recipients accept.
#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

#include "channels/http_client.h"

namespace contactd::channels {
namespace {

using namespace std::chrono;

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != separator) continue;
    if (i > start) parts.push_back(text.substr(start, i - start));  // runs of separators count once
    start = i + 1;
  }
  return parts;
}

// A whole number of 1..max_digits digits.
std::optional<int> number(std::string_view text, std::size_t max_digits) {
  if (text.empty() || text.size() > max_digits) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<unsigned> month_number(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned i = 0; i < kMonths.size(); ++i)
    if (kMonths[i] == name) return i + 1;
  return std::nullopt;
}

// "08:49:37"
std::optional<seconds> time_of_day(std::string_view text) {
  auto parts = split(text, ':');
  if (parts.size() != 3 || parts[0].size() != 2 || parts[1].size() != 2 || parts[2].size() != 2) return std::nullopt;
  auto h = number(parts[0], 2), m = number(parts[1], 2), s = number(parts[2], 2);
  if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
  return hours(*h) + minutes(*m) + seconds(*s);
}

std::optional<sys_seconds> instant(std::optional<int> year, std::optional<unsigned> month, std::optional<int> day,
                                   std::optional<seconds> time) {
  if (!year || !month || !day || !time) return std::nullopt;
  const year_month_day date{std::chrono::year(*year), std::chrono::month(*month),
                            std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  return sys_days(date) + *time;
}

std::optional<sys_seconds> http_date(std::string_view text) {
  auto words = split(text, ' ');
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  if (words.size() == 6 && words[0].size() == 4 && words[0].back() == ',' && words[5] == "GMT" && words[1].size() == 2)
    return instant(number(words[3], 4), month_number(words[2]), number(words[1], 2), time_of_day(words[4]));
  // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" (two-digit years: 1970..2069)
  if (words.size() == 4 && words[0].back() == ',' && words[3] == "GMT") {
    auto date = split(words[1], '-');
    if (date.size() != 3 || date[0].size() != 2 || date[2].size() != 2) return std::nullopt;
    auto year = number(date[2], 2);
    if (year) *year += *year < 70 ? 2000 : 1900;
    return instant(year, month_number(date[1]), number(date[0], 2), time_of_day(words[2]));
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (words.size() == 5 && words[0].size() == 3)
    return instant(number(words[4], 4), month_number(words[1]), number(words[2], 2), time_of_day(words[3]));
  return std::nullopt;
}

}  // namespace

std::optional<std::string_view> find_header(const HttpHeaders& headers, std::string_view name) {
  auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  for (const auto& [key, value] : headers)
    if (key.size() == name.size() && std::equal(key.begin(), key.end(), name.begin(),
                                                [&](char a, char b) { return lower(a) == lower(b); }))
      return std::string_view(value);
  return std::nullopt;
}

std::optional<seconds> parse_retry_after(std::string_view value, system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    long long total = 0;
    for (char c : value) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
      total = std::min(total * 10 + (c - '0'), 1LL << 40);  // absurd values stay absurd, without overflow
    }
    return seconds(total);
  }
  auto when = http_date(value);
  if (!when) return std::nullopt;
  return std::max(seconds(0), ceil<seconds>(*when - now));
}

}  // namespace contactd::channels
