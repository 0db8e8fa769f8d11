#include "relay_scan.hpp"

#include <nlohmann/json.hpp>

#include <string>

namespace glasshub::core {

std::string_view peek_type(std::string_view frame) noexcept {
  constexpr std::string_view prefix = R"({"type":")";
  if (!frame.starts_with(prefix)) return {};
  const std::size_t end = frame.find_first_of("\"\\", prefix.size());
  if (end == std::string_view::npos || frame[end] != '"') return {};
  return frame.substr(prefix.size(), end - prefix.size());
}

namespace {

// SAX events of nlohmann's (iterative) parser: depth and the top-level "type", nothing stored.
class TypeScan final : public nlohmann::json_sax<nlohmann::json> {
 public:
  TypeScan(std::string_view type, std::size_t max_depth) : type_(type), max_depth_(max_depth) {}
  bool matched() const noexcept { return type_seen_ && type_matches_; }

  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool binary(binary_t&) override { return false; }
  bool string(string_t& s) override {
    if (depth_ == 1 && at_type_) {
      at_type_ = false;
      type_seen_ = true;
      type_matches_ = s == type_;
    }
    return true;
  }
  bool start_object(std::size_t) override { return open(); }
  bool start_array(std::size_t) override {
    if (depth_ == 0) return false;  // the message must be an object
    return open();
  }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) at_type_ = k == "type";
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool value() {
    if (depth_ == 0) return false;  // a bare scalar is not a message
    if (depth_ == 1 && at_type_) {  // "type" that is not a string
      at_type_ = false;
      type_seen_ = true;
      type_matches_ = false;
    }
    return true;
  }
  bool open() {
    if (depth_ == 1 && at_type_) {
      at_type_ = false;
      type_seen_ = true;
      type_matches_ = false;
    }
    return ++depth_ <= max_depth_;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::string_view type_;
  std::size_t max_depth_;
  std::size_t depth_ = 0;
  bool at_type_ = false;
  bool type_seen_ = false;
  bool type_matches_ = false;
};

}  // namespace

bool is_object_of_type(std::string_view frame, std::string_view type, std::size_t max_depth) {
  TypeScan scan(type, max_depth);
  const bool ok = nlohmann::json::sax_parse(frame, &scan, nlohmann::json::input_format_t::json,
                                            /*strict=*/true);
  return ok && scan.matched();
}

}  // namespace glasshub::core
