// Outbound HTTP(S) calls plugins ask for (webhooks to app servers), on the host's io_context.
#pragma once

#include <glasshub/core/http.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace glasshub::host {

class outbound_http final : public core::HttpClient {
 public:
  // `user_agent` goes out as the User-Agent header (e.g. "glasshub/0.1.0"). Loads the system's
  // default CA paths for https; throws boost::system::system_error when OpenSSL cannot start.
  outbound_http(boost::asio::io_context& ioc, std::string user_agent);
  ~outbound_http() override;
  outbound_http(const outbound_http&) = delete;
  outbound_http& operator=(const outbound_http&) = delete;

  // Resolve, connect, (TLS handshake,) write, read, all within call.timeout_ms (0:
  // server.outboundHttpTimeoutMs); a response body over server.outboundHttpMaxBodyBytes fails
  // the call. `done` runs exactly once on an I/O thread, never inside send().
  void send(core::HttpCall call, std::function<void(core::HttpCallResult)> done) override;

  struct shared;  // defined in the .cpp; public only so its in-flight calls can name it

 private:
  std::shared_ptr<shared> shared_;  // in-flight calls hold it too
};

}  // namespace glasshub::host
