#include "support/ws_client.hpp"

#include "client_io/http1.hpp"
#include "client_io/tcp_client.hpp"

#include <openssl/evp.h>

#include <array>
#include <random>

namespace glasshub::test {

using client_io::Clock;
using client_io::TcpClient;

namespace {

// Per thread: several threads drive their own clients at once (faults_test, under TSan too).
std::mt19937& rng() {
  thread_local std::mt19937 generator{std::random_device{}()};
  return generator;
}

std::array<char, 4> random_mask() {
  const uint32_t key = rng()();
  return {static_cast<char>(key), static_cast<char>(key >> 8), static_cast<char>(key >> 16),
          static_cast<char>(key >> 24)};
}

// Sec-WebSocket-Key: 16 random bytes, base64.
std::string random_key() {
  std::array<unsigned char, 16> bytes{};
  for (auto& b : bytes) b = static_cast<unsigned char>(rng()());
  std::array<unsigned char, 25> b64{};
  const int n = EVP_EncodeBlock(b64.data(), bytes.data(), static_cast<int>(bytes.size()));
  return std::string(reinterpret_cast<const char*>(b64.data()), static_cast<std::size_t>(n));
}

}  // namespace

// RFC 6455's client side on a blocking socket: every wait ends at the call's deadline, and bytes
// read but not yet parsed stay in `in` for the next call, so no frame is lost between calls.
// Pings are answered and the peer's close is echoed while reading, as a browser does.
struct WsClient::Impl {
  TcpClient socket;
  bool upgraded = false;
  std::string in;       // received, not yet parsed (a frame straddling reads)
  std::string message;  // fragments of a message being assembled
  bool message_open = false;
  bool message_binary = false;
  std::optional<CloseInfo> peer_close;  // its close frame arrived; the end of the stream follows
  bool close_sent = false;
  std::optional<CloseInfo> closed;
  std::vector<ControlFrame> controls;
  client_io::TcpOptions options;

  void finish(CloseInfo info) {
    closed = std::move(info);
    socket.close();
  }

  // Writes `bytes`; throws TimeoutError after 5 s, ClosedError when the socket fails.
  void write_all(std::string_view bytes) {
    try {
      if (!socket.write_all(bytes, Clock::now() + std::chrono::seconds(5)))
        throw TimeoutError("WsClient: write did not complete within 5 s");
    } catch (const TimeoutError&) {
      throw;
    } catch (const std::runtime_error& e) {
      throw ClosedError(std::string("WsClient: write failed: ") + e.what());
    }
  }

  // One frame of ours, best effort (the peer may be gone already).
  void send_control(Opcode opcode, std::string_view payload) {
    std::string frame;
    rfc6455::append_frame(frame, payload, opcode, true, random_mask());
    try {
      socket.write_all(frame, Clock::now() + std::chrono::seconds(1));
    } catch (const std::runtime_error&) {
    }
  }

  // Reads what arrives into `in`; at the end of the stream (or a failure) the client is closed.
  // False when nothing arrived before the deadline.
  bool receive(Clock::time_point deadline) {
    try {
      const auto r = socket.read_some(in, deadline);
      if (r == TcpClient::Read::timeout) return false;
      if (r == TcpClient::Read::end) finish(peer_close.value_or(CloseInfo{1006, "end of stream"}));
    } catch (const std::runtime_error& e) {
      finish(peer_close.value_or(CloseInfo{1006, e.what()}));
    }
    return true;
  }

  // A frame the host may not send: answered with 1002, and the client is closed.
  void violation(const std::string& what) {
    send_control(Opcode::close, std::string{'\x03', '\xEA'});
    finish(CloseInfo{1006, "protocol violation by the host: " + what});
  }

