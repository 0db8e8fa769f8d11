// test_http_routes: plugin HTTP routes and outbound calls for tests/http_routes_test.
//   GET|POST|PUT|DELETE|PATCH /test/echo/:name (no auth) -> {"name","query","method","path"}
//   GET /test/status/:code (no auth)   -> that status, text/plain "status body"
//   GET /test/never (no auth)          -> never answered (the host answers 504)
//   POST /test/me (user)               -> {"userId","hasSession"}
//   POST /test/later (user, session)   -> {"later":true} from a 200 ms timer
//   POST /test/call (user, session) {"url", "timeoutMs"?} -> POSTs {"hello":1} to url and answers
//                                        {"status","body","error"} with what came back
#include <glasshub/sdk.hpp>

#include <nlohmann/json.hpp>

#include <string>

namespace {

using glasshub::Request;
using glasshub::Status;
using nlohmann::json;

const char* method_name(gh_http_method m) {
  switch (m) {
    case GH_HTTP_GET: return "GET";
    case GH_HTTP_POST: return "POST";
    case GH_HTTP_PUT: return "PUT";
    case GH_HTTP_DELETE: return "DELETE";
    case GH_HTTP_PATCH: return "PATCH";
  }
  return "?";
}

Status answer(const Request& req, uint16_t status, const json& body) {
  return req.respond(status, body.dump());
}

Status echo(const Request& req) {
  return answer(req, 200,
                {{"name", req.param("name")},
                 {"query", req.query()},
                 {"method", method_name(req.method())},
                 {"path", req.path()}});
}

class HttpRoutes : public glasshub::Plugin {
 public:
  Status load(glasshub::Registrar& r) override {
    for (gh_http_method m : {GH_HTTP_GET, GH_HTTP_POST, GH_HTTP_PUT, GH_HTTP_DELETE, GH_HTTP_PATCH})
      if (Status st = r.route(m, "/test/echo/:name", GH_ROUTE_AUTH_NONE, echo); st != GH_OK)
        return st;

    if (Status st = r.route(GH_HTTP_GET, "/test/status/:code", GH_ROUTE_AUTH_NONE,
                            [](const Request& req) {
                              const auto code = std::stoi(std::string(req.param("code")));
                              return req.respond(static_cast<uint16_t>(code), "status body",
                                                 "text/plain");
                            });
        st != GH_OK)
      return st;

    // Returning GH_OK without answering: the reply stays open until the host times it out.
    if (Status st = r.route(GH_HTTP_GET, "/test/never", GH_ROUTE_AUTH_NONE,
                            [](const Request&) { return GH_OK; });
        st != GH_OK)
      return st;

    if (Status st = r.route(GH_HTTP_POST, "/test/me", GH_ROUTE_AUTH_USER,
                            [](const Request& req) {
                              return answer(req, 200, {{"userId", req.user_id()},
                                                       {"hasSession", req.has_session()}});
                            });
        st != GH_OK)
      return st;

    if (Status st = r.route(GH_HTTP_POST, "/test/later", GH_ROUTE_AUTH_USER, later); st != GH_OK)
      return st;
    return r.route(GH_HTTP_POST, "/test/call", GH_ROUTE_AUTH_USER, call);
  }

 private:
  static Status no_session(const Request& req) {
    return answer(req, 409, {{"error", "no session"}});
  }

  static Status later(const Request& req) {
    if (!req.has_session()) return no_session(req);
    const glasshub::Reply reply = req.reply();
    return req.user().start_timer(
        200, [reply](glasshub::User&) { reply.send(200, json{{"later", true}}.dump()); });
  }

  static Status call(const Request& req) {
    if (!req.has_session()) return no_session(req);
    const json body = json::parse(req.body(), nullptr, /*allow_exceptions=*/false);
    if (!body.is_object() || !body.contains("url") || !body["url"].is_string())
      return answer(req, 400, {{"error", "body needs a url"}});
    const auto timeout = body.value("timeoutMs", 0u);
    const glasshub::Reply reply = req.reply();
    const Status st = req.user().http(
        GH_HTTP_POST, body["url"].get<std::string>(), R"({"hello":1})",
        [reply](glasshub::User&, const glasshub::HttpResult& res) {
          reply.send(200, json{{"status", res.status},
                               {"body", std::string(res.body)},
                               {"error", std::string(res.error)}}
                              .dump());
        },
        "application/json", timeout, "X-Glasshub-Test: yes\r\nBad line\r\nHost: evil.example");
    if (st != GH_OK) return answer(req, 400, {{"error", "http_call refused"}, {"code", st}});
    return GH_OK;
  }
};

}  // namespace

GLASSHUB_PLUGIN(HttpRoutes, "test_http_routes", "0.1.0",
                "plugin HTTP routes and outbound calls for the http_routes test")
