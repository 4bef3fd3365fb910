// RAII over the sqlite3 C API: Db (one connection + prepared-statement cache), Stmt, CachedStmt, Tx.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;

namespace berth::core::store {

class Db;

// One prepared statement. Binds are 1-based like SQLite's; columns are 0-based. Every failure throws core::Error:
// Errc::unavailable for SQLITE_BUSY/SQLITE_LOCKED (the busy timeout ran out), Errc::internal otherwise.
class Stmt {
 public:
  // Prepares sql (one statement) on db. Use this directly for one-off SQL built at run time, so the cache in
  // Db::prepare does not grow without bound.
  Stmt(Db& db, std::string_view sql);
  ~Stmt();
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&& other) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Named per type: an overload set would make bind(i, 1) ambiguous between int64 and double.
  Stmt& bind_int64(int index, std::int64_t value);
  Stmt& bind_double(int index, double value);
  Stmt& bind_text(int index, std::string_view value);
  Stmt& bind_blob(int index, std::span<const std::byte> value);
  Stmt& bind_null(int index);

  // Advances one row: true when a row is ready for the column getters, false when the statement is done.
  bool step();
  // Steps to completion, ignoring any rows (INSERT/UPDATE/DELETE).
  void run();
  // Rewinds the statement and clears its bindings, ready for reuse.
  void reset() noexcept;

  int column_count() const;
  bool column_is_null(int column) const;
  // NULL reads as 0 / 0.0 / "" / {} as SQLite converts it.
  std::int64_t column_int64(int column) const;
  double column_double(int column) const;
  std::string column_text(int column) const;
  std::vector<std::byte> column_blob(int column) const;

  std::string_view sql() const;
  sqlite3_stmt* handle() const noexcept { return stmt_; }

 private:
  [[noreturn]] void fail_with(int rc, std::string_view what) const;
  void check_bind(int rc, int index);

  sqlite3_stmt* stmt_ = nullptr;
};

// A statement checked out of Db's cache. It resets the statement when it goes out of scope, so a half-stepped
// SELECT never keeps a read snapshot open (which would block WAL checkpoints).
class CachedStmt {
 public:
  CachedStmt(CachedStmt&& other) noexcept;
  CachedStmt& operator=(CachedStmt&&) = delete;
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;
  ~CachedStmt();

  Stmt& operator*() const noexcept { return *stmt_; }
  Stmt* operator->() const noexcept { return stmt_; }

 private:
  friend class Db;
  struct Entry {
    Stmt stmt;
    bool in_use = false;
  };
  explicit CachedStmt(Entry& entry) noexcept;
  explicit CachedStmt(std::unique_ptr<Stmt> own) noexcept;

  Entry* entry_ = nullptr;     // set when borrowed from the cache
  std::unique_ptr<Stmt> own_;  // set when the cached one was already checked out (same SQL, nested use)
  Stmt* stmt_ = nullptr;
};

// One SQLite connection, opened with SQLITE_OPEN_FULLMUTEX and the pragmas berth relies on: journal_mode=WAL,
// foreign_keys=ON, busy_timeout=5000, synchronous=NORMAL. Not movable: CachedStmt and Tx point at it. The statement
// cache is not thread-safe; Store serializes every use of its Db behind one mutex.
class Db {
 public:
  // Opens (creating if missing) the database file at path.
  explicit Db(std::string path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more ;-separated statements, discarding any rows. For DDL, pragmas and migrations.
  void exec(std::string_view sql);
  // The cached prepared statement for sql (keyed by its exact text), reset and with no bindings.
  CachedStmt prepare(std::string_view sql);

  std::int64_t last_insert_rowid() const;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  std::int64_t changes() const;
  void set_busy_timeout(std::chrono::milliseconds timeout);
  // Whether a transaction is open on this connection.
  bool in_transaction() const;

  const std::string& path() const noexcept { return path_; }
  sqlite3* handle() const noexcept { return db_.get(); }

 private:
  struct Close {
    void operator()(sqlite3* db) const noexcept;
  };

  std::string path_;
  std::unique_ptr<sqlite3, Close> db_;
  // Declared after db_ so the statements are finalized before the connection closes.
  std::map<std::string, std::unique_ptr<CachedStmt::Entry>, std::less<>> cache_;
};

// BEGIN IMMEDIATE: takes the write lock up front, so a conflict surfaces here (as Errc::unavailable after the busy
// timeout) rather than as a deadlock-prone upgrade midway. Rolls back in its destructor unless commit() ran.
// SQLite transactions do not nest: a Tx inside a Tx on the same Db throws Errc::internal.
class Tx {
 public:
  explicit Tx(Db& db);
  ~Tx();
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;

  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

// Throws core::Error for a failed sqlite call: Errc::unavailable for BUSY/LOCKED, else Errc::internal, with
// sqlite's message for db (or the generic text for rc when db is null) as the cause.
[[noreturn]] void fail_sqlite(sqlite3* db, int rc, std::string_view context);

}  // namespace berth::core::store
