// pdp.v1.Change -> the engine's change (engine/write/change.h): the one
// place the server, pdpctl's offline worlds, the benchmarks and tests map a
// wire change before SnapshotBuilder applies it. Values are copied as sent
// (no checks: the builder judges them, so a change fails exactly as the API
// documents); a Change without a kind maps to one the builder refuses
// ("kind": "the change is empty"). Pure functions, except ApplyWireChange,
// which applies to the builder it is given.
#ifndef PDP_SERVER_WIRE_CHANGE_FROM_WIRE_H_
#define PDP_SERVER_WIRE_CHANGE_FROM_WIRE_H_

#include "absl/status/status.h"
#include "engine/write/change.h"
#include "engine/write/change_address.h"
#include "engine/write/change_result.h"
#include "engine/write/snapshot_builder.h"
#include "pdp/v1/changes.pb.h"

namespace pdp {

EngineChange ChangeFromWire(const pdp::v1::Change& change);

// The object a wire change addresses (AddressOf its engine change).
ChangeAddress AddressOf(const pdp::v1::Change& change);

// builder.Apply(ChangeFromWire(change), result): SnapshotBuilder::Apply's
// contract (errors, `result`'s lifetime).
absl::Status ApplyWireChange(SnapshotBuilder& builder, const pdp::v1::Change& change,
                             ChangeResult* result = nullptr);

}  // namespace pdp

#endif  // PDP_SERVER_WIRE_CHANGE_FROM_WIRE_H_
