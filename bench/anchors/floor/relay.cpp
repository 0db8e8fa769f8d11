// The floor anchor (issue 8, bench/anchors/README.md): the protocol subset of relay.js on one
// thread, an edge-triggered epoll loop and hand-written RFC 6455 framing. Plain C++20, Linux
// syscalls and OpenSSL (HMAC-SHA256 for the token, SHA-1 for Sec-WebSocket-Accept); nothing of
// glasshub, which it measures. What a relay costs when it does no more than the wire needs.
//
// Run: glasshub-floor-relay [port]   (or PORT=...; 0 picks a free port; HOST, JWT_SECRET).
#include "handshake.hpp"
#include "json_scan.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

using namespace floor_relay;
using std::string;
using std::string_view;

constexpr std::size_t kMaxPayload = 16 * 1024 * 1024;  // the JS anchors' maxPayload
constexpr std::size_t kMaxRequestHead = 8 * 1024;
constexpr std::size_t kMaxUnsent = 64 * 1024 * 1024;  // a peer that stops reading is dropped
constexpr std::size_t kReadChunk = 256 * 1024;

// string_view lookups in maps keyed by string, without building a string per lookup.
struct Hash {
  using is_transparent = void;
  std::size_t operator()(string_view s) const noexcept { return std::hash<string_view>{}(s); }
};
template <class V>
using StringMap = std::unordered_map<string, V, Hash, std::equal_to<>>;

// new Date().toISOString(), formatted again only when the millisecond changes.
string_view iso_now() {
  static char buf[32];
  static int64_t last_ms = -1;
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  const int64_t ms = static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
  if (ms != last_ms) {
    last_ms = ms;
    tm t{};
    ::gmtime_r(&ts.tv_sec, &t);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
    const auto milli = static_cast<int>(ms % 1000);
    const char tail[] = {'.', static_cast<char>('0' + milli / 100),
                         static_cast<char>('0' + milli / 10 % 10), static_cast<char>('0' + milli % 10), 'Z'};
    std::memcpy(buf + 19, tail, sizeof tail);
  }
  return {buf, 24};
}

// {"type":<type>,"sessionId":<session id>,"timestamp":<now>}: both connection acks.
string ack_frame(string_view type, string_view session_id) {
  string ack = R"({"type":")";
  ack.append(type).append(R"(","sessionId":)");
  append_quoted(ack, session_id);
  ack.append(R"(,"timestamp":")").append(iso_now()).append("\"}");
  return ack;
}

// --- frames ----------------------------------------------------------------------------------------

enum Opcode : uint8_t { kContinuation = 0, kText = 1, kBinary = 2, kClose = 8, kPing = 9, kPong = 10 };

void append_header(string& out, std::size_t size, uint8_t opcode) {
  char h[10];
  std::size_t n = 2;
  h[0] = static_cast<char>(0x80 | opcode);
  if (size < 126) {
    h[1] = static_cast<char>(size);
  } else if (size < 65536) {
    h[1] = 126;
    h[2] = static_cast<char>(size >> 8);
    h[3] = static_cast<char>(size);
    n = 4;
  } else {
    h[1] = 127;
    for (int i = 0; i < 8; ++i) h[2 + i] = static_cast<char>(static_cast<uint64_t>(size) >> (56 - 8 * i));
    n = 10;
  }
  out.append(h, n);
}

