// runc_message / missing_executable: runc's error text, whichever form it was written in.
#include "core/drivers/runc_errors.hpp"

#include <nlohmann/json.hpp>
#include <vector>

namespace berth::core::drivers {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\r' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// msg="..." of a logrus text line, with Go's escapes undone (\" and \\).
std::string logrus_msg(std::string_view line) {
  auto at = line.find("msg=\"");
  if (at == std::string_view::npos) return {};
  std::string out;
  for (size_t i = at + 5; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\\' && i + 1 < line.size()) {
      out.push_back(line[++i]);
      continue;
    }
    if (c == '"') break;
    out.push_back(c);
  }
  return out;
}

std::string from_text(std::string_view text) {
  std::string any;
  std::string error;
  std::vector<std::string_view> plain;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    if (line.front() == '{') {
      auto doc = nlohmann::json::parse(line, nullptr, false);
      if (doc.is_object() && doc.contains("msg") && doc["msg"].is_string()) {
        any = doc["msg"].get<std::string>();
        if (doc.value("level", "") == "error") error = any;
        continue;
      }
    }
    if (auto msg = logrus_msg(line); !msg.empty()) {
      any = msg;
      if (line.find("level=error") != std::string_view::npos) error = msg;
      continue;
    }
    plain.push_back(line);
  }
  if (!error.empty()) return error;
  if (!any.empty()) return any;
  std::string joined;
  for (auto line : plain) {
    if (!joined.empty()) joined += "; ";
    joined += line;
  }
  return joined;
}

}  // namespace

std::string runc_message(std::string_view err, std::string_view out) {
  std::string msg = from_text(err);
  if (msg.empty()) msg = from_text(out);
  return msg;
}

bool missing_executable(std::string_view msg) {
  if (msg.find("executable file not found") != std::string_view::npos) return true;
  // runc 1.1: exec: "/bin/x": stat /bin/x: no such file or directory
  return msg.find("exec: \"") != std::string_view::npos &&
         msg.find("no such file or directory") != std::string_view::npos;
}

}  // namespace berth::core::drivers
