// Internal to core/config: TOML files with typed, error-naming key access, and the per-file-kind loaders.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"

namespace berth::core::config_detail {

// One table of a parsed file plus the dotted key that reached it, so every error names the file and the key.
class TomlView {
 public:
  TomlView(const toml::table& table, std::string_view file, std::string prefix = {});

  bool contains(std::string_view key) const { return table_->contains(key); }
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<std::int64_t> get_int(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  std::optional<std::vector<std::string>> get_strings(std::string_view key) const;
  std::optional<TomlView> get_table(std::string_view key) const;
  // The tables of an array of tables ([[key]]); empty when the key is absent.
  std::vector<TomlView> get_tables(std::string_view key) const;

  const toml::table& table() const { return *table_; }
  const std::string& file() const { return file_; }
  std::string dotted(std::string_view key) const;
  // Fails with invalid_argument: "<file>: key \"<dotted key>\" at line N: <why>".
  [[noreturn]] void fail_key(std::string_view key, std::string_view why) const;

 private:
  // The node under key if it has the wanted type; fails naming the key otherwise.
  const toml::node* typed(std::string_view key, toml::node_type want) const;

  const toml::table* table_;
  std::string file_;
  std::string prefix_;
};

// A parsed file; views point into table, so keep it in place while they live.
struct TomlFile {
  std::string path;
  toml::table table;

  TomlView root() const { return TomlView(table, path); }
};

// Parses path; nullopt when it does not exist. Malformed or unreadable files fail with invalid_argument.
std::optional<TomlFile> read_toml_file(const std::string& path);
// The *.conf regular files directly in dir, sorted; empty when dir does not exist.
std::vector<std::string> conf_files_in(const std::string& dir);
bool is_regular_file(const std::string& path);
bool is_directory(const std::string& path);
// The variable's value when sources.use_environment and it is set and non-empty.
std::optional<std::string> env_value(const ConfigSources& sources, const char* name);

void load_containers_conf(const ConfigSources& sources, Config& config);
void load_registries_conf(const ConfigSources& sources, RegistriesConfig& registries);
void load_storage_conf(const ConfigSources& sources, StorageConfig& storage);

}  // namespace berth::core::config_detail