void unmask(char* p, std::size_t size, const unsigned char key[4]) {
  uint32_t k32;
  std::memcpy(&k32, key, 4);
  const uint64_t k64 = (static_cast<uint64_t>(k32) << 32) | k32;
  std::size_t i = 0;
  for (; i + 8 <= size; i += 8) {
    uint64_t v;
    std::memcpy(&v, p + i, 8);
    v ^= k64;
    std::memcpy(p + i, &v, 8);
  }
  for (; i < size; ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

// --- the relay ----------------------------------------------------------------------------------

struct User;
struct App;

enum class Kind : uint8_t { http, phone, app };

struct Conn {
  int fd;
  Kind kind = Kind::http;
  bool dead = false;      // closed; freed at the end of the batch
  bool closing = false;   // a close is queued: read nothing more, close once `out` is sent
  bool dirty = false;     // in the batch's flush list
  bool want_out = false;  // the kernel took less than `out`: waiting for EPOLLOUT
  bool epollout = false;  // EPOLLOUT is in the socket's epoll mask
  bool fragmented = false;
  bool fragment_binary = false;
  string in;       // bytes of a request head or frame that straddle reads
  string out;      // frames the kernel has not taken yet
  string message;  // a fragmented message so far
  User* user = nullptr;      // a phone socket's user
  std::unique_ptr<App> app;  // an app socket's App, after tpa_connection_init
  explicit Conn(int f) : fd(f) {}
};

// A user holds a few apps and streams: vectors searched in order, no hash table per user.
struct App {
  User* user;
  string session_id;
  string package;
  Conn* conn;
  std::vector<std::pair<string, string>> subs;  // stream type, the envelope's head for this app
  void subscribe(string_view type) {
    for (const auto& sub : subs)
      if (sub.first == type) return;
    string head = R"({"type":"data_stream","sessionId":)";
    append_quoted(head, session_id);
    head += R"(,"streamType":)";
    append_quoted(head, type);
    head += R"(,"data":)";
    subs.emplace_back(type, std::move(head));
  }
};

// Where a stream's events go: an app's socket and its envelope head.
struct Route {
  Conn* conn;
  const string* head;
};

struct Stream {
  string type;
  std::vector<Route> routes;
};

struct User {
  string id;
  Conn* phone = nullptr;
  std::vector<string> allowed;  // packages test_allow_app let in
  std::vector<App*> apps;       // one per sessionId
  std::vector<Stream> streams;  // rebuilt on subscription changes
  const std::vector<Route>* routes(string_view type) const {
    for (const auto& s : streams)
      if (s.type == type) return &s.routes;
    return nullptr;
  }
  bool allows(string_view package) const {
    for (const auto& p : allowed)
      if (p == package) return true;
    return false;
  }
  void reindex() {
    streams.clear();
    for (const App* app : apps)
      for (const auto& [type, head] : app->subs) {
        auto it = streams.begin();
        while (it != streams.end() && it->type != type) ++it;
        if (it == streams.end()) it = streams.insert(it, Stream{type, {}});
        it->routes.push_back({app->conn, &head});
      }
  }
};

class Relay {
 public:
  Relay(int epoll_fd, string secret) : epoll_(epoll_fd), secret_(std::move(secret)) {}

  void accept_all(int listener) {
    for (;;) {
      const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or out of descriptors: the next connection retries
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto conn = std::make_unique<Conn>(fd);
      epoll_event ev{EPOLLIN | EPOLLRDHUP | EPOLLET, {.ptr = conn.get()}};
      if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        ::close(fd);
        continue;
      }
      conns_.emplace(conn.get(), std::move(conn));
    }
  }

  // One epoll event of a connection.
  void on_event(Conn& c, uint32_t events) {
    if (c.dead) return;
    if (events & EPOLLOUT) {
      c.want_out = false;
      send_out(c);
    }
    if (!c.dead && (events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))) read_all(c);
  }

  // The end of a batch: the frames it made leave, one send per socket; closed sockets are freed.
  void end_batch() {
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
      Conn& c = *dirty_[i];
      c.dirty = false;
      if (!c.dead && !c.want_out) send_out(c);
    }
    dirty_.clear();
    graveyard_.clear();
  }

 private:
  void read_all(Conn& c) {
    static char buf[kReadChunk];
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n == 0) return close_now(c);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) close_now(c);
        return;
      }
      const auto got = static_cast<std::size_t>(n);
      if (!c.closing) {
        if (c.in.empty()) {  // parsed where it was read; only a straddling frame is kept
          const std::size_t used = consume(c, buf, got);
          if (!c.dead && !c.closing) c.in.assign(buf + used, got - used);
        } else {
          c.in.append(buf, got);
          const std::size_t used = consume(c, c.in.data(), c.in.size());
          if (!c.dead) c.in.erase(0, used);
        }
        if (!c.dead && c.in.empty() && c.in.capacity() > kReadChunk) string().swap(c.in);
      }
      if (c.dead) return;
      // A stream socket that filled less than the buffer is drained (man 7 epoll).
      if (got < sizeof buf) return;
    }
  }

  // Handles the complete request head or frames in [data, data + size); returns the bytes used.
  std::size_t consume(Conn& c, char* data, std::size_t size) {
    std::size_t at = 0;
    if (c.kind == Kind::http) {
      const string_view text(data, size);
      const auto end = text.find("\r\n\r\n");
      if (end == string_view::npos) {
        if (size > kMaxRequestHead) reject(c, "400 Bad Request");
        return 0;
      }
      at = end + 4;
      upgrade(c, text.substr(0, end + 2));
    }
    while (!c.dead && !c.closing && size - at >= 2) {
      const auto* b = reinterpret_cast<const unsigned char*>(data + at);
      const bool fin = b[0] & 0x80;
      const uint8_t opcode = b[0] & 0x0f;
      uint64_t length = b[1] & 0x7f;
      std::size_t head = 2;
      if (length == 126) {
        if (size - at < 4) break;
        length = (uint64_t{b[2]} << 8) | b[3];
        head = 4;
      } else if (length == 127) {
        if (size - at < 10) break;
        length = 0;
        for (int i = 0; i < 8; ++i) length = (length << 8) | b[2 + i];
        head = 10;
      }
      if ((b[0] & 0x70) || !(b[1] & 0x80)) return fail(c, 1002), at;  // RSV bits, unmasked
      if (length > kMaxPayload) return fail(c, 1009), at;
      if (size - at < head + 4 + length) break;
      unsigned char key[4];
      std::memcpy(key, data + at + head, 4);
      char* payload = data + at + head + 4;
      const auto len = static_cast<std::size_t>(length);
      unmask(payload, len, key);
      at += head + 4 + len;
      frame(c, fin, opcode, string_view(payload, len));
    }
    return at;
  }

  void frame(Conn& c, bool fin, uint8_t opcode, string_view payload) {
    if (opcode >= 8) {
      if (!fin || payload.size() > 125) return fail(c, 1002);
      if (opcode == kClose) {
        queue(c, payload.substr(0, payload.size() >= 2 ? 2 : 0), kClose);
        c.closing = true;
        return detach(c);
      }
      if (opcode == kPing) return queue(c, payload, kPong);
      if (opcode != kPong) fail(c, 1002);
      return;
    }
    if (opcode == kContinuation) {
      if (!c.fragmented) return fail(c, 1002);
      if (c.message.size() + payload.size() > kMaxPayload) return fail(c, 1009);
      c.message.append(payload);
      if (!fin) return;
      c.fragmented = false;
      message(c, c.message, c.fragment_binary);
      c.message.clear();
      return;
    }
    if ((opcode != kText && opcode != kBinary) || c.fragmented) return fail(c, 1002);
    if (fin) return message(c, payload, opcode == kBinary);
    c.fragmented = true;
    c.fragment_binary = opcode == kBinary;
    c.message.assign(payload);
  }

  void message(Conn& c, string_view data, bool binary) {
    if (c.kind == Kind::phone) {
      if (binary) return deliver_audio(*c.user, data);
      return phone_text(*c.user, data);
    }
    if (binary) return;
    if (c.app) return app_text(*c.app, data);
    app_init(c, data);
  }

  // --- HTTP -------------------------------------------------------------------------------------

  void upgrade(Conn& c, string_view head) {
    const auto line_end = head.find("\r\n");
    const string_view line = head.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = sp1 == string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == string_view::npos || line.substr(0, sp1) != "GET") return reject(c, "400 Bad Request");
    const string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const auto question = target.find('?');
    const string_view path = target.substr(0, question);
    const string_view query = question == string_view::npos ? string_view() : target.substr(question + 1);
    const bool phone = path == "/glasses-ws";
    if (path == "/health") {
      queue_raw(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n"
                   "Connection: close\r\n\r\n{\"status\":\"ok\"}");
      return close_after_flush(c);
    }
    if (!phone && path != "/app-ws") return reject(c, "404 Not Found");
    std::optional<string> user;
    if (phone) {
      if (const auto token = query_param(query, "token")) user = user_of_token(*token, secret_);
      if (!user) return reject(c, "401 Unauthorized");
    }
    const string_view key = header(head, "Sec-WebSocket-Key");
    if (key.empty() || !iequals(header(head, "Upgrade"), "websocket"))
      return reject(c, "426 Upgrade Required");
    string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
    response += accept_key(key);
    response += "\r\n\r\n";
    queue_raw(c, response);
    c.kind = phone ? Kind::phone : Kind::app;
    if (phone) phone_open(c, std::move(*user));
  }

  void reject(Conn& c, string_view status) {
    string response = "HTTP/1.1 ";
    response += status;
    response += "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    queue_raw(c, response);
    close_after_flush(c);
  }

  // --- the protocol subset (relay.js) -----------------------------------------------------------

  User& user_for(const string& id) {
    auto& slot = users_[id];
    if (!slot) {
      slot = std::make_unique<User>();
      slot->id = id;
    }
    return *slot;
  }

  void phone_open(Conn& c, string id) {
    User& u = user_for(id);
    if (u.phone && u.phone != &c) close_with(*u.phone, 1000, "Replaced by a newer connection");
    u.phone = &c;
    c.user = &u;
    queue(c, ack_frame("connection_ack", u.id), kText);
  }

  void phone_text(User& u, string_view text) {
    const auto raw = member(text, "type");
    if (!raw || raw->front() != '"') return;
    string_view type = raw->substr(1, raw->size() - 2);
    string decoded;
    if (type.find('\\') != string_view::npos) {
      auto d = string_value(*raw);
      if (!d) return;
      decoded = std::move(*d);
      type = decoded;
    }
    if (type == "test_allow_app") {
      // String(msg.packageName): a string as it is, anything else as its text.
      const auto raw_package = member(text, "packageName");
      const auto package = !raw_package ? std::optional<string>("undefined")
                           : raw_package->front() == '"' ? string_value(*raw_package)
                                                         : std::optional<string>(*raw_package);
      if (!package) return;
      const string sid = u.id + "-" + *package;
      if (!u.allows(*package)) u.allowed.push_back(*package);
      sessions_[sid] = &u;
      string reply = R"({"type":"test_app_allowed","packageName":)";
      append_quoted(reply, *package);
      reply += R"(,"sessionId":)";
      append_quoted(reply, sid);
      reply += '}';
      if (u.phone) queue(*u.phone, reply, kText);
      return;
    }
    if (type == "pong" || type == "ping") return;
    const auto* routes = u.routes(type);
    if (!routes) return;
    tail_.assign(R"(,"timestamp":")").append(iso_now()).append("\"}");  // once per event
    for (const Route& to : *routes) {
      append_header(to.conn->out, to.head->size() + text.size() + tail_.size(), kText);
      to.conn->out.append(*to.head).append(text).append(tail_);
      mark_dirty(*to.conn);
    }
  }

  void deliver_audio(User& u, string_view bytes) {
    if (const auto* routes = u.routes("audio_chunk"))
      for (const Route& to : *routes) queue(*to.conn, bytes, kBinary);
  }

  void app_init(Conn& c, string_view text) {
    const auto type = string_member(text, "type");
    const auto sid = string_member(text, "sessionId");
    const auto package = string_member(text, "packageName");
    const auto session = sid ? sessions_.find(*sid) : sessions_.end();
    if (type != "tpa_connection_init" || session == sessions_.end() || !package ||
        !session->second->allows(*package)) {
      string error = R"({"type":"tpa_connection_error","code":"INVALID_SESSION","message":)"
                     R"("unknown session","timestamp":")";
      error += iso_now();
      error += "\"}";
      queue(c, error, kText);
      return close_with(c, 1008, "unknown session");
    }
    User& u = *session->second;
    for (App* old : u.apps)
      if (old->session_id == *sid) {
        close_with(*old->conn, 1000, "Replaced by a newer connection");  // detaches it
        break;
      }
    c.app = std::make_unique<App>(App{&u, *sid, *package, &c, {}});
    u.apps.push_back(c.app.get());
    queue(c, ack_frame("tpa_connection_ack", *sid), kText);
  }

  void app_text(App& a, string_view text) {
    const auto type = string_member(text, "type");
    if (type == "subscription_update") {
      a.subs.clear();
      const auto list = member(text, "subscriptions");
      for (const string_view item : list ? elements(*list) : std::vector<string_view>()) {
        const auto stream = item.front() == '"' ? string_value(item) : string_member(item, "stream");
        if (stream && !stream->empty()) a.subscribe(*stream);
      }
      a.user->reindex();
    } else if (type == "display_event" && a.user->phone) {
      queue(*a.user->phone, text, kText);
    }
  }

  // The relay forgets a socket that is closing (relay.js's close handlers).
  void detach(Conn& c) {
    if (c.kind == Kind::phone && c.user && c.user->phone == &c) c.user->phone = nullptr;
    if (c.app) {
      User& u = *c.app->user;
      if (const auto it = std::find(u.apps.begin(), u.apps.end(), c.app.get()); it != u.apps.end()) {
        u.apps.erase(it);
        u.reindex();
      }
    }
  }

  // --- sockets ----------------------------------------------------------------------------------

  void queue_raw(Conn& c, string_view bytes) {
    c.out.append(bytes);
    mark_dirty(c);
  }

  void queue(Conn& c, string_view payload, uint8_t opcode) {
    append_header(c.out, payload.size(), opcode);
    c.out.append(payload);
    mark_dirty(c);
  }

  void mark_dirty(Conn& c) {
    if (c.dirty) return;
    c.dirty = true;
    dirty_.push_back(&c);
  }

  void fail(Conn& c, uint16_t code) { close_with(c, code, {}); }

  void close_with(Conn& c, uint16_t code, string_view reason) {
    if (c.closing || c.dead) return;
    string payload{static_cast<char>(code >> 8), static_cast<char>(code & 0xff)};
    payload += reason;
    queue(c, payload, kClose);
    close_after_flush(c);
  }

  void close_after_flush(Conn& c) {
    c.closing = true;
    detach(c);
    mark_dirty(c);
  }

  void send_out(Conn& c) {
    while (!c.out.empty()) {
      const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return close_now(c);
        if (c.out.size() > kMaxUnsent) return close_now(c);
        c.want_out = true;
        if (!c.epollout) watch_out(c, true);
        return;
      }
      c.out.erase(0, static_cast<std::size_t>(n));
    }
    if (c.epollout) watch_out(c, false);
    if (c.out.capacity() > kReadChunk) string().swap(c.out);
    if (c.closing) close_now(c);
  }

  void watch_out(Conn& c, bool on) {
    c.epollout = on;
    epoll_event ev{EPOLLIN | EPOLLRDHUP | EPOLLET | (on ? EPOLLOUT : 0u), {.ptr = &c}};
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void close_now(Conn& c) {
    if (c.dead) return;
    detach(c);
    c.dead = true;
    ::close(c.fd);
    const auto it = conns_.find(&c);
    graveyard_.push_back(std::move(it->second));
    conns_.erase(it);
  }

  int epoll_;
  string secret_;
  std::unordered_map<Conn*, std::unique_ptr<Conn>> conns_;
  std::vector<std::unique_ptr<Conn>> graveyard_;  // closed in this batch: events may still name them
  std::vector<Conn*> dirty_;
  string tail_;  // the envelope's tail: the event's timestamp
  StringMap<std::unique_ptr<User>> users_;
  StringMap<User*> sessions_;  // sessionId -> the user that allowed it
};

