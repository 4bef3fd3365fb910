// The one typed reader of JSON request bodies. Go's encoding/json is the reference both trees answer to: keys match
// without case (the exact spelling wins), null means "not given", and a value of the wrong JSON type is a 400
// (invalid_argument) naming the field by its JSON pointer ("/HostConfig/Memory").
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth::http {

// How a type error reads. The default is docker's tree: "json: cannot unmarshal string into /HostConfig/Memory of
// type integer"; podman's tree says "decode(): json: cannot unmarshal string into field /name of type string".
struct JsonErrorStyle {
  std::string_view prefix;  // before "json: "
  std::string_view field;   // between "into " and the pointer
};

// "bool", "number", "string", "array", "object" or "null", as Go's decoder names a JSON value's kind.
std::string json_type_name(const nlohmann::json& v);

// invalid_argument "json: cannot unmarshal <kind> into <ptr> of type <want>" (see JsonErrorStyle).
[[noreturn]] void bad_json_type(const std::string& ptr, std::string_view want, const nlohmann::json& got,
                                JsonErrorStyle style = {});

// invalid_argument "<ptr>: <why>".
[[noreturn]] void bad_json_value(const std::string& ptr, std::string_view why);

// An integer; Go takes 6.7108864e7 for an int64, not 1.5.
std::int64_t json_to_int(const nlohmann::json& v, const std::string& ptr, JsonErrorStyle style = {});
// A string; null → "".
std::string json_to_string(const nlohmann::json& v, const std::string& ptr, JsonErrorStyle style = {});
// A list of strings; null → {}.
std::vector<std::string> json_to_strings(const nlohmann::json& v, const std::string& ptr, JsonErrorStyle style = {});

// One JSON object of the body and where it sits (its JSON pointer, "" for the body itself); absent or null reads as
// an empty object. Getters take a key of this object and treat absent and null alike: not given.
class JsonFields {
 public:
  JsonFields(const nlohmann::json* obj, std::string ptr, JsonErrorStyle style = {});

  // The JSON pointer of key in this object.
  std::string at(std::string_view key) const { return ptr_ + "/" + std::string(key); }

  // The value of key (exact spelling first, then any case), or nullptr when absent or null.
  const nlohmann::json* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }

  std::string str(std::string_view key) const;  // not given → ""
  bool flag(std::string_view key) const;        // not given → false
  std::optional<std::int64_t> opt_int(std::string_view key) const;
  std::int64_t integer(std::string_view key) const { return opt_int(key).value_or(0); }
  // An int that must fit in 32 bits ("<ptr>: out of range" otherwise); not given → 0 / nullopt.
  int int32(std::string_view key) const { return opt_int32(key).value_or(0); }
  std::optional<int> opt_int32(std::string_view key) const;
  std::vector<std::string> strings(std::string_view key) const;  // not given → {}
  // A list of strings; not given → nullopt.
  std::optional<std::vector<std::string>> opt_strings(std::string_view key) const;
  // docker's StrSlice (Cmd, Entrypoint): a list, or one string; not given → nullopt (the image's value).
  std::optional<std::vector<std::string>> str_slice(std::string_view key) const;
  std::map<std::string, std::string> string_map(std::string_view key) const;
  // The keys of a set-like object ({"80/tcp": {}}).
  std::vector<std::string> keys(std::string_view key) const;
  JsonFields object(std::string_view key) const { return JsonFields(find(key), at(key), style_); }
  // Each element of an array of objects.
  std::vector<JsonFields> objects(std::string_view key) const;
  // Given and non-empty: an array or object with members.
  bool non_empty(std::string_view key) const;

  const nlohmann::json* raw() const { return obj_; }  // nullptr when absent or null
  const std::string& ptr() const { return ptr_; }

 private:
  [[noreturn]] void bad_type(const std::string& ptr, std::string_view want, const nlohmann::json& got) const {
    bad_json_type(ptr, want, got, style_);
  }

  const nlohmann::json* obj_;
  std::string ptr_;
  JsonErrorStyle style_;
};

}  // namespace berth::http
