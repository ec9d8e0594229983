#pragma once
// Records keyed by dense ids (1, 2, 3, ... assigned by the engine, never
// reused), stored contiguously: a lookup is one index, not a tree walk, so
// its cost does not grow with the number of records.
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <vector>

namespace contactd::core {

template <class Id, class T>
class IdMap {
 public:
  T* find(Id id) {
    return id >= 1 && id <= slots_.size() && slots_[id - 1] ? &*slots_[id - 1] : nullptr;
  }
  const T* find(Id id) const {
    return id >= 1 && id <= slots_.size() && slots_[id - 1] ? &*slots_[id - 1] : nullptr;
  }
  // REQUIRES: `id` is present (throws std::out_of_range otherwise).
  T& at(Id id) {
    if (T* p = find(id)) return *p;
    throw std::out_of_range("IdMap: no such id");
  }
  const T& at(Id id) const {
    if (const T* p = find(id)) return *p;
    throw std::out_of_range("IdMap: no such id");
  }
  // REQUIRES: id >= 1 and not present.
  T& emplace(Id id, T value) {
    if (id > slots_.size()) slots_.resize(id);
    slots_[id - 1].emplace(std::move(value));
    ++size_;
    return *slots_[id - 1];
  }
  std::size_t size() const { return size_; }

  // Iterates present records in id order.
  template <class Slot, class Value>
  class Iter {
   public:
    Iter(Slot* p, Slot* end) : p_(p), end_(end) { skip(); }
    Value& operator*() const { return **p_; }
    Iter& operator++() {
      ++p_;
      skip();
      return *this;
    }
    bool operator!=(const Iter& o) const { return p_ != o.p_; }

   private:
    void skip() {
      while (p_ != end_ && !*p_) ++p_;
    }
    Slot* p_;
    Slot* end_;
  };
  using iterator = Iter<std::optional<T>, T>;
  using const_iterator = Iter<const std::optional<T>, const T>;
  iterator begin() { return {slots_.data(), slots_.data() + slots_.size()}; }
  iterator end() { return {slots_.data() + slots_.size(), slots_.data() + slots_.size()}; }
  const_iterator begin() const { return {slots_.data(), slots_.data() + slots_.size()}; }
  const_iterator end() const { return {slots_.data() + slots_.size(), slots_.data() + slots_.size()}; }

 private:
  std::vector<std::optional<T>> slots_;
  std::size_t size_{0};
};

}  // namespace contactd::core
