// Versioned schema migrations: PRAGMA user_version counts the applied scripts.
#pragma once

#include <span>
#include <string_view>

#include "core/store/db.hpp"

namespace berth::core::store {

// The ordered migration scripts; script i (0-based) brings the schema from version i to i + 1. Append only: a
// released script never changes, later changes come as new scripts.
std::span<const std::string_view> migrations();

// The schema version this binary knows: migrations().size().
int known_schema_version();

// The version recorded in the database (PRAGMA user_version; 0 for a new file).
int schema_version(Db& db);

// Applies every missing migration in one IMMEDIATE transaction, then records the version in user_version and the
// meta table (created_at and created_by on a new DB, migrated_by whenever something was applied). Throws
// Errc::unavailable when the DB is newer than this binary, so an old berthd never writes a schema it cannot read.
void migrate(Db& db);

}  // namespace berth::core::store
