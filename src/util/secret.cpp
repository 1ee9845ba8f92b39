#include "signy/util/secret.hpp"

#include <sodium.h>

namespace signy {
void secure_wipe(void* data, std::size_t size) noexcept {
  if (data != nullptr && size > 0) sodium_memzero(data, size);
}
}  // namespace signy
