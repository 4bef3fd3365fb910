// STUB (helper replaces).
#include "core/store/store.hpp"
namespace berth::core::store {
Store::Store(const std::string&) {}
}  // namespace berth::core::store
