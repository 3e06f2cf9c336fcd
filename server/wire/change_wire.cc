#include "server/wire/change_wire.h"

namespace pdp {

pdp::v1::ChangeResult ChangeResultToProto(const ChangeResult& result) {
  pdp::v1::ChangeResult r;
  r.set_name(result.name);
  r.set_etag(result.etag);
  r.set_unchanged(result.unchanged);
  return r;
}

}  // namespace pdp
