// Store: the locked root, its one SQLite connection ($ROOT/berth.db) and the mutex that serializes its use.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <type_traits>

#include "core/store/db.hpp"
#include "core/store/root_lock.hpp"

namespace berth::core::store {

// One connection for reads and writes, behind one mutex: SQLite allows a single writer anyway, the Db statement
// cache is not thread-safe, and hot reads are served by the in-memory index, not SQL. Reads under the same mutex
// also see a consistent DB without a transaction, since no write can interleave (the root lock keeps other
// processes out).
class Store {
 public:
  // Takes the root lock (creating root), opens root/berth.db and migrates it. Throws Errc::conflict when another
  // berthd holds the root and Errc::unavailable when the DB's schema is newer than this binary.
  explicit Store(const std::string& root);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // The normalized absolute root.
  const std::string& root() const noexcept { return lock_.root(); }
  std::string db_path() const;

  // The connection, unguarded: only for code holding write_mutex(), or running before the store is shared
  // between threads (startup, tests). Everything else goes through read() or write().
  Db& db() noexcept { return db_; }
  std::mutex& write_mutex() noexcept { return mutex_; }

  // Runs f(Db&) under the mutex inside one IMMEDIATE transaction; commits when f returns, rolls back when it
  // throws. Not reentrant: f must not call read() or write() (std::mutex would deadlock), and must not start a Tx.
  template <class F>
  std::invoke_result_t<F&, Db&> write(F&& f) {
    using R = std::invoke_result_t<F&, Db&>;
    std::lock_guard lock(mutex_);
    Tx tx(db_);
    if constexpr (std::is_void_v<R>) {
      std::invoke(f, db_);
      tx.commit();
    } else {
      R result = std::invoke(f, db_);
      tx.commit();
      return result;
    }
  }

  // Runs f(Db&) under the mutex, without a transaction. Not reentrant, like write().
  template <class F>
  std::invoke_result_t<F&, Db&> read(F&& f) {
    std::lock_guard lock(mutex_);
    return std::invoke(f, db_);
  }

 private:
  // Order matters: the lock is taken before the DB opens and released only after it closes.
  RootLock lock_;
  Db db_;
  std::mutex mutex_;
};

}  // namespace berth::core::store
