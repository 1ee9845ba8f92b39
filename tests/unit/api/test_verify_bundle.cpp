// api::verify_bundle against file:// repositories published from the TUF simulator, with a real
// thick bundle (fixtures/cnab/thick/good.tgz): the checks in order, every policy level, every
// requirement, the denial classes, and the trust cache of maxMetadataAge.
#include <catch2/catch.hpp>

#include "signy/api/verify_bundle.hpp"
#include "signy/util/encoding.hpp"
#include "unit/api/file_repo.hpp"

using namespace signy;
using namespace std::chrono_literals;

namespace {

const std::string kGun = "example.com/app";
const std::string kRef = kGun + ":v1";

const std::string& good() { return testsim::good_bundle(); }

struct Repo : testsim::FileRepo {
  api::Environment env;
  api::BundleRequest req;

  Repo() : FileRepo(kGun) {
    use(env.context);
    req.reference = kRef;
    req.thick_file = write("bundle.tgz", good());
  }
  void publish() { FileRepo::publish(env.context); }
  void policy(const std::string& json) {
    auto doc = policy::parse(json);
    REQUIRE(doc);
    env.policy = *doc;
  }
  api::Report run() { return api::verify_bundle(req, env); }
};

// One policy for every GUN with these extra keys.
std::string policy_with(const std::string& level, const std::string& extra = "") {
  return R"({"version": "1.0", "policies": [{"name": "p", "scopes": ["*"], "signatureVerification": {"level": ")" + level +
         "\"}" + (extra.empty() ? "" : ", " + extra) + "}]}";
}

std::string statuses(const api::Report& r) {
  std::string out;
  for (const auto& c : r.checks) out += (out.empty() ? "" : " ") + c.name + "=" + std::string(api::check_status_name(c.status));
  return out;
}

const api::Check& check(const api::Report& r, std::string_view name) {
  for (const auto& c : r.checks)
    if (c.name == name) return c;
  FAIL("no check " << name);
  return r.checks.front();
}

}  // namespace

TEST_CASE("verify_bundle allows a signed thick bundle under the default policy, every check in order") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  auto r = repo.run();
  INFO(r.reason);
  REQUIRE(r.verdict == api::Verdict::allow);
  CHECK(r.denial == api::Denial::none);
  CHECK(!r.error);
  CHECK(statuses(r) ==
        "policy=passed tuf=passed signing-role=passed bundle-digest=passed bundle-schema=passed in-toto=skipped images=passed");
  CHECK(check(r, "in-toto").detail.find("not applicable") != std::string::npos);
  CHECK(r.policy_name == "default");
  CHECK(r.policy_scope == "*");
  CHECK(r.level == policy::Level::strict);
  CHECK(r.gun == kGun);
  CHECK(r.target == "v1");
  CHECK(r.role == "targets");
  CHECK(r.role_version == repo.sim.targets.version);
  CHECK(r.bundle.length == good().size());
  CHECK(hex_encode(r.bundle.sha256) == hex_encode(crypto::sha256(as_bytes(good()))));
  CHECK(r.bundle_json == fixture("cnab/thick/bundle.json"));
  CHECK(r.images.size() == 2);
  CHECK(r.trusted_on_first_use);
  CHECK(r.reason.starts_with("allowed: "));
}

TEST_CASE("verify_bundle denies a tampered bundle at bundle-digest, later checks skipped") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.req.thick_file = repo.write("other.tgz", good() + "x");
  auto r = repo.run();
  CHECK(r.verdict == api::Verdict::deny);
  CHECK(r.denial == api::Denial::verification);
  REQUIRE(r.error);
  CHECK(r.error->code == Errc::length_mismatch);
  CHECK(statuses(r) ==
        "policy=passed tuf=passed signing-role=passed bundle-digest=failed bundle-schema=skipped in-toto=skipped images=skipped");
  CHECK(check(r, "bundle-digest").error == Errc::length_mismatch);
  CHECK(r.images.empty());
  CHECK(r.bundle_json.empty());
}

