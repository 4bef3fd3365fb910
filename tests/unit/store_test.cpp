// The SQLite store: Db/Stmt/Tx, migrations, the root lock and Store, on real files in a temp dir.
#include "core/store/store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/error.hpp"
#include "core/store/db.hpp"
#include "core/store/root_lock.hpp"
#include "core/store/schema.hpp"
#include "tests/support/error_of.hpp"
#include "tests/support/temp_dir.hpp"

namespace store = berth::core::store;
using berth::core::Errc;
using berth::core::Error;

using berth::test::error_of;

namespace {

using berth::test::TempDir;

std::string query_text(store::Db& db, const std::string& sql) {
  auto st = db.prepare(sql);
  REQUIRE(st->step());
  return st->column_text(0);
}

std::int64_t query_int(store::Db& db, const std::string& sql) {
  auto st = db.prepare(sql);
  REQUIRE(st->step());
  return st->column_int64(0);
}

void make_table(store::Db& db) { db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)"); }

}  // namespace

TEST_CASE("db opens with WAL, foreign keys and NORMAL sync", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  CHECK(query_text(db, "PRAGMA journal_mode") == "wal");
  CHECK(query_int(db, "PRAGMA foreign_keys") == 1);
  CHECK(query_int(db, "PRAGMA synchronous") == 1);  // NORMAL
  CHECK(query_int(db, "PRAGMA busy_timeout") == 5000);
}

TEST_CASE("stmt binds and reads every type", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  db.exec("CREATE TABLE v (i INTEGER, d REAL, t TEXT, b BLOB, n TEXT)");
  const std::byte blob[] = {std::byte{0}, std::byte{0xff}, std::byte{7}};
  std::string text("a\0b", 3);  // embedded NUL survives: bound and read by length
  db.prepare("INSERT INTO v VALUES (?1, ?2, ?3, ?4, ?5)")
      ->bind_int64(1, -(std::int64_t{1} << 40))
      .bind_double(2, 2.5)
      .bind_text(3, text)
      .bind_blob(4, blob)
      .bind_null(5)
      .run();
  CHECK(db.changes() == 1);
  CHECK(db.last_insert_rowid() == 1);

  auto st = db.prepare("SELECT i, d, t, b, n FROM v");
  REQUIRE(st->step());
  CHECK(st->column_count() == 5);
  CHECK(st->column_int64(0) == -(std::int64_t{1} << 40));
  CHECK(st->column_double(1) == 2.5);
  CHECK(st->column_text(2) == text);
  CHECK(st->column_blob(3) == std::vector<std::byte>(std::begin(blob), std::end(blob)));
  CHECK(st->column_is_null(4));
  CHECK(st->column_text(4).empty());
  CHECK_FALSE(st->column_is_null(0));
  CHECK_FALSE(st->step());
}

