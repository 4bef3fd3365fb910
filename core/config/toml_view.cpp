// TomlView: typed access to one TOML table whose errors name the file, the dotted key and its line.
#include "core/config/config_internal.hpp"
#include "core/error.hpp"

namespace berth::core::config_detail {

namespace {

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "float";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

}  // namespace

TomlView::TomlView(const toml::table& table, std::string_view file, std::string prefix)
    : table_(&table), file_(file), prefix_(std::move(prefix)) {}

std::string TomlView::dotted(std::string_view key) const {
  if (prefix_.empty()) return std::string(key);
  return prefix_ + "." + std::string(key);
}

void TomlView::fail_key(std::string_view key, std::string_view why) const {
  std::string cause = "key \"" + dotted(key) + "\"";
  if (const toml::node* node = table_->get(key); node != nullptr && node->source().begin.line > 0) {
    cause += " at line " + std::to_string(node->source().begin.line);
  }
  cause += ": ";
  cause.append(why);
  fail(Errc::invalid_argument, cause, file_);
}

const toml::node* TomlView::typed(std::string_view key, toml::node_type want) const {
  const toml::node* node = table_->get(key);
  if (node == nullptr) return nullptr;
  if (node->type() != want) {
    fail_key(key, "expected " + std::string(type_name(want)) + ", got " + std::string(type_name(node->type())));
  }
  return node;
}

std::optional<std::string> TomlView::get_string(std::string_view key) const {
  const toml::node* node = typed(key, toml::node_type::string);
  if (node == nullptr) return std::nullopt;
  return node->as_string()->get();
}

std::optional<std::int64_t> TomlView::get_int(std::string_view key) const {
  const toml::node* node = typed(key, toml::node_type::integer);
  if (node == nullptr) return std::nullopt;
  return node->as_integer()->get();
}

std::optional<bool> TomlView::get_bool(std::string_view key) const {
  const toml::node* node = typed(key, toml::node_type::boolean);
  if (node == nullptr) return std::nullopt;
  return node->as_boolean()->get();
}

std::optional<std::vector<std::string>> TomlView::get_strings(std::string_view key) const {
  const toml::node* node = typed(key, toml::node_type::array);
  if (node == nullptr) return std::nullopt;
  std::vector<std::string> out;
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_string()) {
      fail_key(key, "expected array of strings, got an element of type " + std::string(type_name(item.type())));
    }
    out.push_back(item.as_string()->get());
  }
  return out;
}

std::optional<TomlView> TomlView::get_table(std::string_view key) const {
  const toml::node* node = typed(key, toml::node_type::table);
  if (node == nullptr) return std::nullopt;
  return TomlView(*node->as_table(), file_, dotted(key));
}

std::vector<TomlView> TomlView::get_tables(std::string_view key) const {
  std::vector<TomlView> out;
  const toml::node* node = typed(key, toml::node_type::array);
  if (node == nullptr) return out;
  const toml::array& items = *node->as_array();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const toml::table* table = items.get(i)->as_table();
    if (table == nullptr) fail_key(key, "expected array of tables");
    out.emplace_back(*table, file_, dotted(key) + "[" + std::to_string(i) + "]");
  }
  return out;
}

}  // namespace berth::core::config_detail
