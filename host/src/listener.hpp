// Accepts TCP connections, each on its own strand, and starts an http_session for each; every
// upgrade of them goes through one admission (limits.*).
#pragma once

#include "admission.hpp"
#include "http_message.hpp"

#include <glasshub/core/hub.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>

namespace glasshub::host {

class listener : public std::enable_shared_from_this<listener> {
 public:
  // What a listener's connections may ask for.
  enum class role { main, metrics_only };

  // Binds and listens at once; throws boost::system::system_error when it cannot.
  listener(net::io_context& ioc, const tcp::endpoint& endpoint, core::Hub& hub, role r);

  tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }
  void run();
  // Stops accepting. Thread-safe.
  void stop();

 private:
  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);

  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  core::Hub& hub_;
  std::shared_ptr<admission> admission_;
  const role role_;
};

}  // namespace glasshub::host
