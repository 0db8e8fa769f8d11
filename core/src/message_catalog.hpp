// The protocol's message types and their families (protocol.md, protocol-catalog.json), for
// metrics labels: a type outside the catalog is folded into type "other", family "unknown".
#pragma once

#include <cstddef>
#include <string_view>

namespace glasshub::core {

struct CatalogType {
  std::string_view type;
  std::string_view family;
};

// Every catalog type plus binary frames (":binary", family "audio"), sorted by type; the last
// entry is the fold {"other", "unknown"}.
const CatalogType* catalog_types() noexcept;
std::size_t catalog_size() noexcept;  // including the fold
// Index of `type` in catalog_types(), or the fold's index.
std::size_t catalog_index(std::string_view type) noexcept;

}  // namespace glasshub::core
