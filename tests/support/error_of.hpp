// error_of / code_of: the core::Error a call throws, failing the test when it throws none.
#pragma once

#include <catch2/catch.hpp>
#include <stdexcept>
#include <utility>

#include "core/error.hpp"

namespace berth::test {

template <class F>
core::Error error_of(F&& fn) {
  try {
    std::forward<F>(fn)();
  } catch (const core::Error& e) {
    return e;
  }
  FAIL("expected a core::Error, none was thrown");
  throw std::logic_error("unreachable");
}

template <class F>
core::Errc code_of(F&& fn) {
  return error_of(std::forward<F>(fn)).code();
}

}  // namespace berth::test
