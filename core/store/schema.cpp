// The migration scripts and the code that applies them.
#include "core/store/schema.hpp"

#include <time.h>

#include <array>
#include <string>

#include "core/error.hpp"

namespace berth::core::store {

namespace {

// Conventions for every script: times are INTEGER unix nanoseconds (podman reports nanosecond precision); IDs are
// 64 lowercase hex; *_json columns hold the object's JSON as core/model serializes it; a `state` column marks an
// intent ('creating', 'removing') that reconcile finishes or undoes after a crash.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- One namespace for container, pod and exec IDs, so a short prefix never matches two kinds. Containers and pods
-- also share one name namespace in podman; exec sessions have no name (NULL never collides).
CREATE TABLE ids (
  id   TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('container', 'pod', 'exec')),
  name TEXT UNIQUE
);

CREATE TABLE pods (
  id                 TEXT PRIMARY KEY REFERENCES ids(id) ON DELETE CASCADE,
  name               TEXT NOT NULL UNIQUE,
  created            INTEGER NOT NULL,
  infra_container_id TEXT,  -- no FK: the infra container itself points back at the pod
  config_json        TEXT NOT NULL,
  state_json         TEXT NOT NULL DEFAULT '{}'
);

-- images.id is the hex of the config digest, as podman and docker report it.
CREATE TABLE images (
  id                  TEXT PRIMARY KEY,
  manifest_digest     TEXT NOT NULL DEFAULT '',
  manifest_media_type TEXT NOT NULL DEFAULT '',
  created             INTEGER NOT NULL,  -- from the image config
  added               INTEGER NOT NULL,  -- when it arrived here
  size                INTEGER NOT NULL DEFAULT 0,
  config_json         TEXT NOT NULL,     -- copy of the config blob, so the index loads without reading files
  state               TEXT NOT NULL DEFAULT 'ready'
);

-- Tags (registry/repo:tag) and digested references (registry/repo@sha256:...) pointing at an image.
CREATE TABLE image_names (
  name     TEXT PRIMARY KEY,
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  added    INTEGER NOT NULL
);
CREATE INDEX image_names_image ON image_names(image_id);

-- One extracted layer per chain ID (the same diff on another parent is another directory).
CREATE TABLE layers (
  chain_id          TEXT PRIMARY KEY,
  diff_id           TEXT NOT NULL,
  dir_id            INTEGER NOT NULL UNIQUE,  -- $ROOT/layers/<dir_id>: short keeps overlay options under 4 KiB
  parent_chain_id   TEXT REFERENCES layers(chain_id),
  compressed_digest TEXT NOT NULL DEFAULT '',
  size              INTEGER NOT NULL DEFAULT 0,  -- uncompressed bytes of diff/
  created           INTEGER NOT NULL,
  state             TEXT NOT NULL DEFAULT 'ready'
);
CREATE INDEX layers_diff ON layers(diff_id);
CREATE INDEX layers_parent ON layers(parent_chain_id);

-- An image's layers bottom (position 0) to top. A layer in use cannot be deleted (no cascade from layers).
CREATE TABLE image_layers (
  image_id TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  chain_id TEXT NOT NULL REFERENCES layers(chain_id),
  PRIMARY KEY (image_id, position)
);
CREATE INDEX image_layers_chain ON image_layers(chain_id);

-- The immutable half of a container (podman's config): written once at create.
CREATE TABLE containers (
  id          TEXT PRIMARY KEY REFERENCES ids(id) ON DELETE CASCADE,
  name        TEXT NOT NULL UNIQUE,
  pod_id      TEXT REFERENCES pods(id),    -- no cascade: a pod is removed only after its containers
  image_id    TEXT REFERENCES images(id),  -- NULL for a rootfs container; the image stays while used
  image_name  TEXT NOT NULL DEFAULT '',    -- the reference as the user gave it
  created     INTEGER NOT NULL,
  config_json TEXT NOT NULL
);
CREATE INDEX containers_pod ON containers(pod_id);
CREATE INDEX containers_image ON containers(image_id);

-- The mutable half (podman's state), rewritten on every transition.
CREATE TABLE container_state (
  container_id  TEXT PRIMARY KEY REFERENCES containers(id) ON DELETE CASCADE,
  state         TEXT NOT NULL DEFAULT 'configured',
  pid           INTEGER NOT NULL DEFAULT 0,
  conmon_pid    INTEGER NOT NULL DEFAULT 0,
  exit_code     INTEGER,  -- NULL until it has exited once
  started_at    INTEGER NOT NULL DEFAULT 0,
  finished_at   INTEGER NOT NULL DEFAULT 0,
  oom_killed    INTEGER NOT NULL DEFAULT 0,
  restart_count INTEGER NOT NULL DEFAULT 0,
  state_json    TEXT NOT NULL DEFAULT '{}'
);

CREATE TABLE exec_sessions (
  id           TEXT PRIMARY KEY REFERENCES ids(id) ON DELETE CASCADE,
  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  state        TEXT NOT NULL DEFAULT 'created',
  pid          INTEGER NOT NULL DEFAULT 0,
  exit_code    INTEGER,
  created      INTEGER NOT NULL,
  config_json  TEXT NOT NULL
);
CREATE INDEX exec_sessions_container ON exec_sessions(container_id);

CREATE TABLE volumes (
  name         TEXT PRIMARY KEY,
  driver       TEXT NOT NULL DEFAULT 'local',
  created      INTEGER NOT NULL,
  anonymous    INTEGER NOT NULL DEFAULT 0,
  labels_json  TEXT NOT NULL DEFAULT '{}',
  options_json TEXT NOT NULL DEFAULT '{}',
  state        TEXT NOT NULL DEFAULT 'ready'
);

CREATE TABLE networks (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  driver      TEXT NOT NULL DEFAULT 'bridge',
  created     INTEGER NOT NULL,
  config_json TEXT NOT NULL  -- the netavark network definition
);

-- A network in use cannot be deleted (no cascade from networks).
CREATE TABLE container_networks (
  container_id TEXT NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
  network_id   TEXT NOT NULL REFERENCES networks(id),
  interface    TEXT NOT NULL DEFAULT '',
  options_json TEXT NOT NULL DEFAULT '{}',  -- aliases, static IPs and MAC as requested
  PRIMARY KEY (container_id, network_id)
);
CREATE INDEX container_networks_network ON container_networks(network_id);

-- data holds the file driver's payload; the DB sits in a 0700 root, like podman's secretsdata.json.
CREATE TABLE secrets (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  driver       TEXT NOT NULL DEFAULT 'file',
  created      INTEGER NOT NULL,
  updated      INTEGER NOT NULL,
  labels_json  TEXT NOT NULL DEFAULT '{}',
  options_json TEXT NOT NULL DEFAULT '{}',
  data         BLOB
);

-- A bounded journal, written in the same transaction as the change it reports. AUTOINCREMENT so trimming old rows
-- never hands out a seq again: seq is the cursor for "events since".
CREATE TABLE events (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  time            INTEGER NOT NULL,
  type            TEXT NOT NULL,
  action          TEXT NOT NULL,
  actor_id        TEXT NOT NULL DEFAULT '',
  actor_name      TEXT NOT NULL DEFAULT '',
  attributes_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX events_time ON events(time);
)sql";

// v2: the blob an image keeps for each of its layers (for save and push). Per image, not per layer: two images may
// share an extracted layer yet carry it as different blobs (gzip vs plain).
constexpr std::string_view kV2 = R"sql(
ALTER TABLE image_layers ADD COLUMN blob_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE image_layers ADD COLUMN blob_media_type TEXT NOT NULL DEFAULT '';
ALTER TABLE image_layers ADD COLUMN blob_size INTEGER NOT NULL DEFAULT 0;
)sql";

// v3: manifest lists (podman manifest create/add/push). Kept apart from images: a list has no config or layers,
// and `podman images` never needs them. entries_json holds the list's instances as core/manifests serializes them.
constexpr std::string_view kV3 = R"sql(
CREATE TABLE manifest_lists (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  created      INTEGER NOT NULL,
  entries_json TEXT NOT NULL DEFAULT '[]'
);
)sql";

// v4: where registries hold blobs (host[/path] + repository), learnt from pulls and pushes: a push mounts a blob
// from one of them instead of uploading it (podman's blob-info cache).
constexpr std::string_view kV4 = R"sql(
CREATE TABLE blob_locations (
  digest   TEXT NOT NULL,
  registry TEXT NOT NULL,
  repo     TEXT NOT NULL,
  seen     INTEGER NOT NULL,
  PRIMARY KEY (digest, registry, repo)
) WITHOUT ROWID;
)sql";

