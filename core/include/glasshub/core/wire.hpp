// Small pieces of the wire format shared by core/ and host/: timestamps, ids, envelopes.
#pragma once

#include <string>
#include <string_view>

namespace glasshub::core {

// "2026-03-19T10:00:00.123Z"
std::string iso_timestamp();
void append_iso_timestamp(std::string& out);
// `<first 8 chars of userId>-<base36 ms>-<6 random base36>` (protocol.md §12.1).
std::string make_correlation_id(std::string_view user_id);
// JSON string literal (with quotes) for `s`.
std::string json_quote(std::string_view s);
void append_json_quoted(std::string& out, std::string_view s);
// {"type":"data_stream","sessionId":..,"streamType":..,"data":<data verbatim>,"timestamp":..}
std::string data_stream_envelope(std::string_view session_id, std::string_view stream_type,
                                 std::string_view data_json);
// The same, appended to `out` (the relay reuses one buffer per thread).
void append_data_stream_envelope(std::string& out, std::string_view session_id,
                                 std::string_view stream_type, std::string_view data_json);
// {"type":"tpa_connection_error","code":..,"message":..,"timestamp":..}
std::string app_error_frame(std::string_view code, std::string_view message);
// {"type":"connection_error","code":..,"message":..,"timestamp":..} (to the phone)
std::string glasses_error_frame(std::string_view code, std::string_view message);

}  // namespace glasshub::core
