// The pre-install hook protocol, version 1 (issue 10 item 2; cnab-spec 303: a runtime MUST deny
// installation of a bundle that fails verification; docs/security/hook.md, JSON Schemas in
// docs/security/hook-request.schema.json and hook-verdict.schema.json).
//
// A runtime asks before every action (install, upgrade, invoke, uninstall, custom actions alike)
// with one JSON request, or with the CNAB runtime variables (cnab-spec 103: CNAB_ACTION,
// CNAB_INSTALLATION_NAME, CNAB_BUNDLE_NAME, CNAB_BUNDLE_VERSION) plus SIGNY_BUNDLE_REFERENCE ...;
// the answer is one JSON verdict built from api::verify_bundle's Report. Fail closed: whatever
// cannot be parsed, read or decided is a deny verdict, never an allow.
#pragma once
#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "signy/api/verify_bundle.hpp"
#include "signy/cjson/cjson.hpp"

namespace signy::api {

inline constexpr std::string_view kHookProtocolVersion = "1";
inline constexpr std::size_t kMaxHookRequestBytes = 64 * 1024;  // a request is a few hundred bytes
inline constexpr std::size_t kMaxHookField = 4096;              // any one string of a request

// {"version": "1"?, "action": ACTION, "bundle": {"reference": REF, "path": FILE?},
//  "relocationMap": FILE?, "runtime": NAME?, "installation": NAME?}
// Every key is checked: an unknown key, a wrong type, a duplicate key, an empty or over-long
// string, a control byte, an unsupported version is Errc::malformed_json / unsupported_value.
struct HookRequest {
  std::string version{kHookProtocolVersion};
  std::string action;      // install | upgrade | invoke | uninstall | a custom action name
  std::string reference;   // REF (registry/repository:tag or @digest)
  std::optional<std::filesystem::path> bundle_path;     // a thick bundle archive; unset: thin
  std::optional<std::filesystem::path> relocation_map;  // Porter's relocation-mapping.json
  std::string runtime;       // who asks (for the verdict only)
  std::string installation;  // CNAB_INSTALLATION_NAME (for the verdict only)
  // With --env: the verified bundle.json's name and version must be these (cnab-spec 103).
  std::optional<std::string> bundle_name, bundle_version;
};

// A request read from stdin: at most kMaxHookRequestBytes (more is Errc::too_large).
Result<HookRequest> parse_hook_request(std::string_view json);

// The CNAB runtime variables (cnab-spec 103) and signy's: CNAB_ACTION (required),
// SIGNY_BUNDLE_REFERENCE (required), SIGNY_BUNDLE_PATH, SIGNY_RELOCATION_MAP, SIGNY_RUNTIME,
// CNAB_INSTALLATION_NAME, CNAB_BUNDLE_NAME and CNAB_BUNDLE_VERSION (checked against the verified
// bundle.json). `getenv` returns unset as nullopt (tests pass a map).
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
Result<HookRequest> hook_request_from_env(const EnvLookup& getenv);

// What verify_bundle is asked for this request (every action verified alike).
BundleRequest bundle_request(const HookRequest& request);

// verify_bundle, then the runtime's own claims (CNAB_BUNDLE_NAME/VERSION against the verified
// bundle.json, check "runtime-bundle"). Never fails: any error is a deny Report.
Report run_hook(const HookRequest& request, const Environment& environment);

// A deny Report for a failure before verification could start (a bad request, the deadline).
Report hook_denied(const Error& error, Denial denial, const HookRequest* request = nullptr);

// The verdict document (protocol version 1): {"version", "verdict", "reason", "denial", "error",
// "action", "reference", "runtime", "installation", "policy", "checks", "bundle", "role",
// "roleVersion", "images", "inToto", "warnings"}. An allow always carries bundle and images.
cjson::Json hook_verdict(const Report& report);

// The hook's exit code: 0 allow, 1 denied by verification (or policy), 2 bad request or
// configuration, 3 not signed, 4 infrastructure (network, I/O, deadline, internal).
int hook_exit_code(const Report& report) noexcept;

}  // namespace signy::api
