// Store construction: lock, open, migrate.
#include "core/store/store.hpp"

#include "core/store/schema.hpp"

namespace berth::core::store {

Store::Store(const std::string& root) : lock_(root), db_(lock_.root() + "/berth.db") { migrate(db_); }

std::string Store::db_path() const { return db_.path(); }

}  // namespace berth::core::store
