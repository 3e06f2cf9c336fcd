// Escaping for HTML and XML (the matrix report, JUnit files): one function
// for both, since what makes text safe is the same in either.
#ifndef PDP_CLIENT_PDPCTL_MARKUP_ESCAPE_H_
#define PDP_CLIENT_PDPCTL_MARKUP_ESCAPE_H_

#include <string>
#include <string_view>

namespace pdpctl {

// `text` made safe as an attribute value (either quote) or as element
// text: & < > " ' become entities (&#39; for the apostrophe, which HTML 4
// lacks as a name); line feed, tab and carriage return become character
// references, so an attribute keeps them (a raw one there reads as a
// space); every other control character below U+0020, which XML 1.0 cannot
// carry at all, becomes U+FFFD. Other bytes (UTF-8 included) pass as they are.
std::string EscapeMarkup(std::string_view text);

}  // namespace pdpctl

#endif  // PDP_CLIENT_PDPCTL_MARKUP_ESCAPE_H_