TEST_CASE("verify_bundle: no such target, or no trust data at all, is not_signed") {
  Repo repo;
  SECTION("no collection") {
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::not_signed);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::not_signed);
    CHECK(r.error->message.find("no trust data for " + kGun) != std::string::npos);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);
  }
  SECTION("no such tag") {
    repo.sim.add_target("v2", good());
    repo.publish();
    auto r = repo.run();
    CHECK(r.denial == api::Denial::not_signed);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::not_signed);
    CHECK(r.error->message == kGun + " has no signed target \"v1\"");
  }
}

TEST_CASE("verify_bundle: expired timestamp denies under strict, warns under permissive and audit") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.env.context.now = repo.sim.timestamp.expires + 1h;  // only timestamp has expired
  SECTION("strict") {
    repo.policy(policy_with("strict"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::verification);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);
    CHECK(check(r, "tuf").error == Errc::expired);
  }
  for (const char* level : {"permissive", "audit"}) {
    DYNAMIC_SECTION(level) {
      repo.policy(policy_with(level));
      auto r = repo.run();
      INFO(r.reason);
      CHECK(r.verdict == api::Verdict::allow);
      CHECK(check(r, "tuf").status == api::CheckStatus::warned);
      CHECK(check(r, "tuf").error == Errc::expired);
      CHECK(check(r, "tuf").detail.find("timestamp metadata expired at") != std::string::npos);
      CHECK(check(r, "tuf").detail.find("snapshot") == std::string::npos);  // not expired: not named
      CHECK(check(r, "bundle-digest").status == api::CheckStatus::passed);
      CHECK(r.images.size() == 2);
      bool warned = false;
      for (const auto& w : r.warnings) warned = warned || w.find("timestamp metadata expired") != std::string::npos;
      CHECK(warned);
    }
  }
}

TEST_CASE("verify_bundle: permissive still denies integrity failures, audit allows them as warnings") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.req.thick_file = repo.write("other.tgz", good().substr(1));
  SECTION("permissive") {
    repo.policy(policy_with("permissive"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(check(r, "bundle-digest").status == api::CheckStatus::failed);
  }
  SECTION("audit") {
    repo.policy(policy_with("audit"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::allow);
    CHECK(r.denial == api::Denial::none);
    REQUIRE(r.error);  // the failure audit logged
    CHECK(r.error->code == Errc::length_mismatch);
    CHECK(check(r, "bundle-digest").status == api::CheckStatus::warned);
    CHECK(r.reason.find("level audit): 1 failed check logged as warnings, the first: ") != std::string::npos);
    CHECK(r.images.empty());  // nothing verified to run
    CHECK(!r.warnings.empty());
  }
}

TEST_CASE("verify_bundle: skip on an explicit scope verifies nothing and allows") {
  Repo repo;  // no collection published: nothing is read
  repo.policy(R"({"version": "1.0", "policies": [
      {"name": "dev", "scopes": [")" + kGun + R"("], "signatureVerification": {"level": "skip"}},
      {"name": "rest", "scopes": ["*"], "signatureVerification": {"level": "strict"}}]})");
  auto r = repo.run();
  CHECK(r.verdict == api::Verdict::allow);
  CHECK(r.policy_name == "dev");
  CHECK(r.level == policy::Level::skip);
  CHECK(statuses(r) ==
        "policy=passed tuf=skipped signing-role=skipped bundle-digest=skipped bundle-schema=skipped in-toto=skipped images=skipped");
  CHECK(r.images.empty());
  CHECK(!r.warnings.empty());
  // Another GUN falls under "*" (strict) and is denied: no trust data.
  repo.req.reference = "example.com/other:v1";
  auto other = repo.run();
  CHECK(other.policy_name == "rest");
  CHECK(other.verdict == api::Verdict::deny);
  CHECK(other.denial == api::Denial::not_signed);
}

