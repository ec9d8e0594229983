#pragma once
// Builds one visitor for std::visit out of lambdas, one per alternative.

namespace contactd::core {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace contactd::core
