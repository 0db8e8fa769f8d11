// The strand type of a WebSocket's handlers and timers: typed, because an any_io_executor is 56
// bytes, held by every timer and pending operation; this strand is 16.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

namespace glasshub::host {

using socket_strand = boost::asio::strand<boost::asio::io_context::executor_type>;

// The strand the listener gave `socket` (each accepted socket gets one of the hub's pool).
socket_strand strand_of(boost::asio::ip::tcp::socket& socket);

}  // namespace glasshub::host