constexpr std::array<std::string_view, 4> kMigrations = {kV1, kV2, kV3, kV4};

std::string now_rfc3339() {
  time_t now = time(nullptr);
  struct tm utc {};
  gmtime_r(&now, &utc);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

void set_meta(Db& db, std::string_view key, std::string_view value) {
  auto st = db.prepare("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2");
  st->bind_text(1, key).bind_text(2, value).run();
}

// Later migrations may rebuild tables; this catches a script that leaves a dangling reference behind.
void check_foreign_keys(Db& db) {
  auto st = db.prepare("PRAGMA foreign_key_check");
  if (st->step()) {
    fail(Errc::internal, "migration left a dangling reference in table " + st->column_text(0), "database " + db.path());
  }
}

}  // namespace

std::span<const std::string_view> migrations() { return kMigrations; }

int known_schema_version() { return static_cast<int>(kMigrations.size()); }

int schema_version(Db& db) {
  auto st = db.prepare("PRAGMA user_version");
  st->step();
  return static_cast<int>(st->column_int64(0));
}

void migrate(Db& db) {
  // Read the version inside the write transaction, so nothing can change it between the check and the apply.
  Tx tx(db);
  int current = schema_version(db);
  int known = known_schema_version();
  if (current > known) {
    fail(Errc::unavailable, "database " + db.path() + " has schema version " + std::to_string(current) +
                                ", this berthd knows up to " + std::to_string(known) + ": upgrade berthd");
  }
  if (current == known) return;  // Tx rolls back an empty transaction

  for (int version = current; version < known; ++version) {
    try {
      db.exec(kMigrations[static_cast<std::size_t>(version)]);
    } catch (const Error& e) {
      throw e.wrap("database " + db.path() + ": migration to schema version " + std::to_string(version + 1));
    }
  }
  check_foreign_keys(db);
  // user_version is part of the DB header, so it commits or rolls back with the scripts.
  db.exec("PRAGMA user_version = " + std::to_string(known));
  if (current == 0) {
    set_meta(db, "created_at", now_rfc3339());
    set_meta(db, "created_by", "berthd " BERTH_VERSION);
  }
  set_meta(db, "migrated_by", "berthd " BERTH_VERSION);
  tx.commit();
}

}  // namespace berth::core::store
