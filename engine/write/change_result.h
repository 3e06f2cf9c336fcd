// What one applied change reports (ApplyChanges' and WhatIf's per-change
// results): the engine's own type, mapped to pdp.v1.ChangeResult at the
// server's edge (server/wire/change_wire.h). A plain value.
#ifndef PDP_ENGINE_WRITE_CHANGE_RESULT_H_
#define PDP_ENGINE_WRITE_CHANGE_RESULT_H_

#include <string>

namespace pdp {

struct ChangeResult {
  // The addressed object: account id, entity / policy / session ARN,
  // organization, OU or SCP id (ids the server assigned included).
  std::string name;
  // Its etag after the whole batch ("" when a later change deleted it);
  // SnapshotBuilder::Finish() sets it.
  std::string etag;
  // The change changed nothing (SnapshotBuilder::Apply).
  bool unchanged = false;

  bool operator==(const ChangeResult&) const = default;
};

}  // namespace pdp

#endif  // PDP_ENGINE_WRITE_CHANGE_RESULT_H_
