// Shared by the image_*_test.cpp files: tar bytes from libarchive and an ImageService on a temp root.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"
#include "core/events/sink.hpp"
#include "core/images/service.hpp"
#include "core/store/store.hpp"
#include "core/sys/fd.hpp"
#include "tests/support/temp_dir.hpp"

namespace berth::test {

struct TarFile {
  std::string name;
  std::string data;
  mode_t type = AE_IFREG;
};

inline la_ssize_t image_test_append(archive*, void* out, const void* buf, size_t len) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buf), len);
  return static_cast<la_ssize_t>(len);
}

// A pax tar of `files` (gzip'ed when asked), fixed mtimes so equal inputs give equal bytes.
inline std::string make_image_tar(const std::vector<TarFile>& files, bool gzip = false) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_set_bytes_in_last_block(a, 1);
  if (gzip) REQUIRE(archive_write_add_filter_gzip(a) == ARCHIVE_OK);
  REQUIRE(archive_write_open(a, &out, nullptr, image_test_append, nullptr) == ARCHIVE_OK);
  for (const auto& f : files) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, f.name.c_str());
    archive_entry_set_filetype(e, f.type);
    archive_entry_set_perm(e, f.type == AE_IFDIR ? 0755 : 0644);
    archive_entry_set_mtime(e, 1000000000, 0);
    archive_entry_set_size(e, f.type == AE_IFREG ? static_cast<la_int64_t>(f.data.size()) : 0);
    REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
    if (!f.data.empty()) REQUIRE(archive_write_data(a, f.data.data(), f.data.size()) == (la_ssize_t)f.data.size());
    archive_entry_free(e);
  }
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

class RecordingSink final : public core::events::EventSink {
 public:
  void publish(core::Event event) noexcept override {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
  }
  std::vector<core::Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<std::string> actions() const {
    std::vector<std::string> out;
    for (const auto& e : events()) out.push_back(e.action);
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<core::Event> events_;
};

// A real Store and ImageService on a temp root; reopen() simulates a restart.
struct ImageFixture {
  TempDir dir{"berth-images"};
  core::Config config;
  RecordingSink sink;
  std::optional<core::store::Store> store;
  std::optional<core::images::ImageService> images;

  ImageFixture() {
    config.root = dir.sub("root");
    config.registries.unqualified_search = {"docker.io", "quay.io"};
    open();
  }
  void open() {
    images.reset();
    store.reset();
    store.emplace(config.root);
    images.emplace(config, *store, sink);
  }
  core::images::ImageService& svc() { return *images; }
  std::string root() const { return config.root; }

  // Imports tar bytes through a file fd, as the API's body pipe would hand them over.
  core::LoadedImage import(const std::string& tar, core::images::ImportOptions opts = {}) {
    std::string path = dir.sub("in-" + std::to_string(counter_++) + ".tar");
    std::ofstream(path, std::ios::binary) << tar;
    core::sys::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    return images->import(fd.get(), opts);
  }
  // A fresh single-file image, distinct per `content`.
  core::LoadedImage import_file(const std::string& content, const std::string& ref = "",
                                core::images::ShortNamePolicy policy = core::images::ShortNamePolicy::docker) {
    return import(make_image_tar({{"file", content}}), {.reference = ref, .policy = policy});
  }

 private:
  int counter_ = 0;
};

}  // namespace berth::test
