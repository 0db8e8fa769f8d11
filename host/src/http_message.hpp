// HTTP types of the host and the few helpers every route and endpoint shares.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/url_view.hpp>

#include <string>
#include <string_view>

namespace glasshub::host {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

using http_request = http::request<http::string_body>;
using http_response = http::response<http::string_body>;

// A response to `req`: same HTTP version and keep-alive, body and Content-Length set.
http_response make_response(const http_request& req, http::status status,
                            std::string_view content_type, std::string body);

// The token of `Authorization: Bearer <token>`; empty when there is none.
std::string_view bearer_token(const http_request& req);

// The request target (`/path?query`) as a URL; an empty URL when it is not in origin form.
boost::urls::url_view parse_target(const http_request& req);

}  // namespace glasshub::host
