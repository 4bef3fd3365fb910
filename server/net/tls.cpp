// TLS context setup.
#include "server/net/tls.hpp"

#include "core/error.hpp"
#include "server/net/beast_pch.hpp"

namespace berth::net {

boost::asio::ssl::context make_tls_context(const TlsFiles& files) {
  namespace ssl = boost::asio::ssl;
  ssl::context ctx(ssl::context::tls_server);
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                  ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  auto load = [](const std::string& what, const std::string& path, auto&& fn) {
    boost::system::error_code ec;
    fn(ec);
    if (ec) core::fail(core::Errc::invalid_argument, ec.message(), "TLS " + what + " " + path);
  };
  load("certificate", files.cert, [&](auto& ec) { ctx.use_certificate_chain_file(files.cert, ec); });
  load("key", files.key, [&](auto& ec) { ctx.use_private_key_file(files.key, ssl::context::pem, ec); });
  if (!files.verify_ca.empty()) {
    load("CA", files.verify_ca, [&](auto& ec) { ctx.load_verify_file(files.verify_ca, ec); });
    ctx.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  }
  return ctx;
}

}  // namespace berth::net
