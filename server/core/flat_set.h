#pragma once
// A small sorted set in one contiguous block: for the handful of campaigns a
// user belongs to, a scan of adjacent ids beats walking tree nodes.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace contactd::core {

template <class T>
class FlatSet {
 public:
  FlatSet() = default;
  FlatSet(std::initializer_list<T> values) {
    for (const T& v : values) insert(v);
  }
  bool insert(const T& v) {
    auto it = std::lower_bound(items_.begin(), items_.end(), v);
    if (it != items_.end() && *it == v) return false;
    items_.insert(it, v);
    return true;
  }
  std::size_t erase(const T& v) {
    auto it = std::lower_bound(items_.begin(), items_.end(), v);
    if (it == items_.end() || *it != v) return 0;
    items_.erase(it);
    return 1;
  }
  std::size_t count(const T& v) const { return std::binary_search(items_.begin(), items_.end(), v) ? 1 : 0; }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  auto begin() const { return items_.begin(); }
  auto end() const { return items_.end(); }
  friend bool operator==(const FlatSet&, const FlatSet&) = default;

 private:
  std::vector<T> items_;
};

}  // namespace contactd::core