TEST_CASE("verify_bundle: signingRoles refuses a target signed by another role before reading the bundle") {
  Repo repo;
  repo.sim.add_delegation("targets/releases");
  SECTION("signed by targets, only targets/releases accepted") {
    repo.sim.add_target("v1", good());
    repo.publish();
    repo.policy(policy_with("strict", R"("signingRoles": ["targets/releases"])"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::verification);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::policy_denied);
    CHECK(r.error->message.find("is signed by targets; policy p accepts only targets/releases") != std::string::npos);
    CHECK(statuses(r) ==
          "policy=passed tuf=passed signing-role=failed bundle-digest=skipped bundle-schema=skipped in-toto=skipped images=skipped");
  }
  SECTION("signed by targets/releases, accepted") {
    repo.sim.delegated["targets/releases"].targets["v1"] = testsim::meta_of(good());
    repo.sim.delegated["targets/releases"].version = 3;
    repo.publish();
    repo.policy(policy_with("strict", R"("signingRoles": ["targets/releases"])"));
    auto r = repo.run();
    INFO(r.reason);
    CHECK(r.verdict == api::Verdict::allow);
    CHECK(r.role == "targets/releases");
    CHECK(r.role_version == 3);
    CHECK(check(r, "signing-role").detail.find("targets/releases (version 3)") != std::string::npos);
  }
}

TEST_CASE("verify_bundle: requireInToto denies a bundle signed without in-toto") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.policy(policy_with("strict", R"("requireInToto": true)"));
  auto r = repo.run();
  CHECK(r.verdict == api::Verdict::deny);
  REQUIRE(r.error);
  CHECK(r.error->code == Errc::policy_denied);
  CHECK(r.error->message.find("requires in-toto") != std::string::npos);
  CHECK(check(r, "in-toto").status == api::CheckStatus::failed);
  CHECK(check(r, "bundle-digest").status == api::CheckStatus::passed);
  // The request's own requirement (signy verify --in-toto) fails as before: link_missing.
  repo.env.policy.reset();
  repo.req.require_in_toto = true;
  auto asked = repo.run();
  CHECK(asked.verdict == api::Verdict::deny);
  REQUIRE(asked.error);
  CHECK(asked.error->code == Errc::link_missing);
}

TEST_CASE("verify_bundle: requireImageDigests of a policy file wins over the request's allow_unpinned") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.req.images.allow_unpinned = true;
  SECTION("default policy: the request decides") {
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::allow);
  }
  SECTION("a policy requiring digests denies the request") {
    repo.policy(policy_with("strict"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::policy_denied);
    CHECK(check(r, "images").status == api::CheckStatus::failed);
    CHECK(check(r, "tuf").status == api::CheckStatus::skipped);
  }
  SECTION("a policy not requiring them allows") {
    repo.policy(policy_with("strict", R"("requireImageDigests": false)"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::allow);
    CHECK(check(r, "images").detail.find("without contentDigest allowed") != std::string::npos);
  }
}

TEST_CASE("verify_bundle: policy problems deny before anything is read") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  SECTION("no policy matches the GUN") {
    repo.policy(R"({"version": "1.0", "policies": [{"name": "o", "scopes": ["example.com/other"], "signatureVerification": {"level": "strict"}}]})");
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::policy_denied);
    CHECK(check(r, "policy").status == api::CheckStatus::failed);
    CHECK(check(r, "tuf").status == api::CheckStatus::skipped);
  }
  SECTION("a malformed policy.json in the trust dir") {
    std::filesystem::create_directories(repo.env.context.trust_dir);
    REQUIRE(atomic_write(repo.env.context.trust_dir / "policy.json", "{\"version\": \"1.0\", \"policies\": [", 0600));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::bad_request);
    CHECK(check(r, "policy").status == api::CheckStatus::failed);
  }
  SECTION("a policy.json in the trust dir is used") {
    std::filesystem::create_directories(repo.env.context.trust_dir);
    REQUIRE(atomic_write(repo.env.context.trust_dir / "policy.json", policy_with("strict", R"("requireInToto": true)"), 0600));
    auto r = repo.run();
    CHECK(r.policy_name == "p");
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(check(r, "in-toto").status == api::CheckStatus::failed);
  }
  SECTION("a reference that names no collection") {
    repo.req.reference = "not a reference";
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::bad_request);
    CHECK(check(r, "policy").status == api::CheckStatus::failed);
  }
  // Found by review: a TAP 4 map that cannot be used is configuration, like the policy file (it
  // was exit 1 verification for a malformed map.json, exit 4 infrastructure for a missing --map).
  SECTION("a malformed map.json in the trust dir") {
    std::filesystem::create_directories(repo.env.context.trust_dir);
    REQUIRE(atomic_write(repo.env.context.trust_dir / "map.json", "{\"repositories\": {}}", 0600));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::bad_request);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);
  }
  SECTION("a --map file that does not exist") {
    repo.env.context.repository_map = repo.dir.path() / "missing-map.json";
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::bad_request);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);
  }
  SECTION("a thick file that cannot be read") {
    repo.req.thick_file = repo.dir.path() / "missing.tgz";
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(r.denial == api::Denial::infrastructure);
    CHECK(check(r, "bundle-digest").status == api::CheckStatus::failed);
  }
}

