#include "client_io/http1.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <strings.h>

namespace glasshub::client_io {

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string request_text(std::string_view method, std::string_view target, const Fields& fields,
                         std::string_view body) {
  Fields merged;
  for (const auto& field : fields) {
    const auto same = std::find_if(merged.begin(), merged.end(), [&](const auto& f) {
      return ::strcasecmp(f.first.c_str(), field.first.c_str()) == 0;
    });
    if (same != merged.end()) same->second = field.second;
    else merged.push_back(field);
  }
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\n");
  for (const auto& [name, value] : merged) out += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PUT" || method == "OPTIONS")
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out.append(body);
  return out;
}

namespace {

// A whole number in `text` (decimal or hex); a malformed answer's error otherwise.
std::size_t parse_number(std::string_view text, int base, const char* what) {
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    throw std::runtime_error(std::string("bad ") + what + ": " + std::string(text));
  return value;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads until `buffer` holds at least `size` bytes; false at the deadline.
bool fill(TcpClient& socket, std::string& buffer, std::size_t size, Clock::time_point deadline) {
  while (buffer.size() < size) {
    const auto r = socket.read_some(buffer, deadline);
    if (r == TcpClient::Read::timeout) return false;
    if (r == TcpClient::Read::end) throw std::runtime_error("end of stream inside a response");
  }
  return true;
}

// The end of the line starting at `at` (the position of its CRLF); false at the deadline.
bool find_line(TcpClient& socket, std::string& buffer, std::size_t at, std::size_t& crlf,
               Clock::time_point deadline) {
  while ((crlf = buffer.find("\r\n", at)) == std::string::npos) {
    if (!fill(socket, buffer, buffer.size() + 1, deadline)) return false;
  }
  return true;
}

}  // namespace

std::optional<Response> read_response(TcpClient& socket, std::string& buffer,
                                      Clock::time_point deadline, bool head_request) {
  Response out;
  std::size_t end;
  while (true) {
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      const auto r = socket.read_some(buffer, deadline);
      if (r == TcpClient::Read::timeout) return std::nullopt;
      if (r == TcpClient::Read::end)
        throw std::runtime_error(buffer.empty() ? "end of stream before a response"
                                                : "end of stream inside a response");
    }
    const std::string_view head(buffer.data(), end);
    const auto line_end = std::min(head.find("\r\n"), head.size());
    const std::string_view status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12)
      throw std::runtime_error("not an HTTP/1.1 response: " + std::string(status_line));
    out.status = static_cast<int>(parse_number(status_line.substr(9, 3), 10, "status line"));
    out.reason = std::string(trim(status_line.substr(12)));
    out.headers.clear();
    for (std::size_t at = line_end + 2; at < head.size();) {
      const auto next = std::min(head.find("\r\n", at), head.size());
      const std::string_view line = head.substr(at, next - at);
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) throw std::runtime_error("bad header line: " + std::string(line));
      out.headers[lowercase(std::string(line.substr(0, colon)))] =
          std::string(trim(line.substr(colon + 1)));
      at = next + 2;
    }
    buffer.erase(0, end + 4);
    if (out.status != 100) break;  // 100 Continue: the real answer follows
  }

  const bool no_body = head_request || (out.status >= 100 && out.status < 200) ||
                       out.status == 204 || out.status == 304;
  if (no_body) return out;
  const auto encoding = out.headers.find("transfer-encoding");
  const auto length = out.headers.find("content-length");
  if (encoding != out.headers.end() && lowercase(encoding->second).find("chunked") != std::string::npos) {
    std::size_t at = 0;
    while (true) {
      std::size_t crlf;
      if (!find_line(socket, buffer, at, crlf, deadline)) return std::nullopt;
      const auto line = std::string_view(buffer).substr(at, crlf - at);
      const std::size_t size = parse_number(line.substr(0, line.find(';')), 16, "chunk size");
      at = crlf + 2;
      if (size == 0) {  // trailers, then an empty line
        while (true) {
          if (!find_line(socket, buffer, at, crlf, deadline)) return std::nullopt;
          const bool last = crlf == at;
          at = crlf + 2;
          if (last) break;
        }
        break;
      }
      if (!fill(socket, buffer, at + size + 2, deadline)) return std::nullopt;
      out.body.append(buffer, at, size);
      at += size + 2;
    }
    buffer.erase(0, at);
  } else if (length != out.headers.end()) {
    const std::size_t size = parse_number(length->second, 10, "Content-Length");
    if (!fill(socket, buffer, size, deadline)) return std::nullopt;
    out.body = buffer.substr(0, size);
    buffer.erase(0, size);
  } else {  // the body ends with the stream
    while (true) {
      const auto r = socket.read_some(buffer, deadline);
      if (r == TcpClient::Read::timeout) return std::nullopt;
      if (r == TcpClient::Read::end) break;
    }
    out.body = std::move(buffer);
    buffer.clear();
  }
  return out;
}

}  // namespace glasshub::client_io