  // Takes the next whole frame out of `in`: a finished message lands in `ready`, control frames
  // are handled here. False when `in` holds no whole frame.
  bool parse_one(std::optional<WsFrame>& ready) {
    const auto h = rfc6455::parse_header(in);
    if (!h || in.size() - h->header_size < h->payload_size) return false;
    std::string payload = in.substr(h->header_size, h->payload_size);
    in.erase(0, h->header_size + h->payload_size);
    if (peer_close) return true;  // nothing follows a close frame
    if (h->masked) return violation("a masked frame"), true;
    if (h->rsv != 0) return violation("a reserved bit"), true;
    const auto opcode = static_cast<Opcode>(h->opcode);
    switch (opcode) {
      case Opcode::ping:
      case Opcode::pong:
      case Opcode::close: {
        if (!h->fin || payload.size() > 125) return violation("a bad control frame"), true;
        const auto kind = opcode == Opcode::ping   ? ControlFrame::Kind::ping
                          : opcode == Opcode::pong ? ControlFrame::Kind::pong
                                                   : ControlFrame::Kind::close;
        if (opcode != Opcode::close) {
          controls.push_back(ControlFrame{kind, payload, Clock::now()});
          if (opcode == Opcode::ping) send_control(Opcode::pong, payload);
          return true;
        }
        const auto c = rfc6455::parse_close(payload);
        controls.push_back(ControlFrame{kind, std::string(c.reason), Clock::now()});
        peer_close = CloseInfo{c.code, std::string(c.reason)};
        if (!close_sent) send_control(Opcode::close, payload.substr(0, payload.empty() ? 0 : 2));
        close_sent = true;
        return true;
      }
      case Opcode::text:
      case Opcode::binary:
        if (message_open) return violation("a new message inside a fragmented one"), true;
        message_binary = opcode == Opcode::binary;
        message = std::move(payload);
        break;
      case Opcode::continuation:
        if (!message_open) return violation("a continuation with no message open"), true;
        message += payload;
        break;
      default:
        return violation("opcode " + std::to_string(h->opcode)), true;
    }
    message_open = !h->fin;
    if (h->fin) ready = WsFrame{message_binary, std::move(message)};
    return true;
  }

  // The next whole message; nullopt when the socket closed (`closed` set) or the deadline passed.
  std::optional<WsFrame> next(Clock::time_point deadline) {
    if (!upgraded) return std::nullopt;
    while (!closed) {
      std::optional<WsFrame> ready;
      while (!closed && parse_one(ready)) {
        if (ready) return ready;
      }
      if (!closed && !receive(deadline)) return std::nullopt;
    }
    return std::nullopt;
  }