TEST_CASE("verify_bundle: trustedRoots pins the root, on first use and when it is cached") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  SECTION("another key") {
    repo.policy(policy_with("strict", R"("trustedRoots": {"keys": [")" + std::string(64, 'a') + "\"]}"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::untrusted_key);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);
  }
  SECTION("the collection's root key") {
    repo.policy(policy_with("strict", R"("trustedRoots": {"keys": [")" + repo.sim.keys["root"].front().id + "\"]}"));
    auto r = repo.run();
    INFO(r.reason);
    CHECK(r.verdict == api::Verdict::allow);
    CHECK(!r.trusted_on_first_use);
  }
  // Found by review: once a root was cached (trusted on first use by an earlier run), a policy
  // pinning other keys still allowed the bundle.
  SECTION("another key, the root cached by an earlier verification") {
    auto first = repo.run();
    REQUIRE(first.verdict == api::Verdict::allow);
    CHECK(first.trusted_on_first_use);
    bool said = false;  // trust on first use is a warning of the report, not only a check's detail
    for (const auto& w : first.warnings) said = said || w.find("first use") != std::string::npos;
    CHECK(said);
    repo.policy(policy_with("strict", R"("trustedRoots": {"keys": [")" + std::string(64, 'a') + "\"]}"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    REQUIRE(r.error);
    CHECK(r.error->code == Errc::untrusted_key);
  }
}

TEST_CASE("verify_bundle: maxMetadataAge uses a recently confirmed trust cache without the server") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.policy(policy_with("strict", R"("maxMetadataAge": "10m")"));
  REQUIRE(repo.run().verdict == api::Verdict::allow);  // refreshes and records the time
  const auto metadata = repo.env.context.trust_dir / "tuf" / kGun / "metadata";
  // Inside metadata/ (deleted with it), under a name no role file can take; not tuf/<gun>/confirmed,
  // which is the namespace of the GUN <gun>/confirmed.
  auto confirmed = metadata / ".confirmed";
  REQUIRE(std::filesystem::exists(confirmed));
  CHECK(!std::filesystem::exists(repo.env.context.trust_dir / "tuf" / kGun / "confirmed"));
  auto record = [&](std::chrono::system_clock::time_point at) {
    auto text = read_file_limited(confirmed, 1024).value();
    auto space = text.find(' ');
    REQUIRE(space != std::string::npos);
    return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count()) + text.substr(space);
  };
  std::filesystem::remove_all(repo.dir.path() / "server");  // nothing can be downloaded now
  SECTION("within the age: the cache alone, verified") {
    repo.env.context.now += 9min;
    auto r = repo.run();
    INFO(r.reason);
    CHECK(r.verdict == api::Verdict::allow);
    CHECK(!r.trusted_on_first_use);
    INFO(check(r, "tuf").detail);
    CHECK(check(r, "tuf").detail.find("from the trust cache confirmed 540 s ago") != std::string::npos);
  }
  SECTION("a policy's age 0 overrides the library's Context.max_metadata_age") {
    repo.env.context.max_metadata_age = std::chrono::seconds(3600);
    repo.env.context.now += 1min;
    repo.policy(policy_with("strict"));
    CHECK(repo.run().verdict == api::Verdict::deny);  // refreshed: the server is gone
  }
  SECTION("older: refreshed (and the server is gone)") {
    repo.env.context.now += 11min;
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);
  }
  SECTION("age 0 (no maxMetadataAge): always refreshed") {
    repo.policy(policy_with("strict"));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
  }
  SECTION("a recorded time in the future is not trusted") {
    REQUIRE(atomic_write(confirmed, record(repo.env.context.now + 1h), 0600));
    CHECK(repo.run().verdict == api::Verdict::deny);
  }
  SECTION("a recorded time that does not fit an integer is not confirmed: refreshed, no exception") {
    REQUIRE(atomic_write(confirmed, "99999999999999999999" + record(repo.env.context.now).substr(record(repo.env.context.now).find(' ')), 0600));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
    CHECK(check(r, "tuf").status == api::CheckStatus::failed);  // the refresh failed (server gone), not an exception
    REQUIRE(r.error);
    CHECK(r.error->code != Errc::internal);
  }
  SECTION("a record of another timestamp.json is not confirmed") {
    REQUIRE(atomic_write(confirmed, std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                        repo.env.context.now.time_since_epoch()).count()) +
                                        " " + std::string(64, '0'), 0600));
    CHECK(repo.run().verdict == api::Verdict::deny);
  }
  SECTION("a cache that does not verify alone is refreshed") {
    auto targets = repo.env.context.trust_dir / "tuf" / kGun / "metadata" / "targets.json";
    auto bytes = read_file_limited(targets, 1 << 20).value();
    bytes[bytes.size() / 2] ^= 1;
    REQUIRE(atomic_write(targets, bytes, 0600));
    CHECK(repo.run().verdict == api::Verdict::deny);  // refresh needed, server gone
  }
  SECTION("expired cached metadata is not used") {
    repo.env.context.now = repo.sim.timestamp.expires + 1s;
    REQUIRE(atomic_write(confirmed, record(repo.env.context.now), 0600));
    auto r = repo.run();
    CHECK(r.verdict == api::Verdict::deny);
  }
}

