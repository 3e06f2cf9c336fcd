#include "client/pdpctl/cli.h"

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "billing_pdp/status.h"
#include "google/protobuf/util/json_util.h"

namespace pdpctl {

std::string ToJson(const google::protobuf::Message& message, bool one_line) {
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = !one_line;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;  // empty lists as [], false as false: one shape
  std::string out;
  // Only fails on messages that cannot be JSON (e.g. a bad Any): none of ours.
  (void)google::protobuf::util::MessageToJsonString(message, &out, o);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

void PrintJson(const google::protobuf::Message& message) {
  std::printf("%s\n", ToJson(message).c_str());
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int ExitCodeFor(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return kOk;
    case absl::StatusCode::kInvalidArgument:
      return kUsage;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
      return kUnreachable;
    default:
      return kRefused;
  }
}

int Fail(const Context& ctx, const absl::Status& status) {
  const std::string code = absl::StatusCodeToString(status.code());
  const std::string reason = pdp::ServerErrorReason(status);
  const std::vector<std::string> fields = pdp::ServerErrorFields(status);
  if (ctx.json) {
    // The same keys every time: "" and [] when the server gave no detail.
    std::vector<std::string> quoted;
    for (const auto& f : fields) quoted.push_back(Quote(f));
    std::printf(
        "{\n  \"error\": {\n    \"code\": %s,\n    \"message\": %s,\n    \"reason\": %s,\n"
        "    \"field\": %s,\n    \"fields\": [%s]\n  }\n}\n",
        Quote(code).c_str(), Quote(std::string(status.message())).c_str(), Quote(reason).c_str(),
        Quote(fields.empty() ? "" : fields[0]).c_str(), absl::StrJoin(quoted, ", ").c_str());
  } else {
    std::string hint;
    if (status.code() == absl::StatusCode::kUnavailable && reason.empty()) {
      hint = ctx.tls ? " (TLS: does --tls-ca hold the CA that signed the server's certificate, and "
                       "does the certificate name the --server host or --tls-server-name? does "
                       "the server want a client certificate, --tls-cert and --tls-key?)"
                     : " (is the server running there? does it want TLS: --tls-ca?)";
    }
    std::fprintf(stderr, "pdpctl: %s: %s%s%s\n", code.c_str(),
                 std::string(status.message()).c_str(),
                 reason.empty() ? "" : absl::StrCat(" [", reason, "]").c_str(), hint.c_str());
  }
  return ExitCodeFor(status);
}

}  // namespace pdpctl
