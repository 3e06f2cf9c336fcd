// Who a write comes from. WorldState records it with the batch (the audit
// log: pdp.store.v1.BatchAudit) and, under its writer lock, asks `authorize`
// whether the caller may make these changes to the state they apply to (a
// controller's scope may hang on which organization an account is in, which
// another writer may be changing at the same moment).
#ifndef PDP_SERVER_APP_BATCH_ORIGIN_H_
#define PDP_SERVER_APP_BATCH_ORIGIN_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/model/snapshot.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

struct BatchOrigin {
  std::string caller = "billing-pdp-server";  // the callers-file name
  std::string role = "admin";
  std::string credential;  // token, certificate, token+certificate or ""
  std::string peer;        // gRPC's peer address
  std::string method;      // the RPC, e.g. "/pdp.v1.AdminService/ApplyChanges"
  // Null: the batch may be applied (the server's own writes). Otherwise
  // called with the state the batch is about to apply to; an error refuses
  // the whole batch and is returned as it is. Must not block.
  std::function<absl::Status(const Snapshot& base, const std::vector<pdp::v1::Change>& changes)>
      authorize;
};

}  // namespace pdp

#endif  // PDP_SERVER_APP_BATCH_ORIGIN_H_
