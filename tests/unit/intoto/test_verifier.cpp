// The verifier pipeline (in-toto 1.3.1 verifylib.in_toto_verify): the reference's verdicts on the
// chains scripts/gen-intoto-chains.sh made (fixtures/intoto/chains/), then each stage's bad paths.
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "signy/intoto/verifier.hpp"
#include "signy/util/time.hpp"
#include "testsupport.hpp"

using namespace signy;
using namespace signy::intoto;
namespace fs = std::filesystem;

namespace {

const fs::path kChains = fs::path(SIGNY_FIXTURES) / "intoto/chains";

struct Expectation {
  std::string verdict;  // "pass" or the exception in-toto-verify named
  bool warning = false;
};

struct Expectations {
  std::chrono::sys_seconds now;
  std::map<std::string, Expectation> cases;
};

Expectations expectations() {
  Expectations e;
  std::istringstream in(fixture("intoto/chains/expectations.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream l(line);
    std::string name, verdict, warn;
    l >> name >> verdict >> warn;
    if (name == "now") {
      e.now = std::chrono::floor<std::chrono::seconds>(parse_rfc3339(verdict).value());
      continue;
    }
    e.cases[name] = {verdict, warn == "warning"};
  }
  return e;
}

// The exceptions in-toto-verify names, as signy's error codes.
std::optional<Errc> errc_for(const std::string& exception) {
  static const std::map<std::string, Errc> m{
      {"SignatureVerificationError", Errc::bad_signature}, {"LayoutExpiredError", Errc::expired},
      {"LinkNotFoundError", Errc::link_missing},           {"ThresholdVerificationError", Errc::threshold_not_met},
      {"RuleVerificationError", Errc::rule_failed},        {"BadReturnValueError", Errc::inspection_failed},
      {"JSONDecodeError", Errc::malformed_json},           {"FormatError", Errc::bad_encoding},
  };
  auto it = m.find(exception);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::string> chain_keyids() {
  std::map<std::string, std::string> m;
  std::istringstream in(fixture("intoto/chains/keys/keyids.txt"));
  for (std::string name, id; in >> name >> id;) m[name] = id;
  return m;
}

// Link files of a case from its links/ directory (what a directory loader does, minus its checks).
LinkLoader dir_loader(const fs::path& dir, std::vector<std::string>* asked = nullptr) {
  return [dir, asked](std::string_view rel) -> Result<std::optional<std::string>> {
    if (asked) asked->emplace_back(rel);
    auto r = read_file_limited(dir / fs::path(std::string(rel)), kMaxMetadataBytes);
    if (!r) {
      if (r.error().code == Errc::not_found) return std::optional<std::string>{};
      return tl::unexpected(r.error());
    }
    return std::optional<std::string>(std::move(*r));
  };
}

// The fake inspection runner: the link in-toto-verify recorded for that inspection.
InspectionRunner recorded_runner(const fs::path& dir, std::vector<std::string>* ran = nullptr) {
  return [dir, ran](const Inspection& insp) -> Result<Link> {
    if (ran) ran->push_back(insp.name);
    auto bytes = read_file_limited(dir / (insp.name + ".link"), kMaxMetadataBytes);
    if (!bytes) return fail(Errc::internal, "the reference recorded no link for inspection " + insp.name);
    auto mb = parse_link(*bytes);
    if (!mb) return tl::unexpected(mb.error());
    if (mb->signed_.command != insp.run) return fail(Errc::internal, "recorded link of another command");
    return std::move(mb->signed_);
  };
}

struct CaseRun {
  Result<VerifySummary> result;
  std::vector<std::string> ran;
};

CaseRun run_case(const std::string& name, std::chrono::sys_seconds now) {
  const auto dir = kChains / name;
  const auto ids = chain_keyids();
  // in-toto's RSA .pub file is the PEM alone (in-toto-verify -t rsa).
  crypto::SslibKey owner{"rsa", "rsassa-pss-sha256", fixture("intoto/chains/keys/owner.pub"), std::nullopt};
  REQUIRE(owner.keyid() == ids.at("owner"));
  auto layout = parse_layout(fixture("intoto/chains/" + name + "/root.layout"));
  REQUIRE(layout);
  CaseRun out{fail(Errc::internal, "not run"), {}};
  VerifyOptions opts{};
  opts.now = now;
  opts.run_inspection = recorded_runner(dir / "inspections", &out.ran);
  out.result = verify(*layout, {{owner.keyid(), owner}}, dir_loader(dir / "links"), opts);
  return out;
}

}  // namespace

TEST_CASE("signy's verdict is in-toto-verify's on every recorded chain") {
  const auto e = expectations();
  REQUIRE(e.cases.size() >= 22);
  // Every case directory has a verdict, and every verdict a directory.
  std::size_t dirs = 0;
  for (const auto& entry : fs::directory_iterator(kChains))
    if (entry.is_directory() && entry.path().filename() != "keys") {
      ++dirs;
      CHECK(e.cases.contains(entry.path().filename().string()));
    }
  CHECK(dirs == e.cases.size());
  std::size_t passes = 0;
  for (const auto& [name, want] : e.cases) {
    INFO("case " << name << ": in-toto-verify says " << want.verdict);
    auto got = run_case(name, e.now);
    if (want.verdict == "pass") {
      ++passes;
      if (!got.result) FAIL_CHECK(got.result.error().message);
      else CHECK(got.result->warnings.empty() == !want.warning);
      continue;
    }
    auto code = errc_for(want.verdict);
    REQUIRE(code);
    REQUIRE_FALSE(got.result);
    INFO(got.result.error().message);
    CHECK(got.result.error().code == *code);
    CHECK(got.result.error().message.starts_with("in-toto: "));
  }
  CHECK(passes >= 5);
  CHECK(passes < e.cases.size());
}

TEST_CASE("the good chain: summary link, counts, inspections run") {
  const auto e = expectations();
  auto got = run_case("good", e.now);
  REQUIRE(got.result);
  const auto& s = *got.result;
  CHECK(s.links_verified == 2);
  CHECK(s.inspections_run == 1);
  CHECK(got.ran == std::vector<std::string>{"untar"});
  CHECK(s.warnings.empty());
  CHECK(s.summary.name.empty());
  CHECK(s.summary.materials.empty());  // write-code records no materials
  REQUIRE(s.summary.products.size() == 1);
  CHECK(s.summary.products.contains("foo.tar.gz"));
  CHECK(s.summary.command.size() == 3);  // package's: sh -c '...'
  CHECK(s.summary.byproducts.at("return-value") == 0);
}

TEST_CASE("the sublayout chain: the sublayout's links and inspection count, its summary stands for the step") {
  const auto e = expectations();
  auto got = run_case("sublayout", e.now);
  REQUIRE(got.result);
  CHECK(got.result->links_verified == 3);  // write-code, the sublayout, pack
  CHECK(got.result->inspections_run == 2);
  CHECK(got.ran == std::vector<std::string>{"list-package", "untar"});  // the sublayout's first
  // sublayout-fail: the pack link's command differs; the failure names the sublayout.
  auto bad = run_case("sublayout-fail", e.now);
  REQUIRE_FALSE(bad.result);
  CHECK(bad.result.error().message.starts_with("in-toto: sublayouts: step 'package' sublayout 'package."));
  CHECK(bad.result.error().message.find("step rules: item 'pack' expected_products") != std::string::npos);
}

TEST_CASE("command alignment: a warning naming the link, verification passes") {
  const auto e = expectations();
  auto got = run_case("command-mismatch", e.now);
  REQUIRE(got.result);
  REQUIRE(got.result->warnings.size() == 1);
  CHECK(got.result->warnings[0].starts_with("in-toto: command alignment: 'package."));
  CHECK(got.result->warnings[0].find("differs from the expected command ['tar', 'czf'") != std::string::npos);
}

TEST_CASE("the recorded time decides expiry: the good chain expires after its layout's date") {
  auto got = run_case("good", std::chrono::sys_days{std::chrono::year{2036} / 1 / 1} + std::chrono::seconds{1});
  REQUIRE_FALSE(got.result);
  CHECK(got.result.error().code == Errc::expired);
  CHECK(got.ran.empty());
  auto edge = run_case("good", std::chrono::sys_days{std::chrono::year{2036} / 1 / 1});
  CHECK(edge.result);  // not expired at the instant itself (expires < now)
}

// ------------------------------------------------------------------------------ stages, in memory

namespace {

struct Key {
  crypto::PrivateKey priv;
  crypto::SslibKey pub;
  std::string id() const { return pub.keyid(); }
  std::string k8() const { return id().substr(0, 8); }
};

Key gen() {
  auto priv = crypto::PrivateKey::generate(crypto::KeyAlgorithm::ed25519).value();
  auto pub = crypto::sslib_public_key(priv).value();
  return {std::move(priv), std::move(pub)};
}

std::vector<ArtifactRule> rules(std::initializer_list<std::vector<std::string>> rs) {
  std::vector<ArtifactRule> out;
  for (const auto& r : rs) out.push_back(parse_rule(r).value());
  return out;
}

HashDict H(const std::string& c) { return {{"sha256", std::string(64, c[0])}}; }

Step step(const std::string& name, const std::vector<const Key*>& keys, std::int64_t threshold = 1) {
  Step s;
  s.name = name;
  for (const auto* k : keys) s.pubkeys.push_back(k->id());
  s.threshold = threshold;
  s.expected_command = {"make"};
  return s;
}

LayoutMetablock layout_of(std::vector<Step> steps, const std::vector<const Key*>& keys, const Key& signer,
                          std::vector<Inspection> inspect = {}, std::string readme = "") {
  LayoutMetablock mb;
  mb.signed_.expires = "2030-01-01T00:00:00Z";
  mb.signed_.expires_at = parse_expires(mb.signed_.expires).value();
  mb.signed_.readme = std::move(readme);
  for (const auto* k : keys) mb.signed_.keys.emplace(k->id(), LayoutKey::from(k->pub));
  mb.signed_.steps = std::move(steps);
  mb.signed_.inspect = std::move(inspect);
  REQUIRE(sign(mb, signer.priv, signer.pub));
  return mb;
}

std::string link_file(const std::string& name, const Key& by, ArtifactMap materials, ArtifactMap products,
                      std::vector<std::string> command = {"make"}) {
  LinkMetablock mb;
  mb.signed_.name = name;
  mb.signed_.command = std::move(command);
  mb.signed_.materials = std::move(materials);
  mb.signed_.products = std::move(products);
  REQUIRE(sign(mb, by.priv, by.pub));
  return dump(mb).value();
}

std::string layout_file(const LayoutMetablock& mb) { return dump(mb).value(); }

struct Files {
  std::map<std::string, std::string> files;
  std::vector<std::string> asked;
  LinkLoader loader() {
    return [this](std::string_view rel) -> Result<std::optional<std::string>> {
      asked.emplace_back(rel);
      auto it = files.find(std::string(rel));
      if (it == files.end()) return std::optional<std::string>{};
      return std::optional<std::string>(it->second);
    };
  }
};

const std::chrono::sys_seconds kNow = std::chrono::sys_days{std::chrono::year{2026} / 6 / 1};

VerifyOptions opts_at(std::chrono::sys_seconds now = kNow) {
  VerifyOptions o{};
  o.now = now;
  return o;
}

Link inspection_link(cjson::Json return_value, ArtifactMap products = {}) {
  Link l;
  l.name = "inspect";
  l.products = std::move(products);
  l.byproducts = cjson::Json::object();
  if (!return_value.is_discarded()) l.byproducts["return-value"] = return_value;
  return l;
}

Inspection inspection(const std::string& name, std::vector<ArtifactRule> materials = {}) {
  Inspection i;
  i.name = name;
  i.run = {"check", name};
  i.expected_materials = std::move(materials);
  return i;
}

}  // namespace

TEST_CASE("layout signatures: every key given by default, a threshold of distinct keys when set") {
  auto owner = gen(), other = gen(), third = gen();
  auto mb = layout_of({}, {}, owner);
  REQUIRE(sign(mb, other.priv, other.pub));
  const std::map<std::string, crypto::SslibKey> both{{owner.id(), owner.pub}, {other.id(), other.pub}};
  const std::map<std::string, crypto::SslibKey> with_third{{owner.id(), owner.pub}, {third.id(), third.pub}};

  CHECK(verify_layout_signatures(mb, both, std::nullopt));
  auto e = verify_layout_signatures(mb, {}, std::nullopt).error();
  CHECK(e.code == Errc::bad_signature);
  CHECK(e.message == "in-toto: layout signatures: no layout key given");
  e = verify_layout_signatures(mb, with_third, std::nullopt).error();  // third never signed
  CHECK(e.code == Errc::bad_signature);
  CHECK(e.message.starts_with("in-toto: layout signatures: layout key '" + third.id().substr(0, 16) + "': no signature"));

  CHECK(verify_layout_signatures(mb, with_third, 1));
  CHECK(verify_layout_signatures(mb, both, 2));
  e = verify_layout_signatures(mb, with_third, 2).error();
  CHECK(e.code == Errc::threshold_not_met);
  CHECK(e.message.starts_with("in-toto: layout signatures: the layout: 1 valid signature(s)"));
  CHECK(verify_layout_signatures(mb, {}, 1).error().code == Errc::threshold_not_met);
  CHECK(verify_layout_signatures(mb, both, 0).error().code == Errc::threshold_not_met);
  // One key under two IDs counts once.
  const std::map<std::string, crypto::SslibKey> twice{{owner.id(), owner.pub}, {std::string(64, 'a'), owner.pub}};
  auto dup = mb;
  dup.signatures.push_back({std::string(64, 'a'), mb.signatures[0].sig});
  CHECK(verify_layout_signatures(dup, twice, std::nullopt));  // the reference: each key given verifies
  CHECK(verify_layout_signatures(dup, twice, 2).error().code == Errc::threshold_not_met);

  // Only the first signature by a key ID is read: an invalid one before a valid one fails.
  auto first_bad = mb;
  auto bad = first_bad.signatures[0];
  bad.sig[0] = bad.sig[0] == '0' ? '1' : '0';
  first_bad.signatures.insert(first_bad.signatures.begin(), bad);
  CHECK(verify_layout_signatures(first_bad, {{owner.id(), owner.pub}}, std::nullopt).error().code == Errc::bad_signature);
  CHECK(verify_layout_signatures(first_bad, {{owner.id(), owner.pub}}, 1).error().code == Errc::threshold_not_met);
  // verify() uses the option.
  Files f;
  auto o = opts_at();
  o.layout_threshold = 1;
  CHECK(verify(mb, with_third, f.loader(), o));
  o.layout_threshold.reset();
  CHECK(verify(mb, with_third, f.loader(), o).error().code == Errc::bad_signature);
}

TEST_CASE("layout expiration: strictly before the reference time") {
  auto owner = gen();
  auto mb = layout_of({}, {}, owner);
  CHECK(verify_layout_expiration(mb.signed_, mb.signed_.expires_at));
  auto e = verify_layout_expiration(mb.signed_, mb.signed_.expires_at + std::chrono::seconds{1}).error();
  CHECK(e.code == Errc::expired);
  CHECK(e.message == "in-toto: layout expiration: the layout expired at '2030-01-01T00:00:00Z'");
  // At full precision, as the reference's datetime.now(): half a second after expires is expired,
  // through verify() as well (a reference time floored to the second would pass it).
  const TimePoint half_past = TimePoint(mb.signed_.expires_at) + std::chrono::milliseconds{500};
  CHECK(verify_layout_expiration(mb.signed_, half_past).error().code == Errc::expired);
  VerifyOptions o{};
  o.now = half_past;
  Files none;
  CHECK(verify(mb, {{owner.id(), owner.pub}}, none.loader(), o).error().code == Errc::expired);
  CHECK(verify_layout_expiration(mb.signed_, TimePoint(mb.signed_.expires_at) + std::chrono::nanoseconds{1}).error().code ==
        Errc::expired);
  // The signature comes first, as in the reference: a wrong key on an expired layout is a bad signature.
  auto stranger = gen();
  Files f;
  CHECK(verify(mb, {{stranger.id(), stranger.pub}}, f.loader(), opts_at(mb.signed_.expires_at + std::chrono::hours{1}))
            .error()
            .code == Errc::bad_signature);
}

TEST_CASE("links: loaded by <step>.<keyid[:8]>.link, absent skipped, a loader error or a bad file aborts") {
  auto owner = gen(), a = gen(), b = gen();
  auto mb = layout_of({step("build", {&a, &b, &a})}, {&a, &b}, owner);
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {}, {});
  auto chain = load_links_for_layout(mb.signed_, f.loader(), "", {});
  REQUIRE(chain);
  CHECK(f.asked == std::vector<std::string>{"build." + a.k8() + ".link", "build." + b.k8() + ".link"});
  REQUIRE(chain->at("build").size() == 1);
  CHECK(chain->at("build")[0].keyid == a.id());

  // Threshold 2 with one file: link_missing.
  mb.signed_.steps[0].threshold = 2;
  auto e = load_links_for_layout(mb.signed_, f.loader(), "", {}).error();
  CHECK(e.code == Errc::link_missing);
  CHECK(e.message == "in-toto: links: step 'build' requires 2 link file(s), found 1");
  mb.signed_.steps[0].threshold = 1;

  // A malformed extra file aborts although the threshold is met (the reference's JSONDecodeError).
  f.files["build." + b.k8() + ".link"] = "{";
  e = load_links_for_layout(mb.signed_, f.loader(), "", {}).error();
  CHECK(e.code == Errc::malformed_json);
  CHECK(e.message.starts_with("in-toto: links: 'build." + b.k8() + ".link': "));

  // A loader error (unreadable, too large) aborts too, with its own code.
  LinkLoader broken = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    if (rel.starts_with("build." + b.k8())) return fail(Errc::too_large, "too large");
    return f.loader()(rel);
  };
  e = load_links_for_layout(mb.signed_, broken, "", {}).error();
  CHECK(e.code == Errc::too_large);
  CHECK(e.message == "in-toto: links: reading 'build." + b.k8() + ".link': too large");
  CHECK(verify(mb, {{owner.id(), owner.pub}}, broken, opts_at()).error().code == Errc::too_large);
}

