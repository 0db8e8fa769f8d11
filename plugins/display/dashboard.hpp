// The dashboard view of one user (protocol.md §8.3): the system dashboard's four sections, each
// app's content per mode, the current mode and the rotation of the apps' main contents. Pure
// state and rendering; the plugin decides when to send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace glasshub::display {

class Dashboard {
 public:
  // "main" (initial) or "expanded".
  const std::string& mode() const noexcept { return mode_; }
  // False for an unknown mode (left unchanged).
  bool set_mode(std::string_view mode);
  // topLeft | topRight | bottomLeft | bottomRight; false for another section.
  bool set_section(std::string_view section, std::string_view content);
  // The app's content for `mode` ("main" / "expanded"); becomes the newest. False for another mode.
  bool set_content(std::string_view package, std::string_view mode, std::string_view content);
  // Forget the app's contents; true when it had any.
  bool remove_app(std::string_view package);
  // head_position up: the next app's main content (newest first, wrapping). True when the main
  // view has content to rotate.
  bool rotate();
  bool has_main_content() const noexcept { return !main_.empty(); }

  // The layout object of the current mode, as compact JSON:
  //   main:     double_text_wall, topText = topLeft (+ "\n" + bottomLeft), bottomText = topRight +
  //             "\n" + bottomRight (+ "\n\n" + one app's main content, rotated newest first);
  //   expanded: text_wall "<topLeft> | <topRight>\n<newest expanded content>".
  std::string layout_json() const;

 private:
  struct Content {
    std::string package;
    std::string text;
    uint64_t order = 0;  // larger = newer
  };
  static bool put(std::vector<Content>& list, std::string_view package, std::string_view text,
                  uint64_t order);
  // Newest first.
  static std::vector<const Content*> newest_first(const std::vector<Content>& list);

  std::string mode_ = "main";
  std::string top_left_, top_right_, bottom_left_, bottom_right_;
  std::vector<Content> main_, expanded_;
  uint64_t next_order_ = 0;
  size_t rotation_ = 0;
};

}  // namespace glasshub::display
