// The libcurl transport of RegistryClient.
#include "core/registry/http.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace berth::core::registry::detail {
namespace {

struct Transfer {
  const HttpRequest* request;
  HttpResponse* response;
  CURL* curl;
  const sys::CancelToken* cancel;
  std::exception_ptr failure;
  bool too_large = false;
  std::uint64_t last_done = ~std::uint64_t{0};
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return std::string(s);
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  // Each response of a redirect chain (and a 100 Continue) starts over.
  if (line.starts_with("HTTP/")) {
    t->response->headers.clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos)
    t->response->headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  return size * n;
}

size_t on_write(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view chunk(data, size * n);
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  try {
    if (t->request->sink && status >= 200 && status < 300) {
      (*t->request->sink)(chunk);
    } else {
      if (t->response->body.size() + chunk.size() > t->request->max_body) {
        t->too_large = true;
        return 0;
      }
      t->response->body.append(chunk);
    }
  } catch (...) {
    t->failure = std::current_exception();
    return 0;
  }
  return chunk.size();
}

struct Upload {
  Transfer* transfer;
  std::uint64_t pos = 0;
};

size_t on_read_fd(char* buffer, size_t size, size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const HttpRequest& r = *u->transfer->request;
  std::uint64_t left = r.body_size - u->pos;
  size_t want = static_cast<size_t>(std::min<std::uint64_t>(left, size * n));
  if (want == 0) return 0;
  ssize_t got;
  do {
    got = ::pread(r.body_fd, buffer, want, static_cast<off_t>(r.body_offset + u->pos));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    u->transfer->failure = std::make_exception_ptr(
        Error(Errc::internal, "short read of upload body",
              std::string("reading upload body: ") + (got < 0 ? std::strerror(errno) : "unexpected EOF")));
    return CURL_READFUNC_ABORT;
  }
  u->pos += static_cast<std::uint64_t>(got);
  return static_cast<size_t>(got);
}

int on_seek_fd(void* user, curl_off_t offset, int origin) {
  auto* u = static_cast<Upload*>(user);
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  u->pos = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel && t->cancel->cancelled()) return 1;
  if (t->request->progress) {
    bool upload = t->request->body_fd >= 0;
    auto done = static_cast<std::uint64_t>(upload ? ulnow : dlnow);
    auto total = static_cast<std::uint64_t>(upload ? ultotal : dltotal);
    if (done != t->last_done) {
      t->last_done = done;
      try {
        (*t->request->progress)(done, total);
      } catch (...) {
        t->failure = std::current_exception();
        return 1;
      }
    }
  }
  return 0;
}

long env_timeout(long fallback) {
  const char* v = std::getenv("BERTH_REGISTRY_TIMEOUT_S");
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  return (end && *end == '\0' && n > 0) ? n : fallback;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Go-like texts for what users see most (c/image prints Go's net errors).
std::string describe(CURLcode code, const char* errbuf, long os_errno) {
  std::string detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(code);
  if (code == CURLE_COULDNT_CONNECT && os_errno != 0)
    return "connect: " + lower(std::strerror(static_cast<int>(os_errno)));
  if (code == CURLE_SSL_CONNECT_ERROR &&
      (detail.find("wrong version number") != std::string::npos || detail.find("packet length") != std::string::npos))
    return "http: server gave HTTP response to HTTPS client";
  return detail;
}

}  // namespace

long connect_timeout_s() { return env_timeout(30); }
long stall_timeout_s() { return env_timeout(60); }

std::string url_escape(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

CurlSession::CurlSession(TlsSettings tls, const sys::CancelToken* cancel)
    : curl_(curl_easy_init()), tls_(std::move(tls)), cancel_(cancel) {
  if (!curl_) fail(Errc::internal, "curl_easy_init failed");
  namespace fs = std::filesystem;
  std::error_code ec;
  if (tls_.certs_dir.empty() || !fs::is_directory(tls_.certs_dir, ec)) return;
  std::string extra;
  for (const auto& entry : fs::directory_iterator(tls_.certs_dir, ec))
    if (entry.path().extension() == ".crt") extra += read_file(entry.path()) + "\n";
  // CAINFO takes one file: the certs.d CAs come on top of the system bundle, as in podman.
  if (!extra.empty()) ca_blob_ = read_file("/etc/ssl/certs/ca-certificates.crt") + "\n" + extra;
}

CurlSession::~CurlSession() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

bool CurlSession::perform(const HttpRequest& request, HttpResponse& response, TransportError& error) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_reset(c);  // keeps the connection cache
  response = HttpResponse{};
  Transfer t{&request, &response, c, cancel_, nullptr};
  Upload upload{&t};
  char errbuf[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Blobs arrive in large pieces: fewer callbacks and thread hand-overs than curl's 16 KiB default.
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 512L << 10);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "berth");
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, connect_timeout_s());
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, stall_timeout_s());
  if (request.timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, request.timeout_s);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (request.follow_redirects) {
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
  }
  if (!tls_.verify) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!ca_blob_.empty()) {
    curl_blob blob{ca_blob_.data(), ca_blob_.size(), CURL_BLOB_NOCOPY};
    curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &blob);
  }
  if (!tls_.certs_dir.empty()) {
    std::error_code ec;
    std::string cert = tls_.certs_dir + "/client.cert", key = tls_.certs_dir + "/client.key";
    if (std::filesystem::exists(cert, ec) && std::filesystem::exists(key, ec)) {
      curl_easy_setopt(c, CURLOPT_SSLCERT, cert.c_str());
      curl_easy_setopt(c, CURLOPT_SSLKEY, key.c_str());
    }
  }

  curl_slist* headers = nullptr;
  for (const auto& h : request.headers) headers = curl_slist_append(headers, h.c_str());
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip before an upload
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else if (request.body_fd >= 0) {
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read_fd);
    curl_easy_setopt(c, CURLOPT_READDATA, &upload);
    curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek_fd);
    curl_easy_setopt(c, CURLOPT_SEEKDATA, &upload);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body_size));
  } else if (request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    if (request.method != "POST") curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  } else if (request.method != "GET") {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  CURLcode rc = curl_easy_perform(c);
  curl_slist_free_all(headers);
  if (t.failure) std::rethrow_exception(t.failure);
  if (t.too_large) fail(Errc::too_large, "response body too large", request.url);
  if (rc != CURLE_OK) {
    long os_errno = 0;
    curl_easy_getinfo(c, CURLINFO_OS_ERRNO, &os_errno);
    error = TransportError{static_cast<int>(rc), describe(rc, errbuf, os_errno), rc == CURLE_OPERATION_TIMEDOUT,
                           rc == CURLE_ABORTED_BY_CALLBACK && cancel_ && cancel_->cancelled()};
    if (error.cancelled) error.text = "cancelled";
    if (error.timeout) error.text = "timed out: " + error.text;
    return false;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return true;
}

}  // namespace berth::core::registry::detail