TEST_CASE("links: read in order one at a time though parsed on two threads, the first failure in that order reported") {
  auto owner = gen(), a = gen();
  std::vector<Step> steps;
  for (int i = 0; i < 8; ++i) steps.push_back(step("s" + std::to_string(i), {&a}));
  auto mb = layout_of(steps, {&a}, owner);
  // s0's file is big (its parse is the slowest) and s0 and s5 are both malformed at their ends.
  ArtifactMap many;
  for (int i = 0; i < 20000; ++i) many["src/f" + std::to_string(i)] = H("a");
  Files f;
  for (int i = 0; i < 8; ++i) f.files["s" + std::to_string(i) + "." + a.k8() + ".link"] = link_file("s" + std::to_string(i), a, {}, {});
  std::string big = link_file("s0", a, many, {});
  f.files["s0." + a.k8() + ".link"] = big.substr(0, big.size() - 1);  // cut before its last '}'
  f.files["s5." + a.k8() + ".link"] = "{";
  std::atomic<int> inside{0}, most{0};
  auto inner = f.loader();
  LinkLoader counting = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    most = std::max(most.load(), ++inside);
    auto r = inner(rel);
    --inside;
    return r;
  };
  for (int round = 0; round < 5; ++round) {
    f.asked.clear();
    auto e = load_links_for_layout(mb.signed_, counting, "", {}).error();
    CHECK(e.code == Errc::malformed_json);
    CHECK(e.message.starts_with("in-toto: links: 's0." + a.k8() + ".link': "));
    // In order; past s0 only what the other worker read while s0 was being parsed.
    REQUIRE_FALSE(f.asked.empty());
    for (std::size_t i = 0; i < f.asked.size(); ++i) CHECK(f.asked[i] == "s" + std::to_string(i) + "." + a.k8() + ".link");
  }
  CHECK(most == 1);  // never two loader calls at once

  // A read error after a file that fails to parse: the parse error, first in order, is reported.
  LinkLoader broken = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    if (rel.starts_with("s1.")) return fail(Errc::too_large, "too large");
    return inner(rel);
  };
  auto e = load_links_for_layout(mb.signed_, broken, "", {}).error();
  CHECK(e.code == Errc::malformed_json);
  // Every file good but s5's: all read, s5's error reported.
  f.files["s0." + a.k8() + ".link"] = big;
  f.asked.clear();
  e = load_links_for_layout(mb.signed_, counting, "", {}).error();
  CHECK(e.message.starts_with("in-toto: links: 's5." + a.k8() + ".link': "));
  CHECK(f.asked.size() >= 6);
  f.files["s5." + a.k8() + ".link"] = link_file("s5", a, {}, {});
  auto chain = load_links_for_layout(mb.signed_, counting, "", {});
  REQUIRE(chain);
  CHECK(chain->size() == 8);
  CHECK(chain->at("s0")[0].keyid == a.id());

  // A step short of its threshold is reported before a later file that does not parse, as the
  // one-by-one loop stopped there.
  mb.signed_.steps[1].threshold = 2;
  f.files["s3." + a.k8() + ".link"] = "{";
  e = load_links_for_layout(mb.signed_, counting, "", {}).error();
  CHECK(e.code == Errc::link_missing);
  CHECK(e.message == "in-toto: links: step 's1' requires 2 link file(s), found 1");
}

