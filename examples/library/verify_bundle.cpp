// What a CNAB runtime does before it runs a bundle, with libsigny: verify, then run only the
// digest-pinned images the report names. Built against the installed library only (find_package
// or pkg-config).
//   verify_bundle [-d TRUST_DIR] [--server URL] [--policy FILE] [--thick FILE] [--action A] REF
// Exit 0 when the bundle may run, 1 when it is denied, 2 for a wrong command line.
#include <signy/signy.hpp>

#include <cstdio>
#include <string>
#include <string_view>

int main(int argc, char** argv) {
  signy::lib::Options options;
  signy::lib::VerifyRequest request;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    bool good = true;
    if (arg == "-d") good = value(options.trust_dir);
    else if (arg == "--server") good = value(options.server);
    else if (arg == "--policy") good = value(options.policy_file);
    else if (arg == "--thick") good = value(request.thick_file);
    else if (arg == "--action") good = value(request.action);
    else if (request.reference.empty() && !arg.empty() && arg[0] != '-') request.reference = arg;
    else good = false;
    if (!good) {
      std::fprintf(stderr, "usage: verify_bundle [-d DIR] [--server URL] [--policy FILE] [--thick FILE] [--action A] REF\n");
      return 2;
    }
  }
  if (request.reference.empty()) {
    std::fprintf(stderr, "usage: verify_bundle [-d DIR] [--server URL] [--policy FILE] [--thick FILE] [--action A] REF\n");
    return 2;
  }
  request.runtime = "verify_bundle example (libsigny " + signy::lib::version() + ")";

  const signy::lib::VerifyReport report = signy::lib::verify(request, options);
  for (const auto& c : report.checks)
    std::printf("check %-14s %-8s %s\n", c.name.c_str(), c.status.c_str(), c.detail.c_str());
  for (const auto& w : report.warnings) std::printf("warning: %s\n", w.c_str());
  if (!report.allowed) {
    std::printf("deny (%s): %s\n", report.denial.c_str(), report.reason.c_str());
    if (report.error) std::printf("error %s (%s, exit code %d)\n", report.error->code.c_str(), report.error->category.c_str(), report.error->exit_code);
    return 1;
  }
  std::printf("allow %s:%s signed by %s version %lld, policy %s (%s)\n", report.gun.c_str(), report.target.c_str(),
              report.role.c_str(), static_cast<long long>(report.role_version), report.policy.c_str(), report.level.c_str());
  std::printf("bundle length %llu sha256 %s\n", static_cast<unsigned long long>(report.length), report.sha256.c_str());
  for (const auto& image : report.images) std::printf("run %s %s\n", image.name.c_str(), image.reference.c_str());
  return 0;
}
