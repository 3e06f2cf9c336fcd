// Changes' results between the engine and pdp.v1: SnapshotBuilder reports
// an engine ChangeResult (engine/write/change_result.h); ApplyChanges and
// WhatIf answer with pdp.v1.ChangeResult, built here. Pure functions.
#ifndef PDP_SERVER_WIRE_CHANGE_WIRE_H_
#define PDP_SERVER_WIRE_CHANGE_WIRE_H_

#include "engine/write/change_result.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

pdp::v1::ChangeResult ChangeResultToProto(const ChangeResult& result);

}  // namespace pdp

#endif  // PDP_SERVER_WIRE_CHANGE_WIRE_H_