TEST_CASE("link signatures: invalid or unknown-key files are dropped, distinct keys counted") {
  auto owner = gen(), a = gen(), b = gen(), mallory = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  ArtifactMap prod{{"out", H("1")}};
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {}, prod);
  f.files["build." + b.k8() + ".link"] = link_file("build", mallory, {}, prod);  // signed by the wrong key

  // threshold 1: b's file is skipped, a's counts.
  auto mb = layout_of({step("build", {&a, &b})}, {&a, &b}, owner);
  auto r = verify(mb, keys, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->links_verified == 1);

  // threshold 2: one valid file of two.
  mb = layout_of({step("build", {&a, &b}, 2)}, {&a, &b}, owner);
  auto e = verify(mb, keys, f.loader(), opts_at()).error();
  CHECK(e.code == Errc::threshold_not_met);
  CHECK(e.message.starts_with("in-toto: link signatures: step 'build'"));

  // A pubkey the layout has no key for: its file is not trusted.
  mb = layout_of({step("build", {&a, &b}, 2)}, {&a}, owner);
  f.files["build." + b.k8() + ".link"] = link_file("build", b, {}, prod);
  CHECK(verify(mb, keys, f.loader(), opts_at()).error().code == Errc::threshold_not_met);

  // One key under two layout key IDs counts once (the one counter).
  auto a2 = LayoutKey::from(a.pub);
  const std::string alias(64, 'c');
  mb = layout_of({step("build", {&a}, 2)}, {&a}, owner);
  mb.signed_.keys.emplace(alias, a2);
  mb.signed_.steps[0].pubkeys.push_back(alias);
  REQUIRE(sign(mb, owner.priv, owner.pub));
  f.files["build.cccccccc.link"] = f.files["build." + a.k8() + ".link"];
  CHECK(verify(mb, keys, f.loader(), opts_at()).error().code == Errc::threshold_not_met);

  // A signature that cannot be decoded aborts (the reference's FormatError), threshold met or not.
  mb = layout_of({step("build", {&a, &b})}, {&a, &b}, owner);
  auto odd = parse_link(f.files["build." + b.k8() + ".link"]).value();
  odd.signatures[0].sig = odd.signatures[0].sig.substr(0, 126);  // an Ed25519 signature of 63 bytes
  f.files["build." + b.k8() + ".link"] = dump(odd).value();
  e = verify(mb, keys, f.loader(), opts_at()).error();
  CHECK(e.code == Errc::bad_encoding);
  CHECK(e.message.starts_with("in-toto: link signatures: 'build." + b.k8() + ".link': "));
}

