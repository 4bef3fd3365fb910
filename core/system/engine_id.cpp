// The persistent engine ID.
#include "core/system/engine_id.hpp"

#include <sys/random.h>

#include <array>

#include "core/error.hpp"

namespace berth::core::system {

std::string random_uuid() {
  std::array<unsigned char, 16> b{};
  if (::getrandom(b.data(), b.size(), 0) != static_cast<ssize_t>(b.size()))
    fail(Errc::internal, "getrandom failed", "make engine ID");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[b[i] >> 4];
    id += kHex[b[i] & 0xf];
  }
  return id;
}

std::string load_engine_id(store::Store& store) {
  return store.write([](store::Db& db) {
    auto select = db.prepare("SELECT value FROM meta WHERE key = 'engine_id'");
    if (select->step()) return select->column_text(0);
    auto id = random_uuid();
    db.prepare("INSERT INTO meta(key, value) VALUES('engine_id', ?)")->bind_text(1, id).run();
    return id;
  });
}

}  // namespace berth::core::system
