#!/usr/bin/env bash
# Makes tests/data/legacy-schema1-store.db: a SQLite store written by a
# billing-pdp server from before the log was versioned (schema 1, each batch
# an ApplyChangesRequest blob), and legacy-schema1-decisions.txt: what that
# server decided on it. legacy_store_test opens a copy with today's code.
#
#   tests/data/make-legacy-store.sh OLD_SERVER_BINARY
#
# OLD_SERVER_BINARY: billing-pdp-server built at commit d3b4bf6 or earlier.
# The committed files were made with that commit's build. Needs grpcurl.
set -euo pipefail
server=$1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$server" --listen 127.0.0.1:0 --store "sqlite:$work/store.db" \
  --world "$root/data/demo-world.yaml" 2>"$work/log" &
pid=$!
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] && break
  sleep 0.1
done
addr=127.0.0.1:$port
apply() { grpcurl -plaintext -d @ "$addr" pdp.v1.AdminService/ApplyChanges >/dev/null; }

# Organizations, an SCP, a user with tags and a boundary, policy versions,
# a session: every kind of record, some batches with request ids.
apply <<'JSON'
{"request_id": "legacy-org", "changes": [
 {"create_organization": {"organization_id": "o-legacytest1", "root_id": "r-lgcy",
   "management_account_id": "111111111111", "scps_enabled": true}},
 {"create_member_account": {"organization_id": "o-legacytest1", "account_id": "444444444444",
   "name": "member"}},
 {"create_organizational_unit": {"organization_id": "o-legacytest1", "parent_id": "r-lgcy",
   "name": "finance", "ou_id": "ou-lgcy-abcdefgh"}},
 {"create_scp": {"organization_id": "o-legacytest1", "policy_id": "p-nopayments",
   "name": "no-payments", "document": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":\"payments:*\",\"Resource\":\"*\"}]}"}},
 {"attach_scp": {"organization_id": "o-legacytest1", "policy_id": "p-nopayments",
   "target_id": "ou-lgcy-abcdefgh"}},
 {"move_account": {"organization_id": "o-legacytest1", "account_id": "444444444444",
   "destination_parent_id": "ou-lgcy-abcdefgh"}}]}
JSON
apply <<'JSON'
{"request_id": "legacy-iam", "changes": [
 {"create_policy": {"arn": "arn:aws:iam::444444444444:policy/bills",
   "document": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"billing:Get*\",\"Resource\":\"*\"}]}"}},
 {"create_policy_version": {"policy_arn": "arn:aws:iam::444444444444:policy/bills",
   "document": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"billing:Get*\",\"payments:*\"],\"Resource\":\"*\"}]}",
   "set_as_default": true}},
 {"put_user": {"user": {"arn": "arn:aws:iam::444444444444:user/mia",
   "attached_policies": ["arn:aws:iam::444444444444:policy/bills"],
   "tags": {"team": "finance", "cost-center": "42"}}}},
 {"put_role": {"role": {"arn": "arn:aws:iam::444444444444:role/reader",
   "attached_policies": ["arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"]}}},
 {"put_role_session": {"session": {"arn": "arn:aws:sts::444444444444:assumed-role/reader/s1",
   "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"billing:*\",\"Resource\":\"*\"}]}"}}}]}
JSON
apply <<'JSON'
{"changes": [
 {"update_account_settings": {"account_id": "222222222222", "actor": "arn:aws:iam::222222222222:root",
   "settings": {"iam_access_to_billing": true}, "update_mask": ["iam_access_to_billing"]}},
 {"delete_entity": {"arn": "arn:aws:iam::111111111111:user/carol"}}]}
JSON

# What this server decides: "principal page access effect" lines.
: >"$work/decisions.txt"
for principal in arn:aws:iam::111111111111:user/admin arn:aws:iam::111111111111:user/finance-alice \
  arn:aws:iam::111111111111:user/dave arn:aws:iam::222222222222:user/admin \
  arn:aws:iam::333333333333:user/legacy-viewer arn:aws:iam::444444444444:user/mia \
  arn:aws:iam::444444444444:role/reader arn:aws:sts::444444444444:assumed-role/reader/s1 \
  arn:aws:iam::111111111111:user/carol; do
  for page in billing_home billing_bills billing_payments billing_payment_methods cm_cost_explorer; do
    for access in VIEW MODIFY; do
      effect=$(grpcurl -plaintext -d "{\"principal\":\"$principal\",\"page\":{\"page_id\":\"$page\",\"access\":\"$access\"}}" \
        "$addr" pdp.v1.AuthorizationService/Authorize | sed -n 's/.*"effect": "\([A-Z]*\)".*/\1/p')
      echo "$principal $page $access $effect" >>"$work/decisions.txt"
    done
  done
done
kill -TERM "$pid"
wait "$pid" || true
[ ! -e "$work/store.db-wal" ] || { echo "the store's WAL was not folded in" >&2; exit 1; }
cp "$work/store.db" "$here/legacy-schema1-store.db"
cp "$work/decisions.txt" "$here/legacy-schema1-decisions.txt"
echo "wrote $here/legacy-schema1-store.db ($(wc -l <"$work/decisions.txt") decisions)"