namespace {
// A link file whose signature names `as_id` instead of its signer's key ID (the signed bytes unchanged).
std::string signature_named(const std::string& file, const std::string& as_id) {
  auto mb = parse_link(file).value();
  REQUIRE(mb.signatures.size() == 1);
  mb.signatures[0].keyid = as_id;
  return dump(mb).value();
}
}  // namespace

TEST_CASE("link signatures: checked up front on two threads, a step name met twice (a Layout built in code) still sees its own") {
  // The first pass over "build" drops the badly signed file; the second pass over the same name
  // (only a Layout built in code can repeat one: parsing refuses it) must not take the up-front
  // results of the files the first pass dropped.
  auto owner = gen(), a = gen(), b = gen(), mallory = gen();
  ArtifactMap prod{{"out", H("1")}};
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", mallory, {}, prod);  // signed by the wrong key
  f.files["build." + b.k8() + ".link"] = link_file("build", b, {}, prod);
  auto mb = layout_of({step("build", {&a, &b}), step("build", {&a, &b})}, {&a, &b}, owner);
  auto chain = load_links_for_layout(mb.signed_, f.loader(), "", {});
  REQUIRE(chain);
  REQUIRE(chain->at("build").size() == 2);
  auto kept = verify_link_signature_thresholds(mb.signed_, *chain);
  REQUIRE(kept);
  CHECK(*kept == 2);  // b's link, kept by each pass
  REQUIRE(chain->at("build").size() == 1);
  CHECK(chain->at("build")[0].keyid == b.id());
}

