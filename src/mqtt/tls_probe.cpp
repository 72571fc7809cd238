// One TLS handshake with the broker, to name the reason a Paho connect failed.
#include "tls_probe.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <asio/ssl.hpp>
#include <memory>
#include <optional>
#include <utility>

namespace pdu2mqtt::mqtt::detail {
namespace {

constexpr std::chrono::milliseconds alert_wait{300};

class probe : public std::enable_shared_from_this<probe> {
 public:
  probe(asio::any_io_executor executor, tls_probe_target target,
        std::function<void(std::string)> done)
      : target_(std::move(target)),
        done_(std::move(done)),
        resolver_(executor),
        timer_(executor),
        context_(asio::ssl::context::tls_client) {}

  void start(std::chrono::milliseconds timeout) {
    auto problem = configure_context();
    // OpenSSL copies the context's settings into each connection when it is made.
    stream_.emplace(timer_.get_executor(), context_);
    if (problem.empty()) problem = configure_stream();
    if (!problem.empty()) {
      // Posted: the caller gets its cancel function before done runs.
      asio::post(timer_.get_executor(),
                 [self = shared_from_this(), problem] { self->finish(problem); });
      return;
    }
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), timeout](std::error_code ec) {
      if (!ec) self->finish("no TLS handshake within " + std::to_string(timeout.count()) + " ms");
    });
    resolver_.async_resolve(
        target_.host, std::to_string(target_.port),
        [self = shared_from_this()](std::error_code ec, asio::ip::tcp::resolver::results_type r) {
          if (ec) return self->finish("cannot resolve the host: " + ec.message());
          asio::async_connect(self->stream_->lowest_layer(), r,
                              [self](std::error_code ec, const asio::ip::tcp::endpoint&) {
                                self->on_connected(ec);
                              });
        });
  }

  void cancel() {
    done_ = nullptr;
    close();
  }

 private:
  // The settings Paho gets (link.cpp make_ssl_options), as OpenSSL calls.
  std::string configure_context() {
    const auto& tls = target_.tls;
    std::string step;
    try {
      step = "ca_file";
      if (tls.ca_file.empty()) {
        context_.set_default_verify_paths();
      } else {
        context_.load_verify_file(tls.ca_file);
      }
      context_.set_verify_mode(asio::ssl::verify_peer);
      step = "key_password";
      if (!tls.key_password.empty()) {
        context_.set_password_callback(
            [password = tls.key_password](std::size_t, asio::ssl::context::password_purpose) {
              return password;
            });
      }
      step = "cert_file";
      if (!tls.cert_file.empty()) context_.use_certificate_chain_file(tls.cert_file);
      step = "key_file";
      if (!tls.cert_file.empty() || !tls.key_file.empty()) {
        context_.use_private_key_file(tls.key_file.empty() ? tls.cert_file : tls.key_file,
                                      asio::ssl::context::pem);
      }
    } catch (const std::system_error& e) {
      return "cannot use the TLS " + step + ": " + e.code().message();
    }
    return {};
  }

  std::string configure_stream() {
    const auto& tls = target_.tls;
    SSL* ssl = stream_->native_handle();
    asio::error_code ec;
    asio::ip::make_address(target_.host, ec);
    // SNI for names (RFC 6066 3: not for addresses).
    if (ec) SSL_set_tlsext_host_name(ssl, target_.host.c_str());
    if (tls.verify_hostname) {
      X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
      const bool set = ec ? X509_VERIFY_PARAM_set1_host(param, target_.host.c_str(), 0) == 1
                          : X509_VERIFY_PARAM_set1_ip_asc(param, target_.host.c_str()) == 1;
      if (!set) return "cannot check the host name " + target_.host;
    }
    return {};
  }

  void on_connected(std::error_code ec) {
    if (ec) return finish("cannot reach the broker: " + ec.message());
    stream_->async_handshake(
        asio::ssl::stream_base::client,
        [self = shared_from_this()](std::error_code ec) { self->on_handshake(ec); });
  }

  void on_handshake(std::error_code ec) {
    if (ec) return finish(describe(ec));
    // TLS 1.3: the client's handshake ends before the server has checked the client's
    // certificate (RFC 8446 4.4.2); a broker that requires one answers with an alert only
    // now. A broker that is content waits for our CONNECT, so a short silence means success.
    timer_.expires_after(alert_wait);
    timer_.async_wait([self = shared_from_this()](std::error_code ec) {
      if (!ec) self->finish({});
    });
    stream_->async_read_some(asio::buffer(byte_),
                             [self = shared_from_this()](std::error_code ec, std::size_t) {
                               self->finish(ec ? self->describe(ec) : std::string());
                             });
  }

  std::string describe(std::error_code ec) {
    // Asio's text for OpenSSL errors ends in the library's name, "(SSL routines)".
    const char* reason = ec.category() == asio::error::get_ssl_category()
                             ? ERR_reason_error_string(static_cast<unsigned long>(ec.value()))
                             : nullptr;
    std::string why = "TLS handshake failed: " + (reason ? std::string(reason) : ec.message());
    const long verify = SSL_get_verify_result(stream_->native_handle());
    if (verify != X509_V_OK) {
      why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
    }
    return why;
  }

  void close() {
    timer_.cancel();
    resolver_.cancel();
    std::error_code ignored;
    if (stream_) stream_->lowest_layer().close(ignored);
  }

  void finish(const std::string& why) {
    auto done = std::exchange(done_, nullptr);
    close();
    if (done) done(why);
  }

  tls_probe_target target_;
  std::function<void(std::string)> done_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer timer_;
  asio::ssl::context context_;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket>> stream_;
  std::array<char, 1> byte_{};
};

}  // namespace

std::function<void()> async_probe_tls(asio::any_io_executor executor, tls_probe_target target,
                                      std::chrono::milliseconds timeout,
                                      std::function<void(std::string)> done) {
  auto p = std::make_shared<probe>(std::move(executor), std::move(target), std::move(done));
  p->start(timeout);
  return [weak = std::weak_ptr<probe>(p)] {
    if (const auto p = weak.lock()) p->cancel();
  };
}

}  // namespace pdu2mqtt::mqtt::detail
