// HTTP/1.1 for a client, as the host speaks it: a request's text, and one response read from a
// TcpClient (Content-Length, chunked, or up to the end of the stream).
#pragma once

#include "client_io/tcp_client.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace glasshub::client_io {

// Header fields in order (name, value).
using Fields = std::vector<std::pair<std::string, std::string>>;

// "<method> <target> HTTP/1.1" with `fields`, a later field replacing an earlier one of the same
// name (case-insensitive), then Content-Length when there is a body or the method takes one
// (POST, PUT, OPTIONS), then the body.
std::string request_text(std::string_view method, std::string_view target, const Fields& fields,
                         std::string_view body = {});

struct Response {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;  // names lowercased
  std::string body;
};

// Reads one response; `buffer` holds bytes read before and keeps those after it (the next
// response on a kept-alive connection, or WebSocket frames behind a 101). nullopt at the deadline;
// throws std::runtime_error on a malformed answer or one the stream ends in.
std::optional<Response> read_response(TcpClient& socket, std::string& buffer,
                                      Clock::time_point deadline, bool head_request = false);

std::string lowercase(std::string text);

}  // namespace glasshub::client_io