TEST_CASE("link signatures: two keys whose key dicts share one keyid member count once (the reference's count)") {
  // verifylib.verify_link_signature_thresholds counts distinct key dict "keyid" members: layout
  // keys {A: key a, keyid A; B: key b, keyid A} with pubkeys [A, B], threshold 2, is
  // ThresholdVerificationError there although a and b are different keys.
  auto owner = gen(), a = gen(), b = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  LayoutMetablock mb;
  mb.signed_.expires = "2030-01-01T00:00:00Z";
  mb.signed_.expires_at = parse_expires(mb.signed_.expires).value();
  auto kb = LayoutKey::from(b.pub);
  kb.keyid = a.id();
  kb.dict["keyid"] = a.id();
  mb.signed_.keys.emplace(a.id(), LayoutKey::from(a.pub));
  mb.signed_.keys.emplace(b.id(), kb);
  mb.signed_.steps = {step("build", {&a, &b}, 2)};
  REQUIRE(sign(mb, owner.priv, owner.pub));
  ArtifactMap prod{{"out", H("1")}};
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {}, prod);
  // b's link: signed by b, its signature naming a's key ID (what b's key dict selects signatures by).
  f.files["build." + b.k8() + ".link"] = signature_named(link_file("build", b, {}, prod), a.id());
  auto r = verify(mb, keys, f.loader(), opts_at());
  INFO((r ? "passed, links_verified=" + std::to_string(r->links_verified) : r.error().message));
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::threshold_not_met);
  CHECK(r.error().message.starts_with("in-toto: link signatures: step 'build'"));
  // Each link alone is valid: with threshold 1 the chain passes, both files kept.
  mb.signed_.steps[0].threshold = 1;
  REQUIRE(sign(mb, owner.priv, owner.pub));
  r = verify(mb, keys, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->links_verified == 2);
}

TEST_CASE("threshold constraints and reduction: agreeing links pass, the first in pubkeys order is kept") {
  auto owner = gen(), a = gen(), b = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {}, {{"out", H("1")}}, {"make", "a"});
  f.files["build." + b.k8() + ".link"] = link_file("build", b, {}, {{"out", H("1")}}, {"make", "b"});
  auto mb = layout_of({step("build", {&b, &a}, 2)}, {&a, &b}, owner);
  auto r = verify(mb, keys, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->summary.command == std::vector<std::string>{"make", "b"});  // b is first in pubkeys
  CHECK(r->warnings.size() == 2);                                      // both commands differ from "make"

  f.files["build." + b.k8() + ".link"] = link_file("build", b, {}, {{"out", H("2")}});
  auto e = verify(mb, keys, f.loader(), opts_at()).error();
  CHECK(e.code == Errc::threshold_not_met);
  CHECK(e.message == "in-toto: threshold constraints: links 'build." + b.k8() + ".link' and 'build." + a.k8() +
                         ".link' have different artifacts");
  // With threshold 1 disagreeing links pass (the reference compares only for threshold > 1).
  mb = layout_of({step("build", {&b, &a}, 1)}, {&a, &b}, owner);
  r = verify(mb, keys, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->summary.products.at("out") == H("2"));
  CHECK(r->links_verified == 2);
}

TEST_CASE("step rules: MATCH across steps, a failure names the stage and item") {
  auto owner = gen(), a = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  auto s1 = step("fetch", {&a});
  s1.expected_products = rules({{"CREATE", "src"}, {"DISALLOW", "*"}});
  auto s2 = step("build", {&a});
  s2.expected_materials = rules({{"MATCH", "src", "WITH", "PRODUCTS", "FROM", "fetch"}, {"DISALLOW", "*"}});
  auto mb = layout_of({s1, s2}, {&a}, owner);
  Files f;
  f.files["fetch." + a.k8() + ".link"] = link_file("fetch", a, {}, {{"src", H("1")}});
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {{"src", H("1")}}, {{"bin", H("3")}});
  auto r = verify(mb, keys, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->summary.materials.empty());  // fetch's materials
  CHECK(r->summary.products.contains("bin"));
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {{"src", H("2")}}, {{"bin", H("3")}});
  auto e = verify(mb, keys, f.loader(), opts_at()).error();
  CHECK(e.code == Errc::rule_failed);
  CHECK(e.message.starts_with("in-toto: step rules: item 'build' expected_materials rule 'DISALLOW *'"));
}

