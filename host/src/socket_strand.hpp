// The socket and timer types of a WebSocket, bound to a typed strand: an any_io_executor is 56
// bytes, held by every socket, timer and pending operation; this strand is 16.
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>

namespace glasshub::host {

using socket_strand = boost::asio::strand<boost::asio::io_context::executor_type>;
using strand_socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, socket_strand>;
using strand_timer =
    boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                      boost::asio::wait_traits<std::chrono::steady_clock>,
                                      socket_strand>;

// `socket` (nothing pending on it) moved onto `strand`: the same descriptor, registered anew.
strand_socket rebind(boost::asio::ip::tcp::socket&& socket, const socket_strand& strand);

// The strand the listener gave `socket` (each accepted socket gets its own).
socket_strand strand_of(boost::asio::ip::tcp::socket& socket);

}  // namespace glasshub::host
