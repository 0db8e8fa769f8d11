#include "socket_strand.hpp"

namespace glasshub::host {

namespace net = boost::asio;

socket_strand strand_of(net::ip::tcp::socket& socket) {
  const auto executor = socket.get_executor();
  if (const auto* strand = executor.target<socket_strand>()) return *strand;
  // Not accepted on a strand of ours: a new one on the same io_context.
  return net::make_strand(static_cast<net::io_context&>(net::query(executor, net::execution::context)));
}

}  // namespace glasshub::host
