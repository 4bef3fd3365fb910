// STUB (helper replaces): the SQLite store under the root.
#pragma once
#include <string>
namespace berth::core::store {
class Store {
 public:
  explicit Store(const std::string& root);
};
}  // namespace berth::core::store
