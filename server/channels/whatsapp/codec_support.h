#pragma once
// Small pieces both codecs use: reading untrusted JSON without throwing,
// location and contact cards as text,
// constant-time secret comparison, HMAC-SHA256, form and JSON-string
// encoding, Retry-After. Internal to server/channels/whatsapp.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace contactd::channels::whatsapp::detail {

// The member `key` of `o` as a string, or "" when absent or not a string.
std::string_view str(const boost::json::object& o, std::string_view key);
// The member as text whether the provider wrote a string or a number
// (Meta timestamps and file sizes are strings, Gupshup's are numbers).
std::string text_of(const boost::json::object& o, std::string_view key);
// Like text_of, and a JSON double in plain decimal ("52.52", not "5.252E1").
std::string number_text(const boost::json::object& o, std::string_view key);
// Integer from a string of digits or a JSON integer; nullopt otherwise.
std::optional<std::int64_t> integer(const boost::json::object& o, std::string_view key);
const boost::json::object* object(const boost::json::object& o, std::string_view key);
const boost::json::array* array(const boost::json::object& o, std::string_view key);

// A shared location as text: "Location: <lat>,<long>[ <name>][, <address>]"
// (both providers send latitude, longitude, name, address).
std::string location_text(const boost::json::object& location);
// Shared contact cards as text: "Contact: <formatted name> <phone>…; …"
// (contacts[].name.formatted_name and contacts[].phones[].phone, as both
// providers send them); items that are not objects are skipped.
std::string contacts_text(const boost::json::array& contacts);

// Equal contents, in time independent of where they differ and of their
// lengths (both sides are hashed with SHA-256 first, then CRYPTO_memcmp).
// An empty `expected` never matches: an unset secret refuses everything.
bool secrets_equal(std::string_view expected, std::string_view presented);

// Byte strings of equal length compared with CRYPTO_memcmp; false when the
// lengths differ (the length is not secret where this is used: digests).
bool digests_equal(std::string_view a, std::string_view b);

// HMAC-SHA256(key, data) as 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view data);

// application/x-www-form-urlencoded: unreserved bytes as is, the rest %XX.
void append_form_field(std::string& body, std::string_view name, std::string_view value);

// Retry-After as delta-seconds ("120"), capped at a day; 0 when absent or an
// HTTP-date (the sender's own backoff then applies).
std::chrono::seconds retry_after_seconds(std::string_view header_value);

// "entry[0].changes[1]" style paths for SkippedItem::where.
std::string at(std::string_view base, std::string_view member, std::size_t index);

}  // namespace contactd::channels::whatsapp::detail
