// Shared fixtures of the api unit tests: TUF simulators (unit/tuf/simulator.hpp) published to
// file:// notary repositories, and the thick bundle the tests sign.
#pragma once
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include "signy/api/api.hpp"
#include "signy/notary/remote.hpp"
#include "signy/util/file.hpp"
#include "testsupport.hpp"
#include "unit/tuf/simulator.hpp"

namespace signy::testsim {

// fixtures/cnab/thick/good.tgz: a valid thick bundle with 2 images in its OCI layout.
inline const std::string& good_bundle() {
  static const std::string b = fixture("cnab/thick/good.tgz");
  return b;
}

// Publishes sim's collection for gun to the repository at url: targets, snapshot and timestamp
// one version up and re-signed, the delegated roles, and root when its bytes differ from
// published_root (a new root; the same root version is not published twice), which then holds them.
inline void publish_to(Simulator& sim, const std::string& url, const std::string& gun, const net::HttpOptions& http,
                       std::string& published_root) {
  sim.targets.version += 1;
  sim.snapshot.version += 1;
  sim.timestamp.version += 1;
  sim.publish();
  auto remote = notary::open_remote(url, gun, http).value();
  std::map<std::string, std::string> files{
      {"targets", sim.targets_bytes}, {"snapshot", sim.snapshot_bytes}, {"timestamp", sim.timestamp_bytes}};
  if (sim.root_bytes != published_root) files["root"] = sim.root_bytes;
  for (const auto& [role, bytes] : sim.delegated_bytes) files[role] = bytes;
  REQUIRE(remote->publish(files));
  published_root = sim.root_bytes;
}

// A file:// repository in a private directory, published from its own simulator.
struct FileRepo {
  TempDir dir;
  Simulator sim;
  std::string gun;
  std::string published_root;

  explicit FileRepo(const std::string& g) : sim{g}, gun(g) {}
  // Points ctx at this repository: trust dir <dir>/trust, server file://<dir>/server, the
  // simulator's clock.
  void use(api::Context& ctx) const {
    ctx.trust_dir = dir.path() / "trust";
    ctx.server = "file://" + (dir.path() / "server").string();
    ctx.now = sim.now;
  }
  // Publishes the simulator's current collection to ctx's server (publish_to).
  void publish(const api::Context& ctx) { publish_to(sim, ctx.server, gun, ctx.http, published_root); }
  // Writes content to <dir>/name.
  std::filesystem::path write(const std::string& name, const std::string& content) {
    auto p = dir.path() / name;
    REQUIRE(atomic_write(p, content, 0644));
    return p;
  }
};

}  // namespace signy::testsim
