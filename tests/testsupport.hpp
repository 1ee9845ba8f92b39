// Shared helpers for the unit tests.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <string>

#include "signy/util/file.hpp"

namespace signy {

// A private temporary directory removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "signy-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline std::string fixture(const std::string& rel) {
  auto r = read_file_limited(std::filesystem::path(SIGNY_FIXTURES) / rel, 64 << 20);
  if (!r) throw std::runtime_error("missing fixture " + rel + ": " + r.error().message);
  return *r;
}

}  // namespace signy
