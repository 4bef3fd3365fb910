// JsonWriter: appends JSON text straight to a string, for the documents that are large and hot (listing a thousand
// containers): building an nlohmann::json tree first costs a map node and a string per field, and then as much
// again to free them. Output matches nlohmann's dump(): no spaces, control characters escaped, invalid UTF-8
// replaced by U+FFFD.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::http {

class JsonWriter {
 public:
  explicit JsonWriter(std::size_t reserve = 0) { out_.reserve(reserve); }

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The next member's name; the value follows with one of the calls below.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Already serialized JSON, as it is.
  JsonWriter& raw(std::string_view json_text);
  JsonWriter& value(const std::vector<std::string>& strings);            // an array of strings
  JsonWriter& value(const std::map<std::string, std::string>& strings);  // an object of strings

  // key(name).value(v) in one call.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();  // a comma unless this is the first item of its container, or a member's value
  void escaped(std::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace berth::http