TEST_CASE("parameters are substituted after the signature check") {
  auto owner = gen(), a = gen();
  auto s = step("build", {&a});
  s.expected_products = rules({{"DISALLOW", "{bad}"}});
  auto mb = layout_of({s}, {&a}, owner);
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {}, {{"x.o", H("1")}});
  auto o = opts_at();
  o.parameters = Parameters{{"bad", "*.o"}};
  CHECK(verify(mb, {{owner.id(), owner.pub}}, f.loader(), o).error().code == Errc::rule_failed);
  o.parameters = Parameters{{"bad", "*.exe"}};
  CHECK(verify(mb, {{owner.id(), owner.pub}}, f.loader(), o));
  o.parameters = Parameters{{"other", "x"}};
  auto e = verify(mb, {{owner.id(), owner.pub}}, f.loader(), o).error();
  CHECK(e.message.starts_with("in-toto: parameter substitution: "));
}

TEST_CASE("inspections: all run before their rules, the return value must be the integer 0") {
  auto owner = gen(), a = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  auto first = inspection("first", rules({{"DISALLOW", "*"}}));
  auto second = inspection("second");
  second.expected_materials = rules({{"MATCH", "p", "WITH", "PRODUCTS", "FROM", "first"}, {"DISALLOW", "p"}});
  Files f;
  f.files["build." + a.k8() + ".link"] = link_file("build", a, {}, {});
  auto mb = layout_of({step("build", {&a})}, {&a}, owner, {first, second});

  std::vector<std::string> ran;
  cjson::Json rv = 0;
  auto o = opts_at();
  o.run_inspection = [&](const Inspection& i) -> Result<Link> {
    ran.push_back(i.name);
    Link l = inspection_link(rv, {{"p", H("1")}});
    l.materials = {{"p", H("1")}};
    return l;
  };
  // "first" DISALLOWs its materials: it fails, but only after both ran.
  auto e = verify(mb, keys, f.loader(), o).error();
  CHECK(ran == std::vector<std::string>{"first", "second"});
  CHECK(e.code == Errc::rule_failed);
  CHECK(e.message.starts_with("in-toto: inspection rules: item 'first' expected_materials"));

  // Inspections MATCH each other's links (the link is named after the inspection, whatever it says).
  mb = layout_of({step("build", {&a})}, {&a}, owner, {inspection("first"), second});
  auto r = verify(mb, keys, f.loader(), o);
  REQUIRE(r);
  CHECK(r->inspections_run == 2);

  for (auto [value, why] : std::vector<std::pair<cjson::Json, std::string>>{
           {cjson::Json(1), "non-zero return value '1'"},
           {cjson::Json(-1), "non-zero return value '-1'"},
           {cjson::Json("0"), "non-int return value '\"0\"'"},
           {cjson::Json(0.0), "non-int return value '0.0'"},
           {cjson::Json(false), "non-int return value 'false'"},
           {cjson::Json(cjson::Json::value_t::discarded), "non-int return value 'None'"}}) {
    INFO(why);
    rv = value;
    ran.clear();
    e = verify(mb, keys, f.loader(), o).error();
    CHECK(e.code == Errc::inspection_failed);
    CHECK(e.message == "in-toto: inspections: inspection 'first' ['check', 'first']: " + why);
    CHECK(ran == std::vector<std::string>{"first"});
  }

  // A runner error keeps its code (a tripped limit) and names the inspection.
  o.run_inspection = [](const Inspection&) -> Result<Link> {
    return fail(Errc::inspection_failed, "wall-clock limit of 10 s reached");
  };
  e = verify(mb, keys, f.loader(), o).error();
  CHECK(e.code == Errc::inspection_failed);
  CHECK(e.message == "in-toto: inspections: inspection 'first' ['check', 'first']: wall-clock limit of 10 s reached");
  // No runner for a layout with inspections.
  o.run_inspection = nullptr;
  e = verify(mb, keys, f.loader(), o).error();
  CHECK(e.code == Errc::usage);
  // Step rules run before any inspection: a failing step rule means no inspection runs.
  auto s = step("build", {&a});
  s.expected_products = rules({{"REQUIRE", "missing"}});
  mb = layout_of({s}, {&a}, owner, {first});
  ran.clear();
  o.run_inspection = [&](const Inspection& i) -> Result<Link> {
    ran.push_back(i.name);
    return inspection_link(0);
  };
  CHECK(verify(mb, keys, f.loader(), o).error().code == Errc::rule_failed);
  CHECK(ran.empty());
}

