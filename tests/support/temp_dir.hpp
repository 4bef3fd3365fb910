// A mkdtemp directory under /tmp, removed with everything in it when the test ends (header-only: every test
// binary uses it).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace berth::test {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "berth-test") {
    std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp " + tmpl + " failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // The path of `name` inside the directory.
  std::string sub(const std::string& name) const { return path_ + "/" + name; }
  // Writes `name` (creating its parent directories) and returns its full path.
  std::string write(const std::string& name, const std::string& text) const {
    std::string full = sub(name);
    std::filesystem::create_directories(std::filesystem::path(full).parent_path());
    std::ofstream(full) << text;
    return full;
  }

 private:
  std::string path_;
};

}  // namespace berth::test
