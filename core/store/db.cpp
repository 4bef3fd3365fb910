// Db, Stmt, CachedStmt and Tx over sqlite3.
#include "core/store/db.hpp"

#include <sqlite3.h>

#include <utility>

#include "core/error.hpp"

namespace berth::core::store {

namespace {

constexpr std::chrono::milliseconds kBusyTimeout{5000};

// Enough of a statement to recognise it in an error message.
std::string sql_excerpt(std::string_view sql) {
  constexpr std::size_t kMax = 80;
  std::string out(sql.substr(0, kMax));
  for (char& c : out) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  if (sql.size() > kMax) out += "...";
  return out;
}

}  // namespace

void fail_sqlite(sqlite3* db, int rc, std::string_view context) {
  int primary = rc & 0xff;
  Errc code = (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) ? Errc::unavailable : Errc::internal;
  std::string cause = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  fail(code, cause, context);
}

// ---- Stmt ----

Stmt::Stmt(Db& db, std::string_view sql) {
  int rc = sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    fail_sqlite(db.handle(), rc, "sqlite prepare \"" + sql_excerpt(sql) + "\"");
  }
  if (stmt_ == nullptr) fail(Errc::internal, "empty SQL statement", "sqlite prepare");
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt::Stmt(Stmt&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

void Stmt::fail_with(int rc, std::string_view what) const {
  fail_sqlite(sqlite3_db_handle(stmt_), rc, "sqlite " + std::string(what) + " \"" + sql_excerpt(sql()) + "\"");
}

void Stmt::check_bind(int rc, int index) {
  if (rc != SQLITE_OK) fail_with(rc, "bind ?" + std::to_string(index) + " of");
}

Stmt& Stmt::bind_int64(int index, std::int64_t value) {
  check_bind(sqlite3_bind_int64(stmt_, index, value), index);
  return *this;
}

Stmt& Stmt::bind_double(int index, double value) {
  check_bind(sqlite3_bind_double(stmt_, index, value), index);
  return *this;
}

Stmt& Stmt::bind_text(int index, std::string_view value) {
  // SQLITE_TRANSIENT: sqlite copies, so the caller's buffer may die before step().
  check_bind(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), index);
  return *this;
}

Stmt& Stmt::bind_blob(int index, std::span<const std::byte> value) {
  // A null data pointer would bind NULL, not an empty blob.
  static constexpr std::byte kEmpty{};
  const void* data = value.empty() ? &kEmpty : value.data();
  check_bind(sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT), index);
  return *this;
}

Stmt& Stmt::bind_null(int index) {
  check_bind(sqlite3_bind_null(stmt_, index), index);
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail_with(rc, "step");
}

void Stmt::run() {
  while (step()) {
  }
}

void Stmt::reset() noexcept {
  // reset() repeats the last step's error, which step() already threw.
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Stmt::column_count() const { return sqlite3_column_count(stmt_); }

bool Stmt::column_is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

std::int64_t Stmt::column_int64(int column) const { return sqlite3_column_int64(stmt_, column); }

double Stmt::column_double(int column) const { return sqlite3_column_double(stmt_, column); }

std::string Stmt::column_text(int column) const {
  // text() before bytes(): bytes() of a converted value is only right after the conversion.
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (text == nullptr) return {};
  return std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::vector<std::byte> Stmt::column_blob(int column) const {
  const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(stmt_, column));
  if (data == nullptr) return {};
  return std::vector<std::byte>(data, data + sqlite3_column_bytes(stmt_, column));
}

std::string_view Stmt::sql() const {
  const char* text = sqlite3_sql(stmt_);
  return text != nullptr ? std::string_view(text) : std::string_view();
}

// ---- CachedStmt ----

CachedStmt::CachedStmt(Entry& entry) noexcept : entry_(&entry), stmt_(&entry.stmt) { entry_->in_use = true; }

CachedStmt::CachedStmt(std::unique_ptr<Stmt> own) noexcept : own_(std::move(own)), stmt_(own_.get()) {}

CachedStmt::CachedStmt(CachedStmt&& other) noexcept
    : entry_(std::exchange(other.entry_, nullptr)),
      own_(std::move(other.own_)),
      stmt_(std::exchange(other.stmt_, nullptr)) {}

CachedStmt::~CachedStmt() {
  if (stmt_ != nullptr) stmt_->reset();
  if (entry_ != nullptr) entry_->in_use = false;
}

// ---- Db ----

void Db::Close::operator()(sqlite3* db) const noexcept {
  // close_v2 defers the close until any leaked statement is finalized instead of failing with SQLITE_BUSY.
  sqlite3_close_v2(db);
}

Db::Db(std::string path) : path_(std::move(path)) {
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  int rc = sqlite3_open_v2(path_.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // open_v2 hands back a handle even on failure, and it must be closed
  if (rc != SQLITE_OK) fail_sqlite(raw, rc, "open database " + path_);
  set_busy_timeout(kBusyTimeout);
  // WAL: readers never block the writer. NORMAL: survives a crash of berthd; only power loss may drop the last
  // commits, which reconcile repairs. foreign_keys is per connection and off by default.
  exec(
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "PRAGMA foreign_keys=ON;");
}

Db::~Db() = default;

void Db::exec(std::string_view sql) {
  std::string text(sql);  // sqlite3_exec wants a NUL-terminated string
  int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(db_.get(), rc, "sqlite exec \"" + sql_excerpt(sql) + "\" on " + path_);
}

CachedStmt Db::prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    auto entry = std::make_unique<CachedStmt::Entry>(CachedStmt::Entry{Stmt(*this, sql)});
    it = cache_.emplace(std::string(sql), std::move(entry)).first;
  }
  if (it->second->in_use) {
    // The same SQL is still being stepped further up the stack: give this caller its own statement.
    return CachedStmt(std::make_unique<Stmt>(*this, sql));
  }
  return CachedStmt(*it->second);
}

std::int64_t Db::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_.get()); }

std::int64_t Db::changes() const { return sqlite3_changes64(db_.get()); }

void Db::set_busy_timeout(std::chrono::milliseconds timeout) {
  int rc = sqlite3_busy_timeout(db_.get(), static_cast<int>(timeout.count()));
  if (rc != SQLITE_OK) fail_sqlite(db_.get(), rc, "sqlite busy_timeout on " + path_);
}

bool Db::in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

// ---- Tx ----

Tx::Tx(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Tx::~Tx() {
  // An error such as SQLITE_FULL may already have rolled the transaction back; ROLLBACK would then fail.
  if (done_ || !db_.in_transaction()) return;
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void Tx::commit() {
  // On failure done_ stays false, so the destructor rolls back what COMMIT left open.
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace berth::core::store