TEST_CASE("sublayouts: verified with the functionary's key, links from <step>.<k8>/, depth bounded") {
  auto owner = gen(), a = gen(), c = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  // a delegates "build" to a sublayout in which c does "compile".
  auto inner_step = step("compile", {&c});
  auto sub = layout_of({inner_step}, {&c}, a);
  auto top = layout_of({step("build", {&a})}, {&a}, owner);
  Files f;
  f.files["build." + a.k8() + ".link"] = layout_file(sub);
  f.files["build." + a.k8() + "/compile." + c.k8() + ".link"] =
      link_file("compile", c, {{"s", H("1")}}, {{"b", H("2")}}, {"cc"});
  auto r = verify(top, keys, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->links_verified == 2);
  // The sublayout's warning names it; the summary's command ("cc") differs from "make" too.
  REQUIRE(r->warnings.size() == 2);
  CHECK(r->warnings[0] == "in-toto: sublayouts: step 'build' sublayout 'build." + a.k8() +
                              ".link': command alignment: 'compile." + c.k8() +
                              ".link': command ['cc'] differs from the expected command ['make']");
  CHECK(r->warnings[1] == "in-toto: command alignment: 'build." + a.k8() +
                              ".link': command ['cc'] differs from the expected command ['make']");
  CHECK(r->summary.products.at("b") == H("2"));
  CHECK(r->summary.materials.at("s") == H("1"));

  // The sublayout signed by another key than the functionary's: its file is dropped.
  f.files["build." + a.k8() + ".link"] = layout_file(layout_of({inner_step}, {&c}, c));
  CHECK(verify(top, keys, f.loader(), opts_at()).error().code == Errc::threshold_not_met);
  // An expired sublayout fails the whole.
  auto old = sub;
  old.signed_.expires = "2020-01-01T00:00:00Z";
  old.signed_.expires_at = parse_expires(old.signed_.expires).value();
  REQUIRE(sign(old, a.priv, a.pub));
  f.files["build." + a.k8() + ".link"] = layout_file(old);
  auto e = verify(top, keys, f.loader(), opts_at()).error();
  CHECK(e.code == Errc::expired);
  CHECK(e.message == "in-toto: sublayouts: step 'build' sublayout 'build." + a.k8() +
                         ".link': layout expiration: the layout expired at '2020-01-01T00:00:00Z'");

  // The same sublayout delegating "build" to itself at every level ends at the depth bound.
  auto self = layout_of({step("build", {&a})}, {&a}, a, {}, "self");
  Files cyc;
  LinkLoader every_level = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    cyc.asked.emplace_back(rel);
    return std::optional<std::string>(layout_file(self));
  };
  e = verify(top, keys, every_level, opts_at()).error();
  CHECK(e.code == Errc::too_deep);
  CHECK(e.message.find("sublayouts nest deeper than 8") != std::string::npos);
  CHECK(cyc.asked.size() == kMaxSublayoutDepth + 1);  // one file per level, the top's included

  // Depth: distinct sublayouts nesting without end stop at kMaxSublayoutDepth.
  std::size_t deepest = 0;
  LinkLoader deeper = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    const auto depth = static_cast<std::size_t>(std::count(rel.begin(), rel.end(), '/'));
    deepest = std::max(deepest, depth);
    return std::optional<std::string>(layout_file(layout_of({step("build", {&a})}, {&a}, a, {}, std::to_string(depth))));
  };
  e = verify(top, keys, deeper, opts_at()).error();
  CHECK(e.code == Errc::too_deep);
  CHECK(e.message.find("sublayouts nest deeper than 8") != std::string::npos);
  CHECK(deepest == kMaxSublayoutDepth);
}

TEST_CASE("sublayouts: a sublayout identical to its enclosing layout passes when its own links exist (the reference's verdict)") {
  // Each level reads a deeper link directory, so the same layout bytes at two levels is no loop:
  // in-toto-verify passes this chain. The depth and count bounds are what end a real loop.
  auto owner = gen(), a = gen();
  auto top = layout_of({step("build", {&a})}, {&a}, owner);
  REQUIRE(sign(top, a.priv, a.pub));  // signed by owner and by a: a valid layout at both levels
  Files f;
  f.files["build." + a.k8() + ".link"] = layout_file(top);
  f.files["build." + a.k8() + "/build." + a.k8() + ".link"] = link_file("build", a, {}, {{"out", H("1")}});
  auto r = verify(top, {{owner.id(), owner.pub}}, f.loader(), opts_at());
  INFO((r ? std::string("passed") : r.error().message));
  REQUIRE(r);
  CHECK(r->links_verified == 2);
  CHECK(r->summary.products.at("out") == H("1"));
  CHECK(f.asked == std::vector<std::string>{"build." + a.k8() + ".link", "build." + a.k8() + "/build." + a.k8() + ".link"});
}

TEST_CASE("a layout with no steps and no inspections passes with an empty summary") {
  auto owner = gen();
  auto mb = layout_of({}, {}, owner);
  Files f;
  auto r = verify(mb, {{owner.id(), owner.pub}}, f.loader(), opts_at());
  REQUIRE(r);
  CHECK(r->summary.name.empty());
  CHECK(r->summary.materials.empty());
  CHECK(r->links_verified == 0);
  CHECK(f.asked.empty());
}

TEST_CASE("sublayouts: a functionary's fan-out of sibling sublayouts is bounded in total, not only in depth") {
  auto owner = gen(), a = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  auto fan = [&] {
    std::vector<Step> steps;
    for (int i = 0; i < 5; ++i) steps.push_back(step("s" + std::to_string(i), {&a}));
    return steps;
  };
  auto top = layout_of(fan(), {&a}, owner);
  // Every link file down to depth 5 is a sublayout signed by a (distinct per depth)
  // with 5 delegated steps: 5^5 = 3125 sublayouts, all within the depth bound.
  std::map<std::size_t, std::string> by_depth;
  std::size_t loads = 0;
  LinkLoader loader = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    ++loads;
    const auto depth = static_cast<std::size_t>(std::count(rel.begin(), rel.end(), '/'));
    if (!by_depth.contains(depth))
      by_depth[depth] = depth < 5 ? layout_file(layout_of(fan(), {&a}, a, {}, std::to_string(depth)))
                                  : link_file("s", a, {}, {});
    return std::optional<std::string>(by_depth[depth]);
  };
  auto r = verify(top, keys, loader, opts_at());
  REQUIRE_FALSE(r);
  const auto& e = r.error();
  INFO(e.message);
  CHECK(e.code == Errc::too_large);
  CHECK(e.message.find("more than " + std::to_string(kMaxSublayouts) + " sublayouts") != std::string::npos);
  CHECK(loads < 5 * (kMaxSublayouts + 2));
}

