// The events journal: the `events` table, a bounded record of what happened, read back by subscribers that ask
// for past events (since/until). Plain functions on a Db: the caller owns the transaction and the store mutex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/events/filter.hpp"
#include "core/model/event.hpp"
#include "core/store/db.hpp"

namespace berth::core::events::journal {

// Appends e (its time_ns already set) and returns its seq, the cursor that orders the journal.
std::int64_t append(store::Db& db, const Event& e);

// Deletes all but the newest `keep` rows. AUTOINCREMENT keeps seq monotonic, so "newest" is "highest seq".
void trim(store::Db& db, std::size_t keep);

std::size_t count(store::Db& db);

struct Replay {
  std::vector<Event> events;  // in seq order
  std::int64_t last_seq = 0;  // the newest seq in the journal when it was read (0: empty)
};

// The events with since_ns ≤ time ≤ until_ns that pass `keep`, and the newest seq, read under one lock so
// live delivery can resume exactly after it. With rows == false only last_seq is read.
Replay read(store::Db& db, std::int64_t since_ns, std::int64_t until_ns, const EventPredicate& keep, bool rows);

}  // namespace berth::core::events::journal
