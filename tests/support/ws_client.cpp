#include "support/ws_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <deque>
#include <random>

namespace glasshub::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Clock = std::chrono::steady_clock;

// All I/O is asynchronous on a private io_context that only runs inside our calls, with
// run_one_for() bounding each wait. A read that times out stays pending and is picked up by the
// next call, so no frame is ever lost between calls.
struct WsClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool upgraded = false;
  bool read_pending = false;
  std::deque<WsFrame> inbox;
  std::optional<CloseInfo> closed;
  std::vector<ControlFrame> controls;
  int receive_buffer = 0;
  int max_segment = 0;

  ~Impl() {
    // Abort pending operations and let their handlers run while everything is still alive.
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    ioc.restart();
    ioc.poll();
  }

  // Runs handlers until `done()` or the deadline; returns done().
  template <class Pred>
  bool run_until(Pred done, Clock::time_point deadline) {
    while (!done()) {
      const auto now = Clock::now();
      if (now >= deadline) return false;
      if (ioc.stopped()) ioc.restart();
      if (ioc.run_one_for(deadline - now) == 0 && ioc.stopped() && !done()) {
        return done();  // no work left: nothing more can happen
      }
    }
    return true;
  }

  void start_read() {
    if (read_pending || closed || !upgraded) return;
    read_pending = true;
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      read_pending = false;
      if (ec) {
        if (ec == websocket::error::closed) {
          closed = CloseInfo{static_cast<uint16_t>(ws.reason().code),
                             std::string(ws.reason().reason.data(), ws.reason().reason.size())};
        } else {
          closed = CloseInfo{1006, ec.message()};
        }
        return;
      }
      inbox.push_back(WsFrame{!ws.got_text(), beast::buffers_to_string(buffer.data())});
      buffer.consume(buffer.size());
    });
  }

  void write(std::string_view bytes, bool binary) {
    if (!upgraded) throw std::logic_error("WsClient: send before a successful connect");
    if (closed) throw ClosedError("WsClient: send on a closed socket (" + closed->reason + ")");
    ws.binary(binary);
    bool done = false;
    beast::error_code result;
    ws.async_write(asio::buffer(bytes.data(), bytes.size()), [&](beast::error_code ec, std::size_t) {
      result = ec;
      done = true;
    });
    if (!run_until([&] { return done; }, Clock::now() + std::chrono::seconds(5))) {
      throw TimeoutError("WsClient: write did not complete within 5 s");
    }
    if (result) throw ClosedError("WsClient: write failed: " + result.message());
  }
};

WsClient::WsClient() : impl_(std::make_unique<Impl>()) {}
WsClient::~WsClient() = default;
WsClient::WsClient(WsClient&&) noexcept = default;
WsClient& WsClient::operator=(WsClient&&) noexcept = default;

UpgradeResult WsClient::connect(uint16_t port, const std::string& target, const Headers& headers,
                                milliseconds timeout) {
  auto& s = *impl_;
  const auto deadline = Clock::now() + timeout;
  const asio::ip::tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port);

  s.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    req.set(beast::http::field::user_agent, "glasshub-tests");
    for (const auto& [name, value] : headers) req.set(name, value);
  }));

  s.ws.control_callback([&s](websocket::frame_type kind, beast::string_view payload) {
    const auto k = kind == websocket::frame_type::ping   ? ControlFrame::Kind::ping
                   : kind == websocket::frame_type::pong ? ControlFrame::Kind::pong
                                                         : ControlFrame::Kind::close;
    s.controls.push_back(
        ControlFrame{k, std::string(payload.data(), payload.size()), Clock::now()});
  });
  if (s.receive_buffer > 0 || s.max_segment > 0) {
    auto& socket = beast::get_lowest_layer(s.ws).socket();
    socket.open(asio::ip::tcp::v4());
    if (s.receive_buffer > 0)
      socket.set_option(asio::socket_base::receive_buffer_size(s.receive_buffer));
    if (s.max_segment > 0 && ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_MAXSEG,
                                          &s.max_segment, sizeof s.max_segment) != 0)
      throw std::runtime_error("WsClient: setsockopt(TCP_MAXSEG) failed");
  }

  websocket::response_type res;
  bool done = false;
  beast::error_code failure;
  beast::get_lowest_layer(s.ws).expires_after(timeout);
  beast::get_lowest_layer(s.ws).async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) {
      failure = ec;
      done = true;
      return;
    }
    s.ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), target,
                         [&](beast::error_code ec2) {
                           failure = ec2;
                           done = true;
                         });
  });
  if (!s.run_until([&] { return done; }, deadline + std::chrono::milliseconds(100))) {
    throw TimeoutError("WsClient: handshake on " + target + " timed out");
  }
  beast::get_lowest_layer(s.ws).expires_never();

  UpgradeResult out;
  out.status = static_cast<int>(res.result_int());
  out.body = res.body();
  if (!failure) {
    out.upgraded = true;
    s.upgraded = true;
    // Back-to-back small messages leave at once instead of waiting for the previous one's ACK.
    beast::error_code ignored;
    beast::get_lowest_layer(s.ws).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
    return out;
  }
  if (out.status != 0 && out.status != 101) return out;  // refused with an HTTP answer
  throw std::runtime_error("WsClient: connect to 127.0.0.1:" + std::to_string(port) + target +
                           " failed: " + failure.message());
}