TEST_CASE("verify_bundle: maxMetadataAge does not use an older set of cache files put back (rollback)") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  repo.policy(policy_with("strict", R"("maxMetadataAge": "10m")"));
  REQUIRE(repo.run().verdict == api::Verdict::allow);
  const auto metadata = repo.env.context.trust_dir / "tuf" / kGun / "metadata";
  std::map<std::string, std::string> old;
  for (const auto* role : {"root", "targets", "snapshot", "timestamp"})
    old[role] = read_file_limited(metadata / (std::string(role) + ".json"), 1 << 20).value();
  // A new version without v1, confirmed by a refresh (the policy of age 0 always refreshes).
  repo.sim.targets.targets.erase("v1");
  repo.publish();
  repo.env.context.now += 1min;
  repo.policy(policy_with("strict"));
  REQUIRE(repo.run().verdict == api::Verdict::deny);
  repo.policy(policy_with("strict", R"("maxMetadataAge": "10m")"));
  REQUIRE(repo.run().verdict == api::Verdict::deny);  // confirmed: v1 is gone
  // The old files put back beside the new record: not the timestamp.json the refresh verified.
  for (const auto& [role, bytes] : old) REQUIRE(atomic_write(metadata / (role + ".json"), bytes, 0600));
  std::filesystem::remove_all(repo.dir.path() / "server");
  auto r = repo.run();
  CHECK(r.verdict == api::Verdict::deny);
  CHECK(check(r, "tuf").status == api::CheckStatus::failed);
}

TEST_CASE("verify_bundle: check and denial names") {
  CHECK(api::check_status_name(api::CheckStatus::warned) == "warned");
  CHECK(api::denial_name(api::Denial::not_signed) == "not_signed");
  CHECK(api::denial_of(Error{Errc::not_signed, ""}) == api::Denial::not_signed);
  CHECK(api::denial_of(Error{Errc::hash_mismatch, ""}) == api::Denial::verification);
  CHECK(api::denial_of(Error{Errc::malformed_json, ""}) == api::Denial::bad_request);
  CHECK(api::denial_of(Error{Errc::usage, ""}) == api::Denial::bad_request);
  CHECK(api::denial_of(Error{Errc::network, ""}) == api::Denial::infrastructure);
  CHECK(api::denial_of(Error{Errc::io_error, ""}) == api::Denial::infrastructure);
}
