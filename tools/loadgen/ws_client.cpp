#include "ws_client.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

#include <chrono>

namespace glasshub::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

WsClient::WsClient(asio::io_context& ioc, WsClientListener& listener, int user, int app)
    : ws_(ioc), listener_(listener), user_(user), app_(app) {}

void WsClient::open(const asio::ip::tcp::endpoint& endpoint, const std::string& target) {
  host_ = endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  target_ = target;
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(ws_).async_connect(
      endpoint, beast::bind_front_handler(&WsClient::on_connect, shared_from_this()));
}

void WsClient::on_connect(const beast::error_code& ec) {
  if (ec) return fail("connect", ec);
  beast::error_code ignored;
  // Our frames leave at once: latency measures the host, not Nagle on our side.
  beast::get_lowest_layer(ws_).socket().set_option(asio::ip::tcp::no_delay(true), ignored);
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws_.secure_prng(false);  // masking keys need no cryptographic randomness on loopback
  ws_.auto_fragment(false);
  ws_.async_handshake(host_, target_,
                      beast::bind_front_handler(&WsClient::on_handshake, shared_from_this()));
}

void WsClient::on_handshake(const beast::error_code& ec) {
  if (ec) return fail("upgrade", ec);
  if (done_) return;
  open_ = true;
  do_read();
  listener_.on_open(*this);
}

void WsClient::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&WsClient::on_read, shared_from_this()));
}

void WsClient::on_read(const beast::error_code& ec, std::size_t) {
  if (ec) return fail("read", ec);
  if (done_) return;
  const auto data = buffer_.data();
  listener_.on_message(*this, std::string_view(static_cast<const char*>(data.data()), data.size()),
                       ws_.got_binary());
  buffer_.consume(buffer_.size());
  if (!done_) do_read();
}

void WsClient::send(std::string text, bool binary) {
  if (done_ || !open_) return;
  queued_bytes_ += text.size();
  queue_.push_back({std::move(text), binary});
  if (!writing_) do_write();
}

void WsClient::do_write() {
  writing_ = true;
  ws_.binary(queue_.front().binary);
  ws_.async_write(asio::buffer(queue_.front().bytes),
                  beast::bind_front_handler(&WsClient::on_write, shared_from_this()));
}

void WsClient::on_write(const beast::error_code& ec, std::size_t) {
  writing_ = false;
  if (ec) return fail("write", ec);
  queued_bytes_ -= queue_.front().bytes.size();
  queue_.pop_front();
  if (!done_ && !queue_.empty()) do_write();
}

void WsClient::close() {
  done_ = true;
  open_ = false;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

void WsClient::fail(std::string_view stage, const beast::error_code& ec) {
  if (done_) return;
  done_ = true;
  open_ = false;
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().close(ignored);
  std::string message = ec.message();
  if (ec == websocket::error::closed) {
    const auto& reason = ws_.reason();
    message = "closed by the host with " + std::to_string(reason.code) +
              (reason.reason.empty()
                   ? std::string()
                   : " (" + std::string(reason.reason.data(), reason.reason.size()) + ")");
  }
  listener_.on_failed(*this, stage, std::move(message));
}

}  // namespace glasshub::loadgen