void WsClient::send_text(std::string_view text) { impl_->write(text, false); }
void WsClient::send_json(const nlohmann::json& message) { impl_->write(message.dump(), false); }
void WsClient::send_binary(std::string_view bytes) { impl_->write(bytes, true); }

std::optional<WsFrame> WsClient::read_frame(milliseconds timeout) {
  auto& s = *impl_;
  const auto deadline = Clock::now() + timeout;
  if (s.inbox.empty()) {
    s.start_read();
    s.run_until([&] { return !s.inbox.empty() || s.closed.has_value(); }, deadline);
  }
  if (!s.inbox.empty()) {
    WsFrame frame = std::move(s.inbox.front());
    s.inbox.pop_front();
    return frame;
  }
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
    s.inbox.clear();
    s.start_read();
    if (!s.run_until([&] { return !s.inbox.empty() || s.closed.has_value(); }, deadline)) {
      throw TimeoutError("WsClient: socket still open after " + std::to_string(timeout.count()) +
                         " ms");
    }
  }
  return *s.closed;
}

void WsClient::close(uint16_t code) {
  auto& s = *impl_;
  if (!s.upgraded || s.closed) return;
  bool done = false;
  s.ws.async_close(websocket::close_reason(code), [&](beast::error_code) { done = true; });
  s.run_until([&] { return done && !s.read_pending; }, Clock::now() + std::chrono::seconds(1));
  if (!s.closed) s.closed = CloseInfo{code, "closed by client"};
}

void WsClient::reset() {
  auto& s = *impl_;
  if (!s.upgraded || s.closed) return;
  auto& socket = beast::get_lowest_layer(s.ws).socket();
  beast::error_code ignored;
  socket.set_option(asio::socket_base::linger(true, 0), ignored);  // close() then sends RST
  socket.close(ignored);
  s.ioc.restart();
  s.ioc.poll();  // the aborted read's handler runs now, while everything is alive
  s.closed = CloseInfo{1006, "reset by client"};
}

bool WsClient::is_open() const { return impl_ && impl_->upgraded && !impl_->closed; }

const std::vector<ControlFrame>& WsClient::control_frames() const { return impl_->controls; }

std::size_t WsClient::pings_received() const {
  std::size_t n = 0;
  for (const auto& c : impl_->controls) n += c.kind == ControlFrame::Kind::ping;
  return n;
}

void WsClient::set_receive_buffer(int bytes) { impl_->receive_buffer = bytes; }
void WsClient::set_max_segment(int bytes) { impl_->max_segment = bytes; }

void WsClient::send_raw(std::string_view bytes) {
  auto& s = *impl_;
  if (!s.upgraded) throw std::logic_error("WsClient: send_raw before a successful connect");
  auto& socket = beast::get_lowest_layer(s.ws).socket();
  std::size_t written = 0;
  while (written < bytes.size()) {  // one call, unless the kernel takes less (it does not here)
    beast::error_code ec;
    written += socket.write_some(asio::buffer(bytes.data() + written, bytes.size() - written), ec);
    if (ec) throw ClosedError("WsClient: raw write failed: " + ec.message());
  }
}

std::string client_frame(std::string_view payload, Opcode opcode, bool fin) {
  static std::mt19937 rng{std::random_device{}()};
  std::string out;
  out.push_back(static_cast<char>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(opcode)));
  const uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(0x80 | 126));
    for (int shift = 8; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  const uint32_t key = rng();
  char mask[4];
  for (int i = 0; i < 4; ++i) mask[i] = static_cast<char>(key >> (8 * i));
  out.append(mask, 4);
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
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
