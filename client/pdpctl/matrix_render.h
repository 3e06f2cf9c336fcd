// `pdpctl matrix`'s output: the access matrix (principals x pages, the
// AuthorizationService.AccessMatrix stream) collected into one message and
// rendered as text, CSV or one self-contained HTML file. Pure functions of
// their arguments (no I/O, no clock, no gRPC): the unit tests and the
// browser test render matrices they build by hand. Thread-compatible.
//
// Every string that comes from the server (ARNs, page titles, statement
// names: user data) is escaped for the format it lands in: RFC 4180 quoting
// in CSV, HTML escaping in HTML (text and attribute values alike), never
// interpreted. README "The access matrix" shows the formats.
#ifndef PDP_CLIENT_PDPCTL_MATRIX_RENDER_H_
#define PDP_CLIENT_PDPCTL_MATRIX_RENDER_H_

#include <string>

#include "absl/status/status.h"
#include "pdp/v1/authorization.pb.h"

namespace pdpctl {

// What the matrix was asked about (the response does not repeat it).
struct MatrixScope {
  bool organization = false;  // true: every account of organization `id`
  std::string id;             // the account or organization id
};

// Folds the stream's messages into one AccessMatrixResponse (revision, the
// columns, every row in stream order). Fails closed, with INTERNAL, on a
// stream that does not make one matrix: columns outside the first message,
// a revision that changes, a row whose cells do not match the columns. A
// matrix that renders is therefore rectangular.
class MatrixCollector {
 public:
  absl::Status Add(const pdp::v1::AccessMatrixResponse& message);
  // Every message added; an empty stream is INTERNAL (the first message
  // carries the columns, even for an account without principals).
  absl::Status Finish() const;
  const pdp::v1::AccessMatrixResponse& matrix() const { return matrix_; }
  pdp::v1::AccessMatrixResponse& mutable_matrix() { return matrix_; }

 private:
  pdp::v1::AccessMatrixResponse matrix_;
  int messages_ = 0;
};

// One letter per cell for the text grid: M (MODIFY), V (VIEW), or the
// denial's reason code (ReasonCode); "IMPLICIT_DENY" is '.', so what stands
// out in a grid is what was granted or explicitly refused.
char CellCode(const pdp::v1::AccessMatrixCell& cell);
char ReasonCode(pdp::v1::Reason reason);

// "MODIFY", "VIEW", or "DENY:<REASON>" (the wide CSV's cell).
std::string CellWord(const pdp::v1::AccessMatrixCell& cell);

// Text for a terminal: a header (scope, revision, counts), the legend of
// the codes present, the page columns numbered (two to a line), then a grid
// of one line per principal, grouped by account, one code per page, in
// groups of ten columns under a two-line column number header. Every ARN in
// full; control characters in user data are shown as '?'.
std::string RenderText(const pdp::v1::AccessMatrixResponse& matrix, const MatrixScope& scope);

// Wide CSV (RFC 4180, CRLF line ends): header
// account_id,principal,kind,<page id>...; one row per principal; each page
// cell CellWord.
std::string RenderCsvWide(const pdp::v1::AccessMatrixResponse& matrix);

// Long CSV (RFC 4180, CRLF): header
// account_id,principal,kind,page_id,console,access,reason,view_reason,statement;
// one row per principal x page, access MODIFY / VIEW / DENY, reason as the
// cell's (the denial's, or for VIEW why MODIFY is refused), view_reason set
// when access is MODIFY or VIEW.
std::string RenderCsvLong(const pdp::v1::AccessMatrixResponse& matrix);

struct HtmlOptions {
  // The Content-Security-Policy nonce of the page's one script and style
  // ([A-Za-z0-9+/=]; pdpctl draws a random one per file). With it, no other
  // script can run in the file even if an escaping bug let markup through.
  std::string nonce = "pdpctl";
};

// One self-contained HTML5 document (inline CSS and JS, no external
// reference; its CSP forbids any fetch): a summary (scope, revision,
// counts), filters (principal, page, console, reason, access), and the
// table (principal rows, page columns; each cell's title attribute holds
// the principal, the page, the access, the reasons and the statement).
// Filters are also read from the URL fragment on load and on change
// (#principal=alice&page=bills&console=BILLING&reason=EXPLICIT_DENY&access=DENY)
// and written back to it; hidden rows and columns carry the `hidden`
// attribute.
std::string RenderHtml(const pdp::v1::AccessMatrixResponse& matrix, const MatrixScope& scope,
                       const HtmlOptions& options = {});

// A building block, exposed for its tests.
std::string CsvField(const std::string& value);  // RFC 4180: quoted when needed

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_MATRIX_RENDER_H_
