// `pdpctl matrix`: principals x pages for one account or a whole
// organization (AuthorizationService.AccessMatrix, one snapshot), as a text
// grid, CSV (wide or long), one self-contained HTML file, or JSON. The
// rendering is matrix_render.h's; this file parses the command line, reads
// the stream and writes the result.
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "billing_pdp/authorization_client.h"
#include "client/pdpctl/cli.h"
#include "client/pdpctl/matrix_render.h"

namespace pdpctl {
namespace {

struct MatrixFlags {
  std::string account, organization, format, file;
  std::vector<std::string> pages, context;
  int64_t min_revision = 0;
};

pdp::RequestContextValues ContextOf(const std::vector<std::string>& pairs) {
  pdp::RequestContextValues context;
  for (const std::string& v : pairs) {
    const size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--context takes KEY=VALUE");
    context[v.substr(0, eq)].push_back(v.substr(eq + 1));
  }
  return context;
}

// A fresh CSP nonce per HTML file: 16 random bytes, base64.
std::string RandomNonce() {
  std::random_device device;
  std::string bytes;
  for (int i = 0; i < 16; ++i) bytes += static_cast<char>(device() & 0xff);
  return absl::Base64Escape(bytes);
}

int Matrix(Context& ctx, const MatrixFlags& f) {
  if (f.account.empty() == f.organization.empty()) {
    throw UsageError("give either ACCOUNT or --org ORGANIZATION_ID");
  }
  const std::string format = !f.format.empty() ? f.format : ctx.json ? "json" : "text";
  pdp::AccessMatrixQuery query;
  query.account_id = f.account;
  query.organization_id = f.organization;
  query.page_ids = f.pages;
  query.context = ContextOf(f.context);
  query.min_revision = f.min_revision;

  // The whole matrix is gathered before anything is written: a stream that
  // breaks off leaves no half a report behind.
  MatrixCollector collector;
  absl::Status collected;
  const absl::Status status = pdp::AuthorizationClient(ctx.options)
                                  .AccessMatrix(query, [&](const pdp::v1::AccessMatrixResponse& m) {
                                    collected = collector.Add(m);
                                    return collected.ok();
                                  });
  if (!collected.ok()) return Fail(ctx, collected);
  if (!status.ok()) return Fail(ctx, status);
  if (absl::Status done = collector.Finish(); !done.ok()) return Fail(ctx, done);

  const pdp::v1::AccessMatrixResponse& matrix = collector.matrix();
  const MatrixScope scope{.organization = !f.organization.empty(),
                          .id = f.organization.empty() ? f.account : f.organization};
  std::string out;
  if (format == "json") {
    out = ToJson(matrix) + "\n";
  } else if (format == "csv") {
    out = RenderCsvWide(matrix);
  } else if (format == "csv-long") {
    out = RenderCsvLong(matrix);
  } else if (format == "html") {
    out = RenderHtml(matrix, scope, HtmlOptions{.nonce = RandomNonce()});
  } else {
    out = RenderText(matrix, scope);
  }
  if (f.file.empty() || f.file == "-") {
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kOk;
  }
  std::ofstream file(f.file, std::ios::binary | std::ios::trunc);
  file << out;
  file.close();
  if (!file) return Fail(ctx, absl::InvalidArgumentError(absl::StrCat("cannot write ", f.file)));
  std::fprintf(stderr, "access matrix of %s %s at revision %lld (%d principals x %d pages) in %s\n",
               scope.organization ? "organization" : "account", scope.id.c_str(),
               static_cast<long long>(matrix.revision()), matrix.rows_size(), matrix.pages_size(),
               f.file.c_str());
  return kOk;
}

}  // namespace

void AddMatrixCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<MatrixFlags>();
  CLI::App* cmd = app.add_subcommand(
      "matrix",
      "principals x pages of ACCOUNT or of every account of --org: MODIFY, VIEW or the denial's "
      "reason for each, on one snapshot; as a text grid, CSV, or one self-contained HTML file");
  cmd->add_option("ACCOUNT", f->account, "12-digit account ID (or --org)");
  cmd->add_option("--org", f->organization, "an organization ID (o-...): all its accounts");
  cmd->add_option("--format", f->format,
                  "text (default; a grid of one-letter codes), csv (a row per principal), "
                  "csv-long (a row per principal and page, with reasons and statement), html "
                  "(one self-contained file, filterable), json (default with --output json)")
      ->check(CLI::IsMember({"text", "csv", "csv-long", "html", "json"}));
  cmd->add_option("-o,--file", f->file, "write here instead of standard output");
  cmd->add_option("--page", f->pages,
                  "only this page, as a column in the order given (repeatable; default every "
                  "page of the catalogue)");
  cmd->add_option("--context", f->context, "request context KEY=VALUE (repeatable)");
  cmd->add_option("--min-revision", f->min_revision,
                  "at least this revision (wait for it): e.g. the one a write returned")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([&ctx, f] { ctx.run = [&ctx, f] { return Matrix(ctx, *f); }; });
}

}  // namespace pdpctl
