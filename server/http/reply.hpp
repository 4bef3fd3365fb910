// What a handler returns. Five modes: a buffered body (JSON, text, empty), a chunked stream of JSON lines, a
// raw or docker-multiplexed byte stream, or a hijack or websocket that hands the connection to a core Duplex.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <type_traits>

#include "core/streams/source.hpp"
#include "server/http/headers.hpp"

namespace berth::http {

enum class Framing {
  json_lines,  // each chunk's data + "\n"
  docker_mux,  // 8-byte header [stream, 0, 0, 0, big-endian length] + data
  raw,         // data as it is
};

using ChunkSource = core::streams::Source<core::streams::Chunk>;

struct Reply {
  enum class Kind { buffered, stream, hijack, websocket };

  int status = 200;
  Headers headers;
  std::string body;
  Kind kind = Kind::buffered;
  Framing framing = Framing::raw;
  std::shared_ptr<ChunkSource> source;            // Kind::stream
  std::shared_ptr<core::streams::Duplex> duplex;  // Kind::hijack, Kind::websocket

  // One JSON document plus a newline, application/json.
  static Reply json(const nlohmann::json& value, int status = 200);
  // The same for a document already serialized (JsonWriter).
  static Reply json_text(std::string json, int status = 200);
  // A plain text body, text/plain; the caller supplies any trailing newline.
  static Reply text(std::string body, int status = 200, std::string content_type = "text/plain; charset=utf-8");
  // No body (204, 304, or 200 for HEAD).
  static Reply empty(int status);
  static Reply no_content() { return empty(204); }
  static Reply not_modified() { return empty(304); }
  // {"cause","message","response"} with that status.
  static Reply error(int status, std::string_view cause, std::string_view message);

  // A stream of already shaped chunks.
  static Reply chunks(Framing framing, std::shared_ptr<ChunkSource> source, int status = 200);
  // A stream of core values, each shaped on the IO thread by `shape` into a std::string (json_lines, raw) or a
  // core::streams::Chunk (docker_mux, which needs the stream id).
  template <class T, class Shape>
  static Reply stream(Framing framing, std::unique_ptr<core::streams::Source<T>> source, Shape shape, int status = 200);
  // Hand the connection to `duplex` after 101 UPGRADED (or 200 OK when the client asked for no upgrade).
  static Reply hijack(std::shared_ptr<core::streams::Duplex> duplex);
  // Hand the connection to `duplex` after a websocket handshake: output as binary messages, messages as input.
  static Reply websocket(std::shared_ptr<core::streams::Duplex> duplex);
};

// The Content-Type of a byte or JSON stream.
std::string_view stream_content_type(Framing framing);

namespace detail {

template <class T, class Shape>
class ShapedSource final : public ChunkSource {
 public:
  ShapedSource(std::unique_ptr<core::streams::Source<T>> inner, Shape shape)
      : inner_(std::move(inner)), shape_(std::move(shape)) {}
  int wait_fd() const override { return inner_->wait_fd(); }
  core::streams::Poll next(core::streams::Chunk& out) override {
    T item;
    auto poll = inner_->next(item);
    if (poll != core::streams::Poll::item) return poll;
    if constexpr (std::is_same_v<std::invoke_result_t<Shape&, const T&>, core::streams::Chunk>) {
      out = shape_(item);
    } else {
      out.stream = 1;
      out.data = shape_(item);
    }
    return poll;
  }

 private:
  std::unique_ptr<core::streams::Source<T>> inner_;
  Shape shape_;
};

}  // namespace detail

template <class T, class Shape>
Reply Reply::stream(Framing framing, std::unique_ptr<core::streams::Source<T>> source, Shape shape, int status) {
  return chunks(framing, std::make_shared<detail::ShapedSource<T, Shape>>(std::move(source), std::move(shape)), status);
}

}  // namespace berth::http
