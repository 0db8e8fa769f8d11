// The running host: listener, io_context threads, graceful shutdown on SIGINT/SIGTERM and live
// reload on SIGHUP.
#pragma once

#include <glasshub/core/hub.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace glasshub::host {

class listener;

class server {
 public:
  // Binds the hub's server.host:server.port; throws boost::system::system_error when it cannot.
  server(boost::asio::io_context& ioc, core::Hub& hub);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // The bound port: the OS's choice when the config asks for 0.
  uint16_t port() const;
  // The internal /metrics port (server.metricsPort), or 0 when /metrics is on the main port.
  uint16_t metrics_port() const;

  // Serves on `threads` threads, the caller's included, until SIGINT or SIGTERM; then stops
  // accepting, has the hub close every socket, and returns once they are closed or after
  // server.drainTimeoutMs.
  void run(unsigned threads);

 private:
  void run_io();
  void on_signal(const boost::system::error_code& ec, int signal);
  void await_reload_signal();
  void wait_for_sockets();

  boost::asio::io_context& ioc_;
  core::Hub& hub_;
  std::shared_ptr<listener> listener_;
  std::shared_ptr<listener> metrics_listener_;  // null unless server.metricsPort is set
  boost::asio::signal_set signals_;
  boost::asio::signal_set reload_signals_;  // SIGHUP
  boost::asio::steady_timer drain_timer_;  // on the signals' strand
  std::chrono::steady_clock::time_point drain_deadline_;
  bool draining_ = false;
};

}  // namespace glasshub::host
