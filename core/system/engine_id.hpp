// The engine's docker "ID": a random UUID made once per root and kept in the store's meta table, so it survives
// restarts (docker keeps its engine-id in a file under its root the same way).
#pragma once

#include <string>

#include "core/store/store.hpp"

namespace berth::core::system {

// Reads meta.engine_id, creating it on first use.
std::string load_engine_id(store::Store& store);

// A random RFC 9562 version 4 UUID.
std::string random_uuid();

}  // namespace berth::core::system
