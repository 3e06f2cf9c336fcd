// Where billing-pdp-server finds its data files (page catalogue, AWS managed
// policies, service actions) when no flag names them.
#ifndef PDP_SERVER_APP_DATA_DIR_H_
#define PDP_SERVER_APP_DATA_DIR_H_

#include <string>

namespace pdp {

// The installed data directory, found relative to the running executable
// (/proc/self/exe, then `installed_relative`, e.g. "../share/billing_pdp"
// from bin/), when it holds page-catalog.json: so an installed tree works
// wherever it is moved. Otherwise `build_tree_default` (the source tree's
// data/, for a server run from the build tree). Reads the file system;
// call once at start-up.
std::string DefaultDataDir(const std::string& installed_relative,
                           const std::string& build_tree_default);

}  // namespace pdp

#endif  // PDP_SERVER_APP_DATA_DIR_H_
