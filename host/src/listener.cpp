#include "listener.hpp"

#include "http_session.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <glasshub/core/log.hpp>

#include <chrono>

namespace glasshub::host {

listener::listener(net::io_context& ioc, const tcp::endpoint& endpoint, core::Hub& hub, role r)
    : acceptor_(net::make_strand(ioc)),
      retry_(acceptor_.get_executor()),
      hub_(hub),
      admission_(std::make_shared<admission>()),
      role_(r) {
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(net::socket_base::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen(net::socket_base::max_listen_connections);
}

void listener::run() { do_accept(); }

void listener::stop() {
  net::post(acceptor_.get_executor(), [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor_.close(ignored);
    self->retry_.cancel();
  });
}

void listener::do_accept() {
  // Each connection runs on a strand (one of the hub's pool): its handlers never run concurrently.
  acceptor_.async_accept(hub_.accept_strand(),
                         beast::bind_front_handler(&listener::on_accept, shared_from_this()));
}

void listener::on_accept(beast::error_code ec, tcp::socket socket) {
  if (!acceptor_.is_open()) return;
  if (ec) {
    // Usually out of file descriptors: accepting again at once would spin.
    core::log_line(spdlog::level::warn, "accept_failed", ec.message());
    retry_.expires_after(std::chrono::milliseconds(100));
    retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
      if (!wait_ec) self->do_accept();
    });
    return;
  }
  std::make_shared<http_session>(std::move(socket), hub_, admission_,
                                 role_ == role::metrics_only)
      ->run();
  do_accept();
}

}  // namespace glasshub::host
