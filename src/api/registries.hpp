// The registries one command talks to (private to api/): one connection each, opened on first use.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "signy/oci/registry.hpp"

namespace signy::api {

class Registries {
 public:
  explicit Registries(oci::RegistryOptions options) : options_(std::move(options)) {}
  Result<oci::Registry*> get(std::string_view domain) {
    if (auto it = by_domain_.find(domain); it != by_domain_.end()) return it->second.get();
    auto reg = oci::Registry::connect(domain, options_);
    if (!reg) return tl::unexpected(reg.error());
    auto [it, _] = by_domain_.emplace(std::string(domain), std::make_unique<oci::Registry>(std::move(*reg)));
    return it->second.get();
  }
  // A second connection to domain: the source of a copy into the same registry whose mounts failed.
  Result<std::unique_ptr<oci::Registry>> fresh(std::string_view domain) const {
    auto reg = oci::Registry::connect(domain, options_);
    if (!reg) return tl::unexpected(reg.error());
    return std::make_unique<oci::Registry>(std::move(*reg));
  }
  // Requests and connections of every registry so far (the benchmark prints them).
  oci::RegistryStats stats() const {
    oci::RegistryStats total;
    for (const auto& [_, r] : by_domain_) {
      auto s = r->stats();
      total.requests += s.requests;
      total.connections += s.connections;
    }
    return total;
  }

 private:
  oci::RegistryOptions options_;
  std::map<std::string, std::unique_ptr<oci::Registry>, std::less<>> by_domain_;
};

}  // namespace signy::api
