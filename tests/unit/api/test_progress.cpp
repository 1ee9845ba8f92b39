// Context::progress (issue 10 item 5): long hashing reports (bytes so far, total) as it reads, the
// last report is the whole file, and the digests are the same with or without it.
#include <catch2/catch.hpp>

#include <utility>
#include <vector>

#include "signy/api/progress.hpp"
#include "testsupport.hpp"
#include "unit/api/file_repo.hpp"

using namespace signy;

namespace {

using Reports = std::vector<std::pair<std::uint64_t, std::uint64_t>>;

void check_reports(const Reports& reports, std::uint64_t size) {
  REQUIRE(!reports.empty());
  for (std::size_t i = 0; i < reports.size(); ++i) {
    CHECK(reports[i].second == size);
    CHECK(reports[i].first > (i == 0 ? 0 : reports[i - 1].first));  // every report is news
  }
  CHECK(reports.back().first == size);
}

}  // namespace

TEST_CASE("digest_file reports its progress up to the file's length, and digests as without it") {
  TempDir dir;
  std::string content(3 * 1048576 + 5, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7 + i / 4096);
  auto file = dir.path() / "f";
  REQUIRE(atomic_write(file, content, 0644));
  api::Context quiet;
  auto plain = api::digest_file(quiet, file);
  REQUIRE(plain);
  Reports reports;
  api::Context ctx;
  ctx.progress = [&reports](std::uint64_t done, std::uint64_t total) { reports.emplace_back(done, total); };
  auto d = api::digest_file(ctx, file);
  REQUIRE(d);
  CHECK(d->length == content.size());
  CHECK(d->sha256 == plain->sha256);
  CHECK(d->sha512 == plain->sha512);
  CHECK(d->sha256 == crypto::sha256({reinterpret_cast<const std::uint8_t*>(content.data()), content.size()}));
  CHECK(reports.size() >= 3);  // several chunks, several reports
  check_reports(reports, content.size());
}

TEST_CASE("digest_file of an empty file reports nothing, and a missing file fails without a report") {
  TempDir dir;
  REQUIRE(atomic_write(dir.path() / "empty", "", 0644));
  Reports reports;
  api::Context ctx;
  ctx.progress = [&reports](std::uint64_t done, std::uint64_t total) { reports.emplace_back(done, total); };
  auto d = api::digest_file(ctx, dir.path() / "empty");
  REQUIRE(d);
  CHECK(d->length == 0);
  CHECK(reports.empty());
  auto missing = api::digest_file(ctx, dir.path() / "missing");
  REQUIRE(!missing);
  CHECK(missing.error().category() == ErrorCategory::local_io);
  CHECK(reports.empty());
}

TEST_CASE("verify_thick reports the progress of its one pass over the bundle") {
  const std::string gun = "example.com/app";
  const std::string& bundle = testsim::good_bundle();
  testsim::FileRepo repo{gun};
  repo.sim.add_target("v1", bundle);
  api::Context ctx;
  repo.use(ctx);
  repo.publish(ctx);
  auto file = repo.write("bundle.tgz", bundle);
  Reports reports;
  ctx.progress = [&reports](std::uint64_t done, std::uint64_t total) { reports.emplace_back(done, total); };
  auto r = api::verify_thick(ctx, file, gun + ":v1");
  REQUIRE(r);
  check_reports(reports, bundle.size());
}
