// `pdpctl export`: the world as a world file (filled in below).
#include "client/pdpctl/cli.h"

namespace pdpctl {
void AddExportCommand(CLI::App&, Context&) {}
}  // namespace pdpctl
