// Reply constructors.
#include "server/http/reply.hpp"

#include <nlohmann/json.hpp>

namespace berth::http {

Reply Reply::json(const nlohmann::json& value, int status) {
  Reply r;
  r.status = status;
  r.body = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  r.headers.set("Content-Type", "application/json");
  return r;
}

Reply Reply::json_text(std::string json, int status) {
  Reply r;
  r.status = status;
  r.body = std::move(json);
  r.body += '\n';
  r.headers.set("Content-Type", "application/json");
  return r;
}

Reply Reply::text(std::string body, int status, std::string content_type) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.headers.set("Content-Type", std::move(content_type));
  return r;
}

Reply Reply::empty(int status) {
  Reply r;
  r.status = status;
  return r;
}

Reply Reply::error(int status, std::string_view cause, std::string_view message) {
  return json({{"cause", cause}, {"message", message}, {"response", status}}, status);
}

Reply Reply::chunks(Framing framing, std::shared_ptr<ChunkSource> source, int status) {
  Reply r;
  r.status = status;
  r.kind = Kind::stream;
  r.framing = framing;
  r.source = std::move(source);
  r.headers.set("Content-Type", std::string(stream_content_type(framing)));
  return r;
}

Reply Reply::hijack(std::shared_ptr<core::streams::Duplex> duplex) {
  Reply r;
  r.status = 101;
  r.kind = Kind::hijack;
  r.framing = duplex->tty() ? Framing::raw : Framing::docker_mux;
  r.duplex = std::move(duplex);
  return r;
}

Reply Reply::websocket(std::shared_ptr<core::streams::Duplex> duplex) {
  Reply r;
  r.status = 101;
  r.kind = Kind::websocket;
  r.framing = Framing::raw;  // docker: raw bytes even without a TTY (a message carries no stream id)
  r.duplex = std::move(duplex);
  return r;
}

std::string_view stream_content_type(Framing framing) {
  switch (framing) {
    case Framing::json_lines:
      return "application/json";
    case Framing::docker_mux:
    case Framing::raw:
      break;
  }
  return "application/vnd.docker.raw-stream";
}

}  // namespace berth::http