TEST_CASE("link bytes: one budget per verify() over every file the loader returns, sublayouts included") {
  CHECK(VerifyOptions{}.max_link_bytes == std::size_t{256} << 20);
  auto owner = gen(), a = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  std::vector<Step> steps;
  for (int i = 0; i < 50; ++i) steps.push_back(step("s" + std::to_string(i), {&a}));
  auto top = layout_of(steps, {&a}, owner);
  // One big link returned for every step (a functionary's files need not differ).
  LinkMetablock big;
  big.signed_.name = "x";
  big.signed_.command = {"make"};
  big.signed_.byproducts["stdout"] = std::string(100'000, 'x');
  REQUIRE(sign(big, a.priv, a.pub));
  const std::string file = dump(big).value();
  std::size_t loads = 0;
  LinkLoader same = [&](std::string_view) -> Result<std::optional<std::string>> {
    ++loads;
    return std::optional<std::string>(file);
  };
  auto o = opts_at();
  o.max_link_bytes = 10 * file.size();  // exactly ten files
  auto r = verify(top, keys, same, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::too_large);
  CHECK(r.error().message == "in-toto: links: reading 's10." + a.k8() + ".link': the link files read exceed the budget of " +
                                 std::to_string(10 * file.size()) + " bytes in one verification");
  CHECK(loads == 11);  // stops at the first file over the budget
  // Ten steps fit exactly.
  top = layout_of(std::vector<Step>(steps.begin(), steps.begin() + 10), {&a}, owner);
  loads = 0;
  r = verify(top, keys, same, o);
  REQUIRE(r);
  CHECK(loads == 10);

  // Sublayouts share the budget: a's sublayout file and its links count with the top's.
  auto sub = layout_of(std::vector<Step>(steps.begin(), steps.begin() + 10), {&a}, a);
  const std::string subf = layout_file(sub);
  top = layout_of({step("build", {&a})}, {&a}, owner);
  LinkLoader nested = [&](std::string_view rel) -> Result<std::optional<std::string>> {
    return std::optional<std::string>(rel.find('/') == std::string_view::npos ? subf : file);
  };
  o.max_link_bytes = subf.size() + 10 * file.size();
  CHECK(verify(top, keys, nested, o));
  o.max_link_bytes -= 1;
  r = verify(top, keys, nested, o);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::too_large);
  CHECK(r.error().message.starts_with("in-toto: sublayouts: step 'build' sublayout 'build." + a.k8() +
                                      ".link': links: reading 'build." + a.k8() + "/s9." + a.k8() + ".link': "));
}

TEST_CASE("layout items: more than kMaxLayoutItems steps and inspections is too large, before any link is read") {
  auto owner = gen(), a = gen();
  std::vector<Step> steps;
  for (std::size_t i = 0; i < kMaxLayoutItems; ++i) steps.push_back(step("s" + std::to_string(i), {&a}));
  auto top = layout_of(steps, {&a}, owner, {inspection("i")});
  Files f;
  auto r = verify(top, {{owner.id(), owner.pub}}, f.loader(), opts_at());
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Errc::too_large);
  CHECK(r.error().message == "in-toto: links: the layout has 1025 steps and inspections, more than 1024");
  CHECK(f.asked.empty());
  // At the bound the links are read (and missing here).
  top = layout_of(steps, {&a}, owner);
  CHECK(verify(top, {{owner.id(), owner.pub}}, f.loader(), opts_at()).error().code == Errc::link_missing);
}

TEST_CASE("a layout key under dict key X whose keyid member is Y: signatures are selected by Y, files named by X") {
  // verifylib: files are "<step>.<X[:8]>.link" (the step's pubkey), Metablock.verify_signature
  // selects the signature by the key dict's "keyid" member, and a sublayout's links are read from
  // "<step>.<X[:8]>/" (SUBLAYOUT_LINK_DIR_FORMAT with the dict key).
  auto owner = gen(), a = gen(), c = gen();
  const std::map<std::string, crypto::SslibKey> keys{{owner.id(), owner.pub}};
  const std::string X(64, 'e');  // the dict key; Y = a.id() is the member
  const std::string x8 = X.substr(0, 8);
  auto with_x = [&](std::vector<Step> steps) {
    LayoutMetablock mb;
    mb.signed_.expires = "2030-01-01T00:00:00Z";
    mb.signed_.expires_at = parse_expires(mb.signed_.expires).value();
    mb.signed_.keys.emplace(X, LayoutKey::from(a.pub));
    mb.signed_.steps = std::move(steps);
    REQUIRE(sign(mb, owner.priv, owner.pub));
    return mb;
  };
  Step s;
  s.name = "build";
  s.pubkeys = {X};
  s.threshold = 1;
  s.expected_command = {"make"};
  auto top = with_x({s});
  REQUIRE(top.signed_.keys.at(X).keyid == a.id());
  ArtifactMap prod{{"out", H("1")}};
  const std::string by_y = link_file("build", a, {}, prod);  // its signature names Y
  Files f;
  f.files["build." + x8 + ".link"] = by_y;
  auto r = verify(top, keys, f.loader(), opts_at());
  INFO((r ? std::string("passed") : r.error().message));
  REQUIRE(r);
  CHECK(r->links_verified == 1);
  CHECK(f.asked == std::vector<std::string>{"build." + x8 + ".link"});
  // The same signature naming X is not found (the member selects): dropped, threshold not met.
  f.files["build." + x8 + ".link"] = signature_named(by_y, X);
  CHECK(verify(top, keys, f.loader(), opts_at()).error().code == Errc::threshold_not_met);
  // A file named after Y is never read.
  f.files.clear();
  f.files["build." + a.k8() + ".link"] = by_y;
  CHECK(verify(top, keys, f.loader(), opts_at()).error().code == Errc::link_missing);

  // A sublayout signed by a (its signature naming Y): verified with {Y: a}, its links read from
  // "build.<X[:8]>/".
  auto sub = layout_of({step("compile", {&c})}, {&c}, a);
  Files g;
  g.files["build." + x8 + ".link"] = layout_file(sub);
  g.files["build." + x8 + "/compile." + c.k8() + ".link"] = link_file("compile", c, {}, prod);
  r = verify(top, keys, g.loader(), opts_at());
  INFO((r ? std::string("passed") : r.error().message));
  REQUIRE(r);
  CHECK(r->links_verified == 2);
  CHECK(g.asked == std::vector<std::string>{"build." + x8 + ".link", "build." + x8 + "/compile." + c.k8() + ".link"});
  CHECK(r->summary.products == prod);
}
