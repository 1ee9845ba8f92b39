// api::verify_thick against a file:// repository published from the TUF simulator: the checks of
// a local bundle against its signed target (length, sha256, sha512), with their error codes. The
// bundle is a real thick one (fixtures/cnab/thick/good.tgz): verify_thick also checks its images.
#include <catch2/catch.hpp>

#include "signy/api/api.hpp"
#include "unit/api/file_repo.hpp"

using namespace signy;

namespace {

const std::string kGun = "example.com/app";
// A valid 2-image thick bundle: only the digests decide between acceptance and refusal below.
const std::string& good() { return testsim::good_bundle(); }

struct Repo : testsim::FileRepo {
  api::Context ctx;

  Repo() : FileRepo(kGun) { use(ctx); }
  void publish() { FileRepo::publish(ctx); }
};

Errc code_of(const Result<api::VerifyResult>& r) {
  REQUIRE(!r);
  return r.error().code;
}

}  // namespace

TEST_CASE("verify_thick accepts the signed bundle (control for the refusals below)") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  auto r = api::verify_thick(repo.ctx, repo.write("bundle.tgz", good()), kGun + ":v1");
  REQUIRE(r);
  CHECK(r->target == "v1");
  CHECK(r->trusted_on_first_use);
  CHECK(r->images.size() == 2);
}

TEST_CASE("verify_thick refuses a bundle of another length with Errc::length_mismatch") {
  Repo repo;
  repo.sim.add_target("v1", good());
  repo.publish();
  for (auto content : {good() + "x", good().substr(1), std::string()}) {
    auto r = api::verify_thick(repo.ctx, repo.write("bundle.tgz", content), kGun + ":v1");
    CHECK(code_of(r) == Errc::length_mismatch);
    CHECK(r.error().message.find("is " + std::to_string(content.size()) + " bytes, the signed target v1 is " +
                                 std::to_string(good().size())) != std::string::npos);
  }
}

TEST_CASE("verify_thick refuses a bundle whose sha256 is right and sha512 wrong") {
  Repo repo;
  auto meta = testsim::meta_of(good());
  auto sha512 = crypto::sha512(as_bytes(std::string("another bundle\n")));
  meta.hashes.set("sha512", sha512);
  repo.sim.targets.targets["v1"] = meta;
  repo.publish();
  auto r = api::verify_thick(repo.ctx, repo.write("bundle.tgz", good()), kGun + ":v1");
  CHECK(code_of(r) == Errc::hash_mismatch);
  CHECK(r.error().message.find("sha512 ") != std::string::npos);
  CHECK(r.error().message.find(hex_encode(sha512)) != std::string::npos);
}

TEST_CASE("verify_thick refuses a bundle whose sha512 is right and sha256 wrong") {
  Repo repo;
  auto meta = testsim::meta_of(good());
  meta.hashes.set("sha256", crypto::sha256(as_bytes(std::string("another bundle\n"))));
  repo.sim.targets.targets["v1"] = meta;
  repo.publish();
  auto r = api::verify_thick(repo.ctx, repo.write("bundle.tgz", good()), kGun + ":v1");
  CHECK(code_of(r) == Errc::hash_mismatch);
  CHECK(r.error().message.find("sha256 ") != std::string::npos);
}
