#include "server.hpp"

#include "listener.hpp"
#include "ws_connection.hpp"

#include <boost/asio/strand.hpp>
#include <glasshub/core/live_settings.hpp>
#include <glasshub/core/log.hpp>
#include <nlohmann/json.hpp>

#include <csignal>
#include <string>
#include <thread>
#include <vector>

namespace glasshub::host {

namespace {

constexpr auto drain_poll = std::chrono::milliseconds(20);

tcp::endpoint resolve(net::io_context& ioc, const std::string& host, uint16_t port) {
  tcp::resolver resolver(ioc);
  const auto results = resolver.resolve(host, std::to_string(port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service);
  return results.begin()->endpoint();
}

}  // namespace

server::server(net::io_context& ioc, core::Hub& hub)
    : ioc_(ioc),
      hub_(hub),
      listener_(std::make_shared<listener>(
          ioc, resolve(ioc, hub.config().server.host, hub.config().server.port), hub,
          listener::role::main)),
      signals_(net::make_strand(ioc), SIGINT, SIGTERM),
      reload_signals_(net::make_strand(ioc), SIGHUP),
      drain_timer_(signals_.get_executor()) {
  const auto& config = hub.config().server;
  if (config.metrics_port != 0)
    metrics_listener_ = std::make_shared<listener>(
        ioc, resolve(ioc, config.host, config.metrics_port), hub, listener::role::metrics_only);
}

server::~server() = default;

uint16_t server::port() const { return listener_->local_endpoint().port(); }

uint16_t server::metrics_port() const {
  return metrics_listener_ ? metrics_listener_->local_endpoint().port() : 0;
}

void server::run(unsigned threads) {
  listener_->run();
  if (metrics_listener_) metrics_listener_->run();
  signals_.async_wait([this](const beast::error_code& ec, int signal) { on_signal(ec, signal); });
  await_reload_signal();
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([this] { run_io(); });
  run_io();
  for (std::thread& thread : pool) thread.join();
}

void server::run_io() {
  for (;;) {
    try {
      ioc_.run();
      return;
    } catch (const std::exception& e) {
      // One failed handler loses its own connection, not the whole host.
      core::log_line(spdlog::level::err, "handler_exception",
                     std::string("unhandled exception in a handler: ") + e.what());
    }
  }
}

void server::await_reload_signal() {
  reload_signals_.async_wait([this](const beast::error_code& ec, int) {
    if (ec || draining_) return;
    core::log_line(spdlog::level::info, "reload", "SIGHUP: reloading config and manifest");
    hub_.reload();  // logs its outcome
    await_reload_signal();
  });
}

void server::on_signal(const beast::error_code& ec, int signal) {
  if (ec) return;
  if (draining_) {
    core::log_line(spdlog::level::warn, "shutdown",
                   "signal " + std::to_string(signal) + " during shutdown: stopping now");
    return ioc_.stop();
  }
  draining_ = true;
  reload_signals_.cancel();
  core::log_line(spdlog::level::info, "shutdown",
                 "signal " + std::to_string(signal) + ": closing every socket");
  listener_->stop();
  if (metrics_listener_) metrics_listener_->stop();
  hub_.drain();
  ws_connection::close_all(1001, "Server shutting down");  // e.g. app sockets before their init
  drain_deadline_ = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(core::live_settings.server.drain_timeout_ms());
  signals_.async_wait([this](const beast::error_code& ec2, int sig) { on_signal(ec2, sig); });
  wait_for_sockets();
}

void server::wait_for_sockets() {
  const std::size_t open = ws_connection::open_count();
  if (open == 0 || std::chrono::steady_clock::now() >= drain_deadline_) {
    if (open > 0)
      core::log_line(spdlog::level::warn, "shutdown",
                     std::to_string(open) + " sockets still open after the grace period");
    return ioc_.stop();
  }
  drain_timer_.expires_after(drain_poll);
  drain_timer_.async_wait([this](const beast::error_code& ec) {
    if (!ec) wait_for_sockets();
  });
}

}  // namespace glasshub::host
