// Small pieces of the wire format shared by core/ and host/: timestamps, ids, envelopes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace glasshub::core {

// "2026-03-19T10:00:00.123Z"
std::string iso_timestamp();
void append_iso_timestamp(std::string& out);
// `<first 8 chars of userId>-<base36 ms>-<6 random base36>` (protocol.md §12.1), held inline:
// one per received message, so making it must not allocate.
class CorrelationId {
 public:
  explicit CorrelationId(std::string_view user_id) noexcept;
  std::string_view view() const noexcept { return {data_, size_}; }

 private:
  char data_[32];  // 8 + 1 + 9 (base36 ms until 5188) + 1 + 6
  std::size_t size_ = 0;
};
// JSON string literal (with quotes) for `s`.
std::string json_quote(std::string_view s);
void append_json_quoted(std::string& out, std::string_view s);
// True when `s` quotes into JSON as it is (printable ASCII without '"' or '\\').
bool json_plain(std::string_view s) noexcept;
// {"type":"data_stream","sessionId":..,"streamType":..,"data":<data verbatim>,"timestamp":..}
std::string data_stream_envelope(std::string_view session_id, std::string_view stream_type,
                                 std::string_view data_json);
// Its two ends, which the relay builds once (the head per app and stream type, the tail per
// fan-out): {"type":"data_stream","sessionId":..,"streamType":..,"data": and
// ,"timestamp":"<timestamp, or now when empty>"}
void append_data_stream_head(std::string& out, std::string_view session_id,
                             std::string_view stream_type);
void append_data_stream_tail(std::string& out, std::string_view timestamp = {});
// {"type":"tpa_connection_error","code":..,"message":..[,"correlationId":..],"timestamp":..}
// (clients ignore fields they do not know; the id is left out when empty)
std::string app_error_frame(std::string_view code, std::string_view message,
                            std::string_view correlation_id = {});
// {"type":"connection_error","code":..,"message":..[,"correlationId":..],"timestamp":..}
// (to the phone)
std::string glasses_error_frame(std::string_view code, std::string_view message,
                                std::string_view correlation_id = {});

}  // namespace glasshub::core
