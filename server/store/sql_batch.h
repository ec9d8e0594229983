#pragma once
// SQL statements collected into one text, to be sent as one simple-query
// message: one round trip for a whole group commit. PostgreSQL runs the
// statements of one such message as a single transaction (all or none).
// Each $n in a statement becomes the n-th argument as a SQL literal:
// integers and booleans as they are, strings quoted by the connection.
#include <pqxx/pqxx>

#include <array>
#include <string>
#include <string_view>
#include <type_traits>

namespace contactd::store {

class SqlBatch {
 public:
  explicit SqlBatch(pqxx::connection_base& conn) : conn_(conn) {}

  template <typename... Args>
  void add(std::string_view sql, const Args&... args) {
    const std::array<std::string, sizeof...(Args)> literals{literal(args)...};
    append(sql, literals.data(), literals.size());
  }

  bool empty() const { return text_.empty(); }
  const std::string& text() const { return text_; }

 private:
  template <typename T>
  std::string literal(const T& value) {
    if constexpr (std::is_same_v<T, bool>) return value ? "true" : "false";
    else if constexpr (std::is_integral_v<T>) return std::to_string(value);
    else return conn_.quote(std::string(value));
  }
  // REQUIRES: every $n in `sql` has 1 <= n <= count.
  void append(std::string_view sql, const std::string* literals, std::size_t count);

  pqxx::connection_base& conn_;
  std::string text_;
};

}  // namespace contactd::store