TEST_CASE("prepared statements are cached, reset on release, and nest", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  make_table(db);
  db.exec("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  const std::string sql = "SELECT v FROM t WHERE k >= ?1 ORDER BY k";

  sqlite3_stmt* first = nullptr;
  {
    auto st = db.prepare(sql);
    first = st->handle();
    st->bind_int64(1, 1);
    REQUIRE(st->step());  // left mid-result: the release must reset it
  }
  {
    auto st = db.prepare(sql);
    CHECK(st->handle() == first);
    st->bind_int64(1, 2);
    REQUIRE(st->step());
    CHECK(st->column_text(0) == "b");
  }

  SECTION("the same SQL checked out twice gets a second statement") {
    auto outer = db.prepare(sql);
    outer->bind_int64(1, 1);
    REQUIRE(outer->step());
    auto inner = db.prepare(sql);
    CHECK(inner->handle() != outer->handle());
    inner->bind_int64(1, 2);
    REQUIRE(inner->step());
    CHECK(inner->column_text(0) == "b");
    CHECK(outer->column_text(0) == "a");
  }
}

TEST_CASE("sqlite errors become core errors", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  make_table(db);

  auto bad_sql = error_of([&] { db.prepare("SELECT nope FROM t"); });
  CHECK(bad_sql.code() == Errc::internal);
  CHECK(bad_sql.cause() == "no such column: nope");

  db.exec("INSERT INTO t VALUES (1, 'a')");
  auto dup = error_of([&] { db.prepare("INSERT INTO t VALUES (1, 'b')")->run(); });
  CHECK(dup.code() == Errc::internal);
  CHECK_THAT(dup.cause(), Catch::Contains("UNIQUE constraint failed"));

  SECTION("a writer held elsewhere is unavailable once the busy timeout runs out") {
    store::Db other(dir.sub("x.db"));
    other.set_busy_timeout(std::chrono::milliseconds(50));
    store::Tx holding(db);
    auto busy = error_of([&] { store::Tx tx(other); });
    CHECK(busy.code() == Errc::unavailable);
    CHECK(busy.cause() == "database is locked");
  }
}

TEST_CASE("tx commits on commit() and rolls back otherwise", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  make_table(db);

  {
    store::Tx tx(db);
    CHECK(db.in_transaction());
    db.exec("INSERT INTO t VALUES (1, 'kept')");
    tx.commit();
  }
  CHECK_FALSE(db.in_transaction());
  {
    store::Tx tx(db);
    db.exec("INSERT INTO t VALUES (2, 'dropped')");
  }
  CHECK_FALSE(db.in_transaction());
  try {
    store::Tx tx(db);
    db.exec("INSERT INTO t VALUES (3, 'dropped')");
    throw std::runtime_error("boom");
  } catch (const std::runtime_error&) {
  }
  CHECK(query_int(db, "SELECT count(*) FROM t") == 1);
  CHECK(query_text(db, "SELECT v FROM t") == "kept");

  auto nested = error_of([&] {
    store::Tx outer(db);
    store::Tx inner(db);
  });
  CHECK(nested.code() == Errc::internal);
  CHECK_FALSE(db.in_transaction());
}

TEST_CASE("migrate sets user_version, fills meta and is idempotent", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  CHECK(store::schema_version(db) == 0);
  REQUIRE(store::known_schema_version() >= 1);
  store::migrate(db);
  CHECK(store::schema_version(db) == store::known_schema_version());
  CHECK_FALSE(db.in_transaction());

  for (const char* table :
       {"meta", "ids", "containers", "container_state", "exec_sessions", "pods", "images", "image_names", "layers",
        "image_layers", "volumes", "networks", "container_networks", "secrets", "events"}) {
    INFO(table);
    auto st = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1");
    st->bind_text(1, table);
    REQUIRE(st->step());
    CHECK(st->column_int64(0) == 1);
  }
  std::string created_at = query_text(db, "SELECT value FROM meta WHERE key = 'created_at'");
  CHECK(created_at.size() == 20);  // 2024-01-02T03:04:05Z
  CHECK(query_text(db, "SELECT value FROM meta WHERE key = 'created_by'") == "berthd " BERTH_VERSION);

  store::migrate(db);  // nothing to do: no error, nothing rewritten
  CHECK(store::schema_version(db) == store::known_schema_version());
  CHECK(query_text(db, "SELECT value FROM meta WHERE key = 'created_at'") == created_at);
}

TEST_CASE("schema enforces foreign keys", "[store]") {
  TempDir dir;
  store::Db db(dir.sub("x.db"));
  store::migrate(db);
  auto orphan = error_of(
      [&] { db.exec("INSERT INTO containers(id, name, created, config_json) VALUES ('c1', 'web', 0, '{}')"); });
  CHECK_THAT(orphan.cause(), Catch::Contains("FOREIGN KEY"));

  db.exec(
      "INSERT INTO ids(id, kind, name) VALUES ('c1', 'container', 'web');"
      "INSERT INTO containers(id, name, created, config_json) VALUES ('c1', 'web', 0, '{}');"
      "INSERT INTO container_state(container_id) VALUES ('c1');");
  db.exec("DELETE FROM ids WHERE id = 'c1'");  // cascades through containers to container_state
  CHECK(query_int(db, "SELECT count(*) FROM container_state") == 0);
}

TEST_CASE("a database newer than this berthd is refused", "[store]") {
  TempDir dir;
  int newer = store::known_schema_version() + 4;
  {
    store::Db db(dir.sub("berth.db"));
    db.exec("PRAGMA user_version = " + std::to_string(newer));
  }
  auto e = error_of([&] { store::Store s(dir.path()); });
  CHECK(e.code() == Errc::unavailable);
  CHECK(e.message() == "database " + dir.sub("berth.db") + " has schema version " + std::to_string(newer) +
                           ", this berthd knows up to " + std::to_string(store::known_schema_version()) +
                           ": upgrade berthd");
  store::Db db(dir.sub("berth.db"));
  CHECK(store::schema_version(db) == newer);  // left untouched
}

TEST_CASE("root lock creates the root and excludes a second holder", "[store]") {
  TempDir dir;
  std::string root = dir.sub("a/b/root");
  {
    store::RootLock lock(root + "/");
    CHECK(lock.root() == root);
    CHECK(lock.lock_path() == root + "/berth.lock");
    struct stat st {};
    REQUIRE(stat(root.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);

    auto e = error_of([&] { store::RootLock again(root); });
    CHECK(e.code() == Errc::conflict);
    CHECK(e.message() == "another berthd is using root " + root + " (lock " + root + "/berth.lock held by pid " +
                             std::to_string(getpid()) + ")");

    store::RootLock moved(std::move(lock));  // the lock travels with the object
    CHECK(moved.root() == root);
    CHECK(error_of([&] { store::RootLock again(root); }).code() == Errc::conflict);
  }
  store::RootLock after(root);  // released by the moved-to destructor
}

TEST_CASE("store opens, migrates, locks and keeps data across reopen", "[store]") {
  TempDir dir;
  std::string root = dir.sub("root");
  {
    store::Store s(root);
    CHECK(s.root() == root);
    CHECK(s.db_path() == root + "/berth.db");
    CHECK(std::filesystem::exists(root + "/berth.db"));
    CHECK(store::schema_version(s.db()) == store::known_schema_version());
    CHECK(query_text(s.db(), "PRAGMA journal_mode") == "wal");

    auto e = error_of([&] { store::Store second(root); });
    CHECK(e.code() == Errc::conflict);
    CHECK_THAT(e.message(), Catch::Contains("held by pid " + std::to_string(getpid())));

    s.write([](store::Db& db) {
      db.prepare("INSERT INTO volumes(name, created) VALUES (?1, ?2)")->bind_text(1, "data").bind_int64(2, 42).run();
    });
    // A throwing writer leaves nothing behind.
    auto failing = [](store::Db& db) {
      db.exec("INSERT INTO volumes(name, created) VALUES ('lost', 1)");
      throw std::runtime_error("boom");
    };
    CHECK_THROWS_AS(s.write(failing), std::runtime_error);
    int n = s.write([](store::Db& db) { return static_cast<int>(query_int(db, "SELECT count(*) FROM volumes")); });
    CHECK(n == 1);
  }
  store::Store s(root);  // the first one released its lock
  CHECK(store::schema_version(s.db()) == store::known_schema_version());
  auto created = s.read([](store::Db& db) {
    auto st = db.prepare("SELECT created FROM volumes WHERE name = 'data'");
    REQUIRE(st->step());
    return st->column_int64(0);
  });
  CHECK(created == 42);
}
