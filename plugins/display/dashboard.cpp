#include "dashboard.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace glasshub::display {

bool Dashboard::set_mode(std::string_view mode) {
  if (mode != "main" && mode != "expanded") return false;
  mode_ = std::string(mode);
  return true;
}

bool Dashboard::set_section(std::string_view section, std::string_view content) {
  std::string* slot = section == "topLeft"       ? &top_left_
                      : section == "topRight"    ? &top_right_
                      : section == "bottomLeft"  ? &bottom_left_
                      : section == "bottomRight" ? &bottom_right_
                                                 : nullptr;
  if (!slot) return false;
  *slot = std::string(content);
  return true;
}

bool Dashboard::put(std::vector<Content>& list, std::string_view package, std::string_view text,
                    uint64_t order) {
  for (auto& c : list) {
    if (c.package == package) {
      c.text = std::string(text);
      c.order = order;
      return true;
    }
  }
  list.push_back(Content{std::string(package), std::string(text), order});
  return true;
}

bool Dashboard::set_content(std::string_view package, std::string_view mode,
                            std::string_view content) {
  if (mode == "main") return put(main_, package, content, ++next_order_);
  if (mode == "expanded") return put(expanded_, package, content, ++next_order_);
  return false;
}

bool Dashboard::remove_app(std::string_view package) {
  auto drop = [&](std::vector<Content>& list) {
    const auto before = list.size();
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&](const Content& c) { return c.package == package; }),
               list.end());
    return list.size() != before;
  };
  const bool a = drop(main_);
  const bool b = drop(expanded_);
  return a || b;
}

bool Dashboard::rotate() {
  if (main_.empty()) return false;
  rotation_ = (rotation_ + 1) % main_.size();
  return true;
}

std::vector<const Dashboard::Content*> Dashboard::newest_first(const std::vector<Content>& list) {
  std::vector<const Content*> out;
  out.reserve(list.size());
  for (const auto& c : list) out.push_back(&c);
  std::sort(out.begin(), out.end(),
            [](const Content* a, const Content* b) { return a->order > b->order; });
  return out;
}

std::string Dashboard::layout_json() const {
  nlohmann::json layout;
  if (mode_ == "expanded") {
    const auto sorted = newest_first(expanded_);
    const std::string content =
        sorted.empty() ? std::string("No expanded content available") : sorted.front()->text;
    layout = {{"layoutType", "text_wall"},
              {"text", top_left_ + " | " + top_right_ + "\n" + content}};
  } else {
    std::string top = top_left_;
    if (!bottom_left_.empty()) top += "\n" + bottom_left_;
    std::string bottom = top_right_ + "\n" + bottom_right_;
    const auto sorted = newest_first(main_);
    if (!sorted.empty()) bottom += "\n\n" + sorted[rotation_ % sorted.size()]->text;
    layout = {{"layoutType", "double_text_wall"}, {"topText", top}, {"bottomText", bottom}};
  }
  return layout.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace glasshub::display