int listen_on(const char* host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || ::inet_pton(AF_INET, host, &addr.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, SOMAXCONN) != 0)
    return -1;
  return fd;
}

}  // namespace

int main(int argc, char** argv) {
  const char* port_text = std::getenv("PORT");
  if (!port_text) port_text = argc > 1 ? argv[1] : "8002";
  char* port_end = nullptr;
  const long port = std::strtol(port_text, &port_end, 10);
  if (*port_text == '\0' || *port_end != '\0' || port < 0 || port > 65535) {
    std::fprintf(stderr, "glasshub-floor-relay: bad port %s\n", port_text);
    return 2;
  }
  const char* host = std::getenv("HOST");
  if (!host || !*host) host = "127.0.0.1";
  const char* secret = std::getenv("JWT_SECRET");
  if (!secret || !*secret) secret = "glasshub-bench-secret";

  const int listener = listen_on(host, static_cast<int>(port));
  if (listener < 0) {
    std::fprintf(stderr, "glasshub-floor-relay: cannot listen on %s:%ld: %s\n", host, port,
                 std::strerror(errno));
    return 1;
  }
  // SIGTERM and SIGINT end the loop (exit status 0, as the load generator checks).
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  ::sigprocmask(SIG_BLOCK, &stop, nullptr);
  const int signals = ::signalfd(-1, &stop, SFD_NONBLOCK | SFD_CLOEXEC);
  const int epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{EPOLLIN | EPOLLET, {.ptr = nullptr}};
  epoll_event sev{EPOLLIN, {.ptr = &stop}};
  if (signals < 0 || epoll_fd < 0 || ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &lev) != 0 ||
      ::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, signals, &sev) != 0) {
    std::fprintf(stderr, "glasshub-floor-relay: epoll: %s\n", std::strerror(errno));
    return 1;
  }

  sockaddr_in bound{};
  socklen_t bound_size = sizeof bound;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&bound), &bound_size);
  std::printf("floor listening on %s:%u\n", host, static_cast<unsigned>(ntohs(bound.sin_port)));
  std::fflush(stdout);  // stdout is a file under the load generator

  Relay relay(epoll_fd, secret);
  std::vector<epoll_event> events(1024);
  for (;;) {
    const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) return 1;
    for (int i = 0; i < n; ++i) {
      void* const who = events[static_cast<std::size_t>(i)].data.ptr;
      if (who == &stop) return 0;
      if (!who)
        relay.accept_all(listener);
      else
        relay.on_event(*static_cast<Conn*>(who), events[static_cast<std::size_t>(i)].events);
    }
    relay.end_batch();
  }
}
