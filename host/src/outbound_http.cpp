#include "outbound_http.hpp"

#include "http_message.hpp"

#include <glasshub/core/live_settings.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/url/parse.hpp>

#include <chrono>
#include <optional>
#include <string_view>
#include <utility>

namespace glasshub::host {

namespace {

namespace ssl = net::ssl;
namespace urls = boost::urls;

// A guard against a broken peer, not a policy: eight times Beast's default, far above real headers.
constexpr std::uint32_t response_header_limit = 64 * 1024;

using done_fn = std::function<void(core::HttpCallResult)>;

std::optional<http::verb> to_verb(gh_http_method method) {
  switch (method) {
    case GH_HTTP_GET: return http::verb::get;
    case GH_HTTP_POST: return http::verb::post;
    case GH_HTTP_PUT: return http::verb::put;
    case GH_HTTP_DELETE: return http::verb::delete_;
    case GH_HTTP_PATCH: return http::verb::patch;
  }
  return std::nullopt;
}

// Where a URL sends the request and what goes in its request line and Host header.
struct destination {
  bool tls = false;
  std::string host;  // decoded, IPv6 without brackets: what the resolver and TLS check see
  bool host_is_name = false;
  std::string port;
  std::string host_header;
  std::string target;  // origin form: path and query, never the fragment
};

// The destination of `url`, or the reason it cannot be called.
std::optional<destination> parse_destination(std::string_view url, std::string& why) {
  const auto parsed = urls::parse_uri(url);
  if (!parsed) {
    why = "invalid url";
    return std::nullopt;
  }
  const urls::url_view& u = *parsed;
  destination d;
  if (u.scheme_id() == urls::scheme::https) {
    d.tls = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    why = "unsupported scheme: " + std::string(u.scheme());
    return std::nullopt;
  }
  if (!u.has_authority() || u.encoded_host().empty()) {
    why = "invalid url: no host";
    return std::nullopt;
  }
  if (u.host_type() == urls::host_type::ipvfuture) {
    why = "invalid url: unsupported host";
    return std::nullopt;
  }
  d.host = u.host_address();
  d.host_is_name = u.host_type() == urls::host_type::name;
  if (u.has_port() && !u.port().empty()) {
    if (u.port_number() == 0) {
      why = "invalid url: bad port";
      return std::nullopt;
    }
    d.port = std::string(u.port());
    d.host_header = std::string(u.encoded_host_and_port());
  } else {
    d.port = d.tls ? "443" : "80";
    d.host_header = std::string(u.encoded_host());
  }
  d.target = std::string(u.encoded_target());
  if (d.target.empty() || d.target.front() != '/') d.target.insert(0, "/");
  return d;
}

bool owned_by_host(std::string_view name) {
  for (std::string_view owned : {"host", "content-length", "transfer-encoding", "connection"})
    if (beast::iequals(name, owned)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Adds the plugin's "Name: value" lines; malformed lines and the framing fields the host sets
// itself are skipped, so a plugin cannot break the request's framing.
void add_extra_headers(http::request<http::string_body>& req, std::string_view lines) {
  while (!lines.empty()) {
    const auto eol = lines.find_first_of("\r\n");
    const std::string_view line = lines.substr(0, eol);
    lines = eol == std::string_view::npos ? std::string_view{} : lines.substr(eol + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = trim(line.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string_view::npos) continue;
    if (owned_by_host(name)) continue;
    req.insert(name, trim(line.substr(colon + 1)));
  }
}

core::HttpCallResult failure(std::string error) {
  core::HttpCallResult r;
  r.error = std::move(error);
  return r;
}

}  // namespace

struct outbound_http::shared {
  shared(net::io_context& ioc, std::string user_agent)
      : ioc(ioc), user_agent(std::move(user_agent)) {
    tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                    ssl::context::no_sslv3 | ssl::context::no_compression);
    tls.set_default_verify_paths();
    tls.set_verify_mode(ssl::verify_peer);
  }

  net::io_context& ioc;
  const std::string user_agent;
  ssl::context tls{ssl::context::tls_client};
};

namespace {

// One call from resolve to response. Every handler runs on its own strand; `finished_` makes
// the first outcome (response, error or deadline) the only one reported.
class outbound_call : public std::enable_shared_from_this<outbound_call> {
 public:
  outbound_call(std::shared_ptr<outbound_http::shared> shared, core::HttpCall call, done_fn done)
      : shared_(std::move(shared)),
        strand_(net::make_strand(shared_->ioc)),
        call_(std::move(call)),
        done_(std::move(done)),
        resolver_(strand_),
        socket_(strand_),
        deadline_(strand_) {}

  void start() {
    net::post(strand_, [self = shared_from_this()] { self->begin(); });
  }

 private:
  void begin() {
    const auto verb = to_verb(call_.method);
    if (!verb) return finish(failure("invalid method"));
    std::string why;
    auto dest = parse_destination(call_.url, why);
    if (!dest) return finish(failure(std::move(why)));
    dest_ = std::move(*dest);
    build_request(*verb);

    const std::uint32_t ms = call_.timeout_ms != 0
                                 ? call_.timeout_ms
                                 : core::live_settings.server.outbound_http_timeout_ms();
    deadline_.expires_after(std::chrono::milliseconds(ms));
    deadline_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->finish(failure("timeout"));
    });
    resolver_.async_resolve(
        dest_.host, dest_.port,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->on_resolve(ec, std::move(results));
        });
  }

