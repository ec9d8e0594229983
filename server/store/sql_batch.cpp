#include "store/sql_batch.h"

#include <stdexcept>

namespace contactd::store {

void SqlBatch::append(std::string_view sql, const std::string* literals, std::size_t count) {
  text_.reserve(text_.size() + sql.size() + 2);
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$' || i + 1 >= sql.size() || sql[i + 1] < '0' || sql[i + 1] > '9') {
      text_ += sql[i];
      continue;
    }
    std::size_t n = 0;
    while (i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') n = n * 10 + static_cast<std::size_t>(sql[++i] - '0');
    if (n == 0 || n > count) throw std::logic_error("SqlBatch: $" + std::to_string(n) + " without an argument");
    text_ += literals[n - 1];
  }
  text_ += ";\n";
}

}  // namespace contactd::store
