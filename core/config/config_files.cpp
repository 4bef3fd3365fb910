// Reading config files: TOML parsing with file/line errors, *.conf drop-in listing, environment lookup.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "core/config/config_internal.hpp"
#include "core/error.hpp"

namespace berth::core::config_detail {

namespace fs = std::filesystem;

namespace {

// The whole file, or nullopt when it does not exist.
std::optional<std::string> read_text(const std::string& path) {
  std::error_code ec;
  auto status = fs::status(path, ec);
  if (status.type() == fs::file_type::not_found) return std::nullopt;
  if (status.type() == fs::file_type::directory) fail(Errc::invalid_argument, "is a directory", "reading " + path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(Errc::invalid_argument, std::strerror(errno), "reading " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail(Errc::invalid_argument, "read error", "reading " + path);
  return std::move(text).str();
}

[[noreturn]] void fail_parse(const std::string& path, const toml::parse_error& err) {
  const auto& at = err.source().begin;
  std::string cause = "line " + std::to_string(at.line) + ", column " + std::to_string(at.column) + ": ";
  cause.append(err.description());
  fail(Errc::invalid_argument, cause, "parsing " + path);
}

// toml++ reports errors by exception or by parse_result depending on TOML_EXCEPTIONS (Debian builds it with).
toml::table parse_toml(const std::string& path, std::string_view text) {
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& err) {
    fail_parse(path, err);
  }
#else
  toml::parse_result result = toml::parse(text, std::string_view(path));
  if (!result) fail_parse(path, result.error());
  return std::move(result).table();
#endif
}

}  // namespace

std::optional<TomlFile> read_toml_file(const std::string& path) {
  auto text = read_text(path);
  if (!text) return std::nullopt;
  return TomlFile{path, parse_toml(path, *text)};
}

std::vector<std::string> conf_files_in(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory || ec == std::errc::not_a_directory) return files;
  if (ec) fail(Errc::invalid_argument, ec.message(), "reading " + dir);
  for (const auto& entry : it) {
    std::error_code type_ec;
    if (entry.path().extension() == ".conf" && entry.is_regular_file(type_ec)) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

bool is_regular_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool is_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::optional<std::string> env_value(const ConfigSources& sources, const char* name) {
  if (!sources.use_environment) return std::nullopt;
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

}  // namespace berth::core::config_detail