  void write(std::string_view bytes, Opcode opcode) {
    if (!upgraded) throw std::logic_error("WsClient: send before a successful connect");
    if (closed) throw ClosedError("WsClient: send on a closed socket (" + closed->reason + ")");
    std::string frame;
    rfc6455::append_frame(frame, bytes, opcode, true, random_mask());
    write_all(frame);
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;

UpgradeResult WsClient::connect(uint16_t port, const std::string& target, const Headers& headers,
                                milliseconds timeout) {
  auto& s = *impl_;
  if (s.upgraded) throw std::logic_error("WsClient: connect on a client that is connected");
  const auto deadline = Clock::now() + timeout;
  const std::string host = "127.0.0.1:" + std::to_string(port);
  const std::string key = random_key();
  client_io::Fields fields{{"User-Agent", "glasshub-tests"}};
  fields.insert(fields.end(), headers.begin(), headers.end());
  s.in.clear();
  std::optional<client_io::Response> answer;
  try {
    if (s.socket.connect("127.0.0.1", port, deadline, s.options) &&
        s.socket.write_all(rfc6455::upgrade_request(host, target, key, fields), deadline))
      answer = client_io::read_response(s.socket, s.in, deadline);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("WsClient: connect to " + host + target + " failed: " + e.what());
  }
  if (!answer) throw TimeoutError("WsClient: handshake on " + target + " timed out");

  UpgradeResult out;
  out.status = answer->status;
  if (answer->status != 101) {  // refused with an HTTP answer
    out.body = std::move(answer->body);
    s.socket.close();
    return out;
  }
  const auto header = [&](const char* name) {
    const auto it = answer->headers.find(name);
    return it == answer->headers.end() ? std::string() : it->second;
  };
  if (client_io::lowercase(header("upgrade")) != "websocket" ||
      client_io::lowercase(header("connection")).find("upgrade") == std::string::npos)
    throw std::runtime_error("WsClient: " + host + target + " answered 101 without upgrading");
  if (header("sec-websocket-accept") != rfc6455::accept_key(key))
    throw std::runtime_error("WsClient: " + host + target + " answered a wrong Sec-WebSocket-Accept");
  s.upgraded = true;  // frames sent right behind the 101 stay in `in`
  out.upgraded = true;
  // Back-to-back small messages leave at once instead of waiting for the previous one's ACK.
  s.socket.set_no_delay();
  return out;
}

void WsClient::send_text(std::string_view text) { impl_->write(text, Opcode::text); }
void WsClient::send_json(const nlohmann::json& message) { impl_->write(message.dump(), Opcode::text); }
void WsClient::send_binary(std::string_view bytes) { impl_->write(bytes, Opcode::binary); }

std::optional<WsFrame> WsClient::read_frame(milliseconds timeout) {
  auto& s = *impl_;
  if (auto frame = s.next(Clock::now() + timeout)) return frame;
  if (s.closed) {
    throw ClosedError("WsClient: socket closed (code " + std::to_string(s.closed->code) + ", " +
                      s.closed->reason + ")");
  }
  return std::nullopt;
}

nlohmann::json WsClient::read_json(milliseconds timeout) {
  auto frame = read_frame(timeout);
  if (!frame) {
    throw TimeoutError("WsClient: no message within " + std::to_string(timeout.count()) + " ms");
  }
  if (frame->binary) throw std::runtime_error("WsClient: expected JSON, got a binary frame");
  auto parsed = nlohmann::json::parse(frame->data, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw std::runtime_error("WsClient: not JSON: " + frame->data);
  return parsed;
}

std::optional<nlohmann::json> WsClient::next_message(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    auto frame = read_frame(left);
    if (!frame) return std::nullopt;
    if (frame->binary) return nlohmann::json{{"binary", frame->data.size()}};
    auto parsed = nlohmann::json::parse(frame->data, nullptr, false);
    if (parsed.is_discarded()) throw std::runtime_error("WsClient: not JSON: " + frame->data);
    if (parsed.is_object() && parsed.value("type", "") == "ping") continue;
    return parsed;
  }
}

nlohmann::json WsClient::read_until_type(std::string_view type, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string skipped;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    std::optional<nlohmann::json> message;
    if (left.count() > 0) message = next_message(left);
    if (!message) {
      throw TimeoutError("WsClient: no \"" + std::string(type) + "\" within " +
                         std::to_string(timeout.count()) + " ms" +
                         (skipped.empty() ? std::string() : "; skipped: " + skipped));
    }
    if (message->is_object() && message->value("type", "") == type) return *message;
    skipped += message->dump() + " ";
  }
}

std::vector<nlohmann::json> WsClient::collect_for(milliseconds window) {
  std::vector<nlohmann::json> out;
  const auto deadline = Clock::now() + window;
  while (true) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return out;
    auto message = next_message(left);
    if (!message) return out;
    out.push_back(std::move(*message));
  }
}

CloseInfo WsClient::expect_closed(milliseconds timeout) {
  auto& s = *impl_;
  const auto deadline = Clock::now() + timeout;
  while (!s.closed) {
    if (!s.next(deadline) && !s.closed) {
      throw TimeoutError("WsClient: socket still open after " + std::to_string(timeout.count()) +
                         " ms");
    }
  }
  return *s.closed;
}

void WsClient::close(uint16_t code) {
  auto& s = *impl_;
  if (!s.upgraded || s.closed) return;
  if (!s.close_sent) {
    s.send_control(Opcode::close, std::string{static_cast<char>(code >> 8), static_cast<char>(code)});
    s.close_sent = true;
  }
  // Messages still in flight are dropped until the peer's close and its end of the stream.
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  while (!s.closed && s.next(deadline)) {
  }
  if (!s.closed) s.finish(CloseInfo{code, "closed by client"});
}

void WsClient::reset() {
  auto& s = *impl_;
  if (!s.upgraded || s.closed) return;
  s.socket.close(/*reset=*/true);
  s.closed = CloseInfo{1006, "reset by client"};
}

bool WsClient::is_open() const { return impl_ && impl_->upgraded && !impl_->closed; }

const std::vector<ControlFrame>& WsClient::control_frames() const { return impl_->controls; }

std::size_t WsClient::pings_received() const {
  std::size_t n = 0;
  for (const auto& c : impl_->controls) n += c.kind == ControlFrame::Kind::ping;
  return n;
}

void WsClient::set_receive_buffer(int bytes) { impl_->options.receive_buffer = bytes; }
void WsClient::set_max_segment(int bytes) { impl_->options.max_segment = bytes; }

void WsClient::send_raw(std::string_view bytes) {
  auto& s = *impl_;
  if (!s.upgraded) throw std::logic_error("WsClient: send_raw before a successful connect");
  if (!s.socket.is_open()) throw ClosedError("WsClient: raw write on a closed socket");
  s.write_all(bytes);
}

std::string client_frame(std::string_view payload, Opcode opcode, bool fin) {
  std::string out;
  rfc6455::append_frame(out, payload, opcode, fin, random_mask());
  return out;
}

void send_burst(WsClient& client, std::string_view text, int n) {
  std::string bytes;
  for (int i = 0; i < n; ++i) bytes += client_frame(text);
  client.send_raw(bytes);
}

WsClient connect_phone(uint16_t port, const std::string& token) {
  WsClient client;
  auto result = client.connect(port, "/glasses-ws", {bearer(token)});
  if (!result.upgraded) {
    throw std::runtime_error("phone refused on /glasses-ws: HTTP " + std::to_string(result.status) +
                             " " + result.body);
  }
  client.read_until_type("connection_ack");
  return client;
}

}  // namespace glasshub::test
