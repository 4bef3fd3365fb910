// The TLS server context for tcp:// listeners (docker's --tlsverify model).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "server/net/server_config.hpp"

namespace berth::net {

// TLS 1.2+ with the certificate chain and key; with verify_ca, client certificates are required and must chain
// to it. Throws core::Error(invalid_argument) naming the file that cannot be used.
boost::asio::ssl::context make_tls_context(const TlsFiles& files);

}  // namespace berth::net
