#include "http_message.hpp"

#include <boost/url/parse.hpp>

namespace glasshub::host {

http_response make_response(const http_request& req, http::status status,
                            std::string_view content_type, std::string body) {
  http_response res{status, req.version()};
  res.set(http::field::server, "glasshub");
  res.set(http::field::content_type, content_type);
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

std::string_view bearer_token(const http_request& req) {
  const std::string_view value = req[http::field::authorization];
  constexpr std::string_view scheme = "Bearer ";
  if (value.size() <= scheme.size() || !beast::iequals(value.substr(0, scheme.size()), scheme))
    return {};
  return value.substr(scheme.size());
}

boost::urls::url_view parse_target(const http_request& req) {
  auto url = boost::urls::parse_origin_form(req.target());
  return url ? *url : boost::urls::url_view{};
}

}  // namespace glasshub::host
