// Secrets (passphrases, private key bytes) live in buffers that are wiped when they die and
// never copied implicitly. They have no stream operator, so they cannot reach a log by accident.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace signy {

void secure_wipe(void* data, std::size_t size) noexcept;

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string value) : value_(std::move(value)) {}
  SecretString(const SecretString&) = delete;
  SecretString& operator=(const SecretString&) = delete;
  SecretString(SecretString&& other) noexcept : value_(std::move(other.value_)) { other.clear(); }
  SecretString& operator=(SecretString&& other) noexcept {
    if (this != &other) {
      clear();
      value_ = std::move(other.value_);
      other.clear();
    }
    return *this;
  }
  ~SecretString() { clear(); }

  std::string_view view() const noexcept { return value_; }
  const char* data() const noexcept { return value_.data(); }
  std::size_t size() const noexcept { return value_.size(); }
  bool empty() const noexcept { return value_.empty(); }
  void clear() noexcept {
    // Wipe the whole capacity: short strings live inline, long ones on the heap.
    value_.resize(value_.capacity());
    secure_wipe(value_.data(), value_.size());
    value_.clear();
  }

 private:
  std::string value_;
};

}  // namespace signy
