// HTTP as the core sees it: plugin routes served through the host's listener, and outbound calls
// (webhooks) the host makes for plugins. host/ implements the sockets; nothing here knows Beast.
#pragma once

#include <glasshub/sdk.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace glasshub::core {

// One request the host received on a path it does not serve itself.
struct HttpIn {
  gh_http_method method = GH_HTTP_GET;
  std::string path;   // percent-encoded, as received, without the query
  std::string query;  // after '?', empty when none
  std::string body;
  std::string content_type;
  std::string authorization;
};

struct HttpOut {
  uint16_t status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// Called exactly once, from any thread; the host moves the answer onto its own socket's context.
using HttpReplyFn = std::function<void(HttpOut)>;

// An outbound call a plugin asked for.
struct HttpCall {
  gh_http_method method = GH_HTTP_POST;
  std::string url;  // http:// or https://
  std::string content_type;
  std::string body;
  std::string extra_headers;  // "Name: value" lines separated by CRLF
  uint32_t timeout_ms = 0;  // 0: server.outboundHttpTimeoutMs
};

struct HttpCallResult {
  uint16_t status = 0;  // 0: no response, `error` says why
  std::string body;
  std::string error;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Starts the call without blocking; `done` runs exactly once, on any thread.
  virtual void send(HttpCall call, std::function<void(HttpCallResult)> done) = 0;
};

}  // namespace glasshub::core
