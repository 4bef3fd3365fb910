#include "server/http/json_fields.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace berth::http {
namespace {

using json = nlohmann::json;

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::string json_type_name(const json& v) {
  if (v.is_boolean()) return "bool";
  if (v.is_number()) return "number";
  if (v.is_string()) return "string";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

// docker: "json: cannot unmarshal string into Go struct field HostConfig.Memory of type int64"; we name the field
// by its JSON pointer, which says where it is in the body the client sent.
void bad_json_type(const std::string& ptr, std::string_view want, const json& got, JsonErrorStyle style) {
  core::fail(core::Errc::invalid_argument, std::string(style.prefix) + "json: cannot unmarshal " + json_type_name(got) +
                                               " into " + std::string(style.field) + ptr + " of type " +
                                               std::string(want));
}

void bad_json_value(const std::string& ptr, std::string_view why) {
  core::fail(core::Errc::invalid_argument, ptr + ": " + std::string(why));
}

std::int64_t json_to_int(const json& v, const std::string& ptr, JsonErrorStyle style) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) {  // Go accepts 6.7108864e7 for an int64, not 1.5
    double d = v.get<double>();
    if (std::trunc(d) == d && std::abs(d) < 9.2e18) return static_cast<std::int64_t>(d);
  }
  bad_json_type(ptr, "integer", v, style);
}

std::string json_to_string(const json& v, const std::string& ptr, JsonErrorStyle style) {
  if (v.is_null()) return {};
  if (!v.is_string()) bad_json_type(ptr, "string", v, style);
  return v.get<std::string>();
}

std::vector<std::string> json_to_strings(const json& v, const std::string& ptr, JsonErrorStyle style) {
  if (v.is_null()) return {};
  if (!v.is_array()) bad_json_type(ptr, "[]string", v, style);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < v.size(); ++i) out.push_back(json_to_string(v[i], ptr + "/" + std::to_string(i), style));
  return out;
}

JsonFields::JsonFields(const json* obj, std::string ptr, JsonErrorStyle style)
    : obj_(obj), ptr_(std::move(ptr)), style_(style) {
  if (obj_ && obj_->is_null()) obj_ = nullptr;
  if (obj_ && !obj_->is_object()) bad_type(ptr_.empty() ? "/" : ptr_, "object", *obj_);
}

const json* JsonFields::find(std::string_view key) const {
  if (!obj_) return nullptr;
  auto it = obj_->find(std::string(key));
  if (it == obj_->end())
    for (auto i = obj_->begin(); i != obj_->end(); ++i)
      if (iequal(i.key(), key)) {
        it = i;
        break;
      }
  if (it == obj_->end() || it->is_null()) return nullptr;
  return &*it;
}

std::string JsonFields::str(std::string_view key) const {
  const json* v = find(key);
  return v ? json_to_string(*v, at(key), style_) : std::string();
}

bool JsonFields::flag(std::string_view key) const {
  const json* v = find(key);
  if (!v) return false;
  if (!v->is_boolean()) bad_type(at(key), "bool", *v);
  return v->get<bool>();
}

std::optional<std::int64_t> JsonFields::opt_int(std::string_view key) const {
  const json* v = find(key);
  if (!v) return std::nullopt;
  return json_to_int(*v, at(key), style_);
}

std::optional<int> JsonFields::opt_int32(std::string_view key) const {
  auto v = opt_int(key);
  if (!v) return std::nullopt;
  if (*v < std::numeric_limits<int>::min() || *v > std::numeric_limits<int>::max())
    bad_json_value(at(key), "out of range");
  return static_cast<int>(*v);
}

std::vector<std::string> JsonFields::strings(std::string_view key) const {
  const json* v = find(key);
  return v ? json_to_strings(*v, at(key), style_) : std::vector<std::string>{};
}

std::optional<std::vector<std::string>> JsonFields::opt_strings(std::string_view key) const {
  const json* v = find(key);
  if (!v) return std::nullopt;
  return json_to_strings(*v, at(key), style_);
}

std::optional<std::vector<std::string>> JsonFields::str_slice(std::string_view key) const {
  const json* v = find(key);
  if (!v) return std::nullopt;
  if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
  return json_to_strings(*v, at(key), style_);
}

std::map<std::string, std::string> JsonFields::string_map(std::string_view key) const {
  JsonFields m = object(key);
  std::map<std::string, std::string> out;
  if (m.obj_)
    for (const auto& [k, v] : m.obj_->items()) out[k] = json_to_string(v, m.at(k), style_);
  return out;
}

std::vector<std::string> JsonFields::keys(std::string_view key) const {
  JsonFields m = object(key);
  std::vector<std::string> out;
  if (m.obj_)
    for (const auto& item : m.obj_->items()) out.push_back(item.key());
  return out;
}

std::vector<JsonFields> JsonFields::objects(std::string_view key) const {
  const json* v = find(key);
  std::vector<JsonFields> out;
  if (!v) return out;
  if (!v->is_array()) bad_type(at(key), "array", *v);
  for (std::size_t i = 0; i < v->size(); ++i) out.emplace_back(&(*v)[i], at(key) + "/" + std::to_string(i), style_);
  return out;
}

bool JsonFields::non_empty(std::string_view key) const {
  const json* v = find(key);
  return v && (v->is_array() || v->is_object()) && !v->empty();
}

}  // namespace berth::http