  void build_request(http::verb verb) {
    req_.method(verb);
    req_.target(dest_.target);
    req_.version(11);
    req_.set(http::field::host, dest_.host_header);
    req_.set(http::field::user_agent, shared_->user_agent);
    if (!call_.content_type.empty()) req_.set(http::field::content_type, call_.content_type);
    add_extra_headers(req_, call_.extra_headers);
    req_.keep_alive(false);
    req_.body() = std::move(call_.body);
    req_.prepare_payload();
  }

  void on_resolve(beast::error_code ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return finish(failure("resolve failed: " + dest_.host + ": " + ec.message()));
    net::async_connect(socket(), results,
                       [self = shared_from_this()](beast::error_code ec2, const tcp::endpoint&) {
                         self->on_connect(ec2);
                       });
  }

  void on_connect(beast::error_code ec) {
    if (finished_) return;
    if (ec == net::error::connection_refused)
      return finish(failure("connection refused: " + dest_.host + ":" + dest_.port));
    if (ec) return finish(failure("connect failed: " + ec.message()));
    if (!dest_.tls) return write();
    tls_.emplace(std::move(socket_), shared_->tls);
    // SNI carries names only; an IP literal is checked against the certificate's IP entries.
    if (dest_.host_is_name && !SSL_set_tlsext_host_name(tls_->native_handle(), dest_.host.c_str()))
      return finish(failure("tls: cannot set the server name"));
    tls_->set_verify_callback(ssl::host_name_verification(dest_.host));
    tls_->async_handshake(ssl::stream_base::client,
                          [self = shared_from_this()](beast::error_code ec2) {
                            if (self->finished_) return;
                            if (ec2) return self->finish(failure("tls handshake failed: " +
                                                                 ec2.message()));
                            self->write();
                          });
  }

  void write() {
    body_limit_ = core::live_settings.server.outbound_http_max_body_bytes();
    parser_.body_limit(body_limit_);
    parser_.header_limit(response_header_limit);
    auto on_written = [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_write(ec);
    };
    if (tls_)
      http::async_write(*tls_, req_, std::move(on_written));
    else
      http::async_write(socket_, req_, std::move(on_written));
  }

  void on_write(beast::error_code ec) {
    if (finished_) return;
    if (ec) return finish(failure("write failed: " + ec.message()));
    auto on_read = [self = shared_from_this()](beast::error_code ec2, std::size_t) {
      self->on_read(ec2);
    };
    if (tls_)
      http::async_read(*tls_, buffer_, parser_, std::move(on_read));
    else
      http::async_read(socket_, buffer_, parser_, std::move(on_read));
  }

  void on_read(beast::error_code ec) {
    if (finished_) return;
    // A TLS peer that closes without close_notify ends a body delimited by the connection's end.
    if (ec == ssl::error::stream_truncated && parser_.is_header_done() && !parser_.is_done()) {
      beast::error_code eof_ec;
      parser_.put_eof(eof_ec);
      if (!eof_ec && parser_.is_done()) ec = {};
    }
    if (ec == http::error::body_limit)
      return finish(failure("response body over " + std::to_string(body_limit_) + " bytes"));
    if (ec == http::error::end_of_stream || ec == net::error::eof)
      return finish(failure("connection closed before a response"));
    if (ec) return finish(failure("read failed: " + ec.message()));
    auto res = parser_.release();
    core::HttpCallResult result;
    result.status = static_cast<std::uint16_t>(res.result_int());
    result.body = std::move(res.body());
    finish(std::move(result));
  }

  void finish(core::HttpCallResult result) {
    if (finished_) return;
    finished_ = true;
    deadline_.cancel();
    resolver_.cancel();
    beast::error_code ignored;
    socket().close(ignored);
    done_fn done = std::move(done_);
    done(std::move(result));
  }

  tcp::socket& socket() { return tls_ ? tls_->next_layer() : socket_; }

  std::shared_ptr<outbound_http::shared> shared_;  // keeps the TLS context alive
  net::strand<net::io_context::executor_type> strand_;
  core::HttpCall call_;
  done_fn done_;
  destination dest_;
  tcp::resolver resolver_;
  tcp::socket socket_;                          // moved into tls_ for https
  std::optional<ssl::stream<tcp::socket>> tls_;
  net::steady_timer deadline_;
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  std::uint64_t body_limit_ = 0;  // server.outboundHttpMaxBodyBytes when the request went out
  bool finished_ = false;
};

}  // namespace

outbound_http::outbound_http(net::io_context& ioc, std::string user_agent)
    : shared_(std::make_shared<shared>(ioc, std::move(user_agent))) {}

outbound_http::~outbound_http() = default;

void outbound_http::send(core::HttpCall call, std::function<void(core::HttpCallResult)> done) {
  std::make_shared<outbound_call>(shared_, std::move(call), std::move(done))->start();
}

}  // namespace glasshub::host
