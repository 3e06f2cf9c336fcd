#!/usr/bin/env python3
"""Writes the invented "Acme" AWS export under examples/aws/acme/.

An organization of six accounts (a management account and five members in
OUs three levels deep, SCPs with a deny list and an allow list) and, per
account, what `aws iam get-account-authorization-details` prints: about 450
users and roles with groups, paths, tags, permissions boundaries, inline
policies, customer managed policies with several versions and attached AWS
managed policies (some of them not bundled with billing-pdp; the file's
Policies list carries their documents, as AWS's output does).

Everything is made up: account ids are 111111111111..666666666666, the
people are common first names with a letter, and unique ids come from a
hash of the entity's ARN. Deterministic (no clock, no randomness beyond a
fixed seed), Python 3 standard library only. Run it from anywhere:

    python3 examples/aws/acme/generate.py [--out DIR]   # default: next to this script

(tests/acme_example_test.sh checks that the checked-in files are its output.)

The design, which tests/e2e/pdpctl_acme_e2e_test.cc checks decision by
decision (README "Importing from AWS" walks through it):
  - 111111111111 acme-payer (management, under the root): FinanceTeam can
    view and modify billing, FinOps views billing and manages budgets (the
    default version of AcmeFinOpsCostTools, not its newer draft), Auditors
    only view, Developers are explicitly denied billing (AcmeDenyBilling),
    contractors are Admins held back by a permissions boundary.
  - 222222222222 acme-security (Infrastructure/Security, created).
  - 333333333333 acme-prod (Workloads/Prod) and 666666666666 acme-data
    (Workloads/Prod/DataPlatform), created: the DenyBillingChanges SCP on
    Workloads lets their admins view billing but not change it.
  - 444444444444 acme-sandbox (Sandbox/Experiments, created): Sandbox has
    the SandboxAllowList SCP instead of FullAWSAccess, which allows no
    billing action.
  - 555555555555 acme-legacy (invited, under the root): IAM access to
    billing is off (an invited account keeps its own setting), so even its
    billing team is refused.
The management account's IAM access to billing is turned on by its root
user after the import (`pdpctl settings set-iam-access`): neither AWS CLI
output carries that setting.
"""

import argparse
import hashlib
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = HERE  # where write() puts the files (--out)

ORG_ID = "o-acme7example"
ROOT_ID = "r-ac12"
MANAGEMENT = "111111111111"
BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

FIRST_NAMES = [
    "alice", "amir", "ana", "ben", "carla", "chen", "david", "elena", "emma", "farah", "felix",
    "grace", "hana", "ivan", "jonas", "julia", "karim", "kate", "lara", "leo", "lina", "luca",
    "maria", "marta", "max", "mia", "nadia", "nina", "noah", "olga", "omar", "paul", "priya",
    "rafael", "rosa", "sam", "sara", "sofia", "tom", "vera", "yuki", "zoe",
]


def unique_id(prefix, key):
    """AWS-looking unique id: the prefix and 17 base32 characters (21 in all)."""
    digest = hashlib.sha256(key.encode()).digest()
    return prefix + "".join(BASE32[b % 32] for b in digest[:17])


def sso_suffix(key):
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def date(day):
    """An ISO 8601 timestamp as the AWS CLI v2 prints IAM's, `day` days into 2021."""
    month = 1 + (day // 28) % 12
    year = 2021 + day // 336
    return "%04d-%02d-%02dT%02d:%02d:%02d+00:00" % (year, month, 1 + day % 28, 9 + day % 8,
                                                    (day * 7) % 60, (day * 13) % 60)


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(actions, sid=None, resource="*", condition=None):
    s = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if sid:
        s = {"Sid": sid, **s}
    if condition:
        s["Condition"] = condition
    return s


def deny(actions, sid=None, resource="*"):
    s = {"Effect": "Deny", "Action": actions, "Resource": resource}
    if sid:
        s = {"Sid": sid, **s}
    return s


# ---- AWS managed policies ------------------------------------------------------------------

def bundled_aws_policies():
    """The AWS managed policies billing-pdp ships (data/aws-managed-policies.json)."""
    path = os.path.join(HERE, "..", "..", "..", "data", "aws-managed-policies.json")
    with open(path) as f:
        return {p["arn"]: p for p in json.load(f)["policies"]}


AWS = "arn:aws:iam::aws:policy/"
ADMIN = AWS + "AdministratorAccess"
BILLING = AWS + "job-function/Billing"
BILLING_RO = AWS + "AWSBillingReadOnlyAccess"
READ_ONLY = AWS + "ReadOnlyAccess"
BUDGETS_RO = AWS + "AWSBudgetsReadOnlyAccess"
# Not bundled with billing-pdp: the export carries them. Their documents
# here are abbreviated stand-ins (a few read actions per service), written
# for this example; none of them grants a billing action.
VIEW_ONLY = AWS + "job-function/ViewOnlyAccess"
S3_RO = AWS + "AmazonS3ReadOnlyAccess"
EC2_RO = AWS + "AmazonEC2ReadOnlyAccess"
NOT_BUNDLED = {
    VIEW_ONLY: ("v17", "ANPAID22R6LHF2RKT7AYW", doc(allow([
        "acm:ListCertificates", "cloudtrail:DescribeTrails", "cloudwatch:ListMetrics",
        "dynamodb:ListTables", "ec2:DescribeInstances", "ec2:DescribeVpcs", "iam:ListRoles",
        "iam:ListUsers", "lambda:ListFunctions", "rds:DescribeDBInstances", "s3:ListAllMyBuckets",
        "sns:ListTopics", "sqs:ListQueues"], sid="ViewOnlyActions"))),
    S3_RO: ("v3", "ANPAIZTJ4DXE7G6AGAE6M", doc(allow(
        ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"]))),
    EC2_RO: ("v4", "ANPAIGDT4SV4GSETWTBZK", doc(allow(
        ["ec2:Describe*", "elasticloadbalancing:Describe*", "cloudwatch:ListMetrics",
         "cloudwatch:GetMetricStatistics", "cloudwatch:Describe*", "autoscaling:Describe*"]))),
}

# ---- customer managed policies -------------------------------------------------------------

BILLING_SERVICES = ["aws-portal:*", "billing:*", "payments:*", "ce:*", "budgets:*", "cur:*",
                    "tax:*", "invoicing:*", "purchase-orders:*", "freetier:*",
                    "consolidatedbilling:*", "savingsplans:*"]


def customer_policies(account):
    """name -> (path, description, [(version id, document)], default version id)."""
    p = {}
    p["AcmeDenyBilling"] = ("/guardrails/", "Developers do not see or change billing", [
        ("v1", doc(deny(["aws-portal:*"], sid="NoBillingConsole"))),
        ("v2", doc(deny(["aws-portal:*", "billing:*", "payments:*"], sid="NoBillingConsole"))),
        ("v3", doc(deny(BILLING_SERVICES, sid="NoBillingConsole"))),
    ], "v3")
    p["AcmeFinOpsCostTools"] = ("/finops/", "Cost analysis and budgets for the FinOps team", [
        ("v1", doc(allow(["ce:Get*", "ce:Describe*", "ce:List*"], sid="CostExplorer"))),
        ("v2", doc(allow(["ce:*"], sid="CostExplorer"),
                   allow(["budgets:*"], sid="Budgets"),
                   allow(["cur:DescribeReportDefinitions", "cur:PutReportDefinition",
                          "cur:ModifyReportDefinition"], sid="Reports"),
                   allow(["savingsplans:Describe*", "savingsplans:List*"], sid="SavingsPlans"))),
        # A draft someone created but never made the default: it grants
        # payments, and must not count.
        ("v3", doc(allow(["ce:*", "budgets:*", "cur:*", "payments:*"], sid="Draft"))),
    ], "v2")
    p["AcmeContractorBoundary"] = ("/boundaries/", "The most a contractor can ever do", [
        ("v1", doc(allow(["s3:*", "ec2:Describe*", "logs:*"], sid="Workloads"))),
        ("v2", doc(allow(["s3:*", "ec2:*", "logs:*", "cloudwatch:*", "lambda:*"],
                         sid="Workloads"),
                   deny(["iam:*", "organizations:*", "account:*"], sid="NoIdentity"))),
    ], "v2")
    p["AcmeAuditExtras"] = ("/audit/", "Read-only extras the auditors need", [
        ("v1", doc(allow(["tax:ListTaxRegistrations", "tax:GetTaxInheritance",
                          "purchase-orders:ListPurchaseOrders", "purchase-orders:GetPurchaseOrder",
                          "payments:ListPaymentPreferences"], sid="AuditReads"))),
    ], "v1")
    if account == MANAGEMENT:
        p["AcmePaymentsApprover"] = ("/finance/", "Finance leads approve and make payments", [
            ("v1", doc(allow(["payments:MakePayment"], sid="Pay"))),
            ("v2", doc(allow(["payments:*"], sid="Payments",
                             condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}))),
        ], "v2")
    return p


# ---- the organization ----------------------------------------------------------------------

OUS = [  # (id, name, parent)
    ("ou-ac12-infra001", "Infrastructure", ROOT_ID),
    ("ou-ac12-secur001", "Security", "ou-ac12-infra001"),
    ("ou-ac12-workl001", "Workloads", ROOT_ID),
    ("ou-ac12-prodo001", "Prod", "ou-ac12-workl001"),
    ("ou-ac12-datap001", "DataPlatform", "ou-ac12-prodo001"),
    ("ou-ac12-sandb001", "Sandbox", ROOT_ID),
    ("ou-ac12-exper001", "Experiments", "ou-ac12-sandb001"),
    ("ou-ac12-suspd001", "Suspended", ROOT_ID),
]

ACCOUNTS = [  # (id, name, parent, joined, day joined)
    (MANAGEMENT, "acme-payer", ROOT_ID, "INVITED", 0),
    ("222222222222", "acme-security", "ou-ac12-secur001", "CREATED", 20),
    ("333333333333", "acme-prod", "ou-ac12-prodo001", "CREATED", 40),
    ("444444444444", "acme-sandbox", "ou-ac12-exper001", "CREATED", 60),
    ("555555555555", "acme-legacy", ROOT_ID, "INVITED", 80),
    ("666666666666", "acme-data", "ou-ac12-datap001", "CREATED", 100),
]

SCPS = {  # id -> (name, description, document, targets)
    "p-denyleave01": ("DenyLeaveOrganization", "Members stay in the organization",
                      doc(deny(["organizations:LeaveOrganization"], sid="StayInOrg")),
                      [ROOT_ID]),
    "p-denybilch01": ("DenyBillingChanges", "Workload accounts view billing but never change it",
                      doc(deny(["aws-portal:Modify*", "billing:Update*", "billing:Put*",
                                "billing:RedeemCredits", "payments:Create*", "payments:Update*",
                                "payments:Delete*", "payments:MakePayment", "tax:Put*",
                                "tax:BatchPut*", "tax:Delete*", "budgets:ModifyBudget",
                                "cur:Put*", "cur:Modify*", "cur:Delete*",
                                "account:CloseAccount"], sid="NoBillingChanges")),
                      ["ou-ac12-workl001"]),
    "p-sandboxal01": ("SandboxAllowList", "Sandbox accounts may use only these services",
                      doc(allow(["ec2:*", "s3:*", "lambda:*", "logs:*", "cloudwatch:*",
                                 "dynamodb:*", "iam:*", "sts:*"], sid="OnlyTheseServices")),
                      ["ou-ac12-sandb001"]),
}


def org_arn(kind, ident):
    return "arn:aws:organizations::%s:%s/%s/%s" % (MANAGEMENT, kind, ORG_ID, ident)


def write(path, value):
    full = os.path.join(OUT, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        json.dump(value, f, indent=4)
        f.write("\n")


def organization():
    write("organization/describe-organization.json", {"Organization": {
        "Id": ORG_ID,
        "Arn": "arn:aws:organizations::%s:organization/%s" % (MANAGEMENT, ORG_ID),
        "FeatureSet": "ALL",
        "MasterAccountArn": org_arn("account", MANAGEMENT),
        "MasterAccountId": MANAGEMENT,
        "MasterAccountEmail": "aws-payer@acme.example",
        "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }})
    write("organization/list-roots.json", {"Roots": [{
        "Id": ROOT_ID, "Arn": org_arn("root", ROOT_ID), "Name": "Root",
        "PolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}],
    }]})
    parents = [ROOT_ID] + [ou[0] for ou in OUS]
    for parent in parents:
        write("organization/list-organizational-units-for-parent/%s.json" % parent,
              {"OrganizationalUnits": [{"Id": i, "Arn": org_arn("ou", i), "Name": n}
                                       for i, n, p in OUS if p == parent]})
        write("organization/list-accounts-for-parent/%s.json" % parent, {"Accounts": [{
            "Id": a, "Arn": org_arn("account", a), "Email": "aws-%s@acme.example" % n[5:],
            "Name": n, "Status": "ACTIVE", "State": "ACTIVE", "JoinedMethod": j,
            "JoinedTimestamp": date(d).replace("+00:00", ".417000+00:00"),
        } for a, n, p, j, d in ACCOUNTS if p == parent]})

    def summary(pid, name, description, managed):
        arn = ("arn:aws:organizations::aws:policy/service_control_policy/" + pid if managed else
               "arn:aws:organizations::%s:policy/%s/service_control_policy/%s" %
               (MANAGEMENT, ORG_ID, pid))
        return {"Id": pid, "Arn": arn, "Name": name, "Description": description,
                "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": managed}

    policies = [summary("p-FullAWSAccess", "FullAWSAccess",
                        "Allows access to every operation", True)]
    policies += [summary(pid, n, d, False) for pid, (n, d, _, _) in SCPS.items()]
    write("organization/list-policies.json", {"Policies": policies})
    for pid, (name, description, document, _) in SCPS.items():
        write("organization/describe-policy/%s.json" % pid, {"Policy": {
            "PolicySummary": summary(pid, name, description, False),
            "Content": json.dumps(document, indent=4),
        }})

    names = {ROOT_ID: ("Root", "ROOT", org_arn("root", ROOT_ID))}
    for i, n, _ in OUS:
        names[i] = (n, "ORGANIZATIONAL_UNIT", org_arn("ou", i))
    for a, n, _, _, _ in ACCOUNTS:
        names[a] = (n, "ACCOUNT", org_arn("account", a))

    def targets(ids):
        return {"Targets": [{"TargetId": t, "Arn": names[t][2], "Name": names[t][0],
                             "Type": names[t][1]} for t in ids]}

    # FullAWSAccess everywhere but the Sandbox OU, where the allow list
    # replaces it.
    everywhere = [ROOT_ID] + [i for i, _, _ in OUS] + [a for a, *_ in ACCOUNTS]
    write("organization/list-targets-for-policy/p-FullAWSAccess.json",
          targets([t for t in everywhere if t != "ou-ac12-sandb001"]))
    for pid, (_, _, _, ids) in SCPS.items():
        write("organization/list-targets-for-policy/%s.json" % pid, targets(ids))


# ---- IAM, per account ----------------------------------------------------------------------

class Account:
    def __init__(self, account_id, rng, bundled):
        self.id = account_id
        self.rng = rng
        self.bundled = bundled
        self.users, self.groups, self.roles = [], [], []
        self.attached = {}  # policy ARN -> attachment count
        self.boundaries = {}  # policy ARN -> boundary count
        self.taken = set()
        self.day = int(account_id[0]) * 17

    def tick(self):
        self.day += 1
        return date(self.day)

    def attach(self, arns):
        out = []
        for arn in arns:
            self.attached[arn] = self.attached.get(arn, 0) + 1
            out.append({"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn})
        return out

    def policy_arn(self, name, path):
        return "arn:aws:iam::%s:policy%s%s" % (self.id, path, name)

    def person(self):
        while True:
            name = "%s.%s" % (self.rng.choice(FIRST_NAMES), self.rng.choice("abcdefghijklmnoprstw"))
            if name not in self.taken:
                self.taken.add(name)
                return name

    def group(self, name, path, policies, inline=()):
        arn = "arn:aws:iam::%s:group%s%s" % (self.id, path, name)
        self.groups.append({
            "Path": path, "GroupName": name, "GroupId": unique_id("AGPA", arn), "Arn": arn,
            "CreateDate": self.tick(),
            "GroupPolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
            "AttachedManagedPolicies": self.attach(policies),
        })

    def user(self, name, path, groups, policies=(), inline=(), tags=None, boundary=None):
        arn = "arn:aws:iam::%s:user%s%s" % (self.id, path, name)
        u = {"Path": path, "UserName": name, "UserId": unique_id("AIDA", arn), "Arn": arn,
             "CreateDate": self.tick()}
        if inline:
            u["UserPolicyList"] = [{"PolicyName": n, "PolicyDocument": d} for n, d in inline]
        u["GroupList"] = list(groups)
        u["AttachedManagedPolicies"] = self.attach(policies)
        if boundary:
            self.boundaries[boundary] = self.boundaries.get(boundary, 0) + 1
            u["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                        "PermissionsBoundaryArn": boundary}
        u["Tags"] = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
        self.users.append(u)

    def role(self, name, path, policies, trust, inline=(), tags=None, boundary=None):
        arn = "arn:aws:iam::%s:role%s%s" % (self.id, path, name)
        r = {"Path": path, "RoleName": name, "RoleId": unique_id("AROA", arn), "Arn": arn,
             "CreateDate": self.tick(), "AssumeRolePolicyDocument": trust,
             "InstanceProfileList": [],
             "RolePolicyList": [{"PolicyName": n, "PolicyDocument": d} for n, d in inline],
             "AttachedManagedPolicies": self.attach(policies)}
        if boundary:
            self.boundaries[boundary] = self.boundaries.get(boundary, 0) + 1
            r["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                        "PermissionsBoundaryArn": boundary}
        r["Tags"] = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
        r["RoleLastUsed"] = ({"LastUsedDate": self.tick(), "Region": "eu-west-1"}
                             if len(self.roles) % 3 else {})
        self.roles.append(r)

    def details(self, customer):
        policies = []
        for name, (path, description, versions, default) in customer.items():
            arn = self.policy_arn(name, path)
            if arn not in self.attached and arn not in self.boundaries:
                continue
            created = self.tick()
            policies.append({
                "PolicyName": name, "PolicyId": unique_id("ANPA", arn), "Arn": arn, "Path": path,
                "DefaultVersionId": default, "AttachmentCount": self.attached.get(arn, 0),
                "PermissionsBoundaryUsageCount": self.boundaries.get(arn, 0),
                "IsAttachable": True, "Description": description, "CreateDate": created,
                "UpdateDate": self.tick(),
                "PolicyVersionList": [{"Document": d, "VersionId": v,
                                       "IsDefaultVersion": v == default, "CreateDate": created}
                                      for v, d in reversed(versions)],
            })
        # AWS managed policies attached in the account, with their default
        # version, as the command prints them.
        for arn in sorted(a for a in self.attached if a.startswith(AWS)):
            if arn in NOT_BUNDLED:
                version, policy_id, document = NOT_BUNDLED[arn]
            else:
                b = self.bundled[arn]
                version, policy_id, document = (b["version_id"], unique_id("ANPA", arn),
                                                b["document"])
            path = "/" + arn[len(AWS):].rpartition("/")[0] + "/" if "/" in arn[len(AWS):] else "/"
            policies.append({
                "PolicyName": arn.rsplit("/", 1)[1], "PolicyId": policy_id, "Arn": arn,
                "Path": path.replace("//", "/"), "DefaultVersionId": version,
                "AttachmentCount": self.attached[arn], "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": True, "CreateDate": "2015-02-06T18:39:46+00:00",
                "UpdateDate": "2024-06-18T21:24:34+00:00",
                "PolicyVersionList": [{"Document": document, "VersionId": version,
                                       "IsDefaultVersion": True,
                                       "CreateDate": "2024-06-18T21:24:34+00:00"}],
            })
        return {"UserDetailList": self.users, "GroupDetailList": self.groups,
                "RoleDetailList": self.roles, "Policies": policies, "IsTruncated": False}


def trust_service(service):
    return doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def trust_account(account):
    return doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % account},
                "Action": "sts:AssumeRole"})


def trust_sso(account):
    return doc({"Effect": "Allow",
                "Principal": {"Federated": "arn:aws:iam::%s:saml-provider/"
                              "AWSSSO_%s_DO_NOT_DELETE" % (account, sso_suffix(account))},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}})


SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
SSO_PERMISSION_SETS = [  # name, policies, in the management account only
    ("AdministratorAccess", [ADMIN], False),
    ("BillingAdmin", [BILLING], True),
    ("AuditReadOnly", [VIEW_ONLY, BILLING_RO], False),
    ("Developer", [READ_ONLY, S3_RO, "AcmeDenyBilling"], False),
]

APPS = ["checkout", "catalog", "search", "ledger", "reports", "ingest", "notify", "images",
        "orders", "pricing", "identity", "metrics"]
ENVS = ["prod", "staging", "dev"]


def account_iam(account_id, name, people, apps, rng, bundled):
    a = Account(account_id, rng, bundled)
    customer = customer_policies(account_id)

    def cm(policy):  # a customer managed policy by name, or an ARN
        if policy.startswith("arn:"):
            return policy
        return a.policy_arn(policy, customer[policy][0])

    mgmt = account_id == MANAGEMENT
    a.group("Admins", "/", [ADMIN])
    a.group("Developers", "/engineering/", [READ_ONLY, S3_RO, EC2_RO, cm("AcmeDenyBilling")],
            inline=[("AllowOwnAccessKeys", doc(allow(
                ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys",
                 "iam:UpdateAccessKey"], resource="arn:aws:iam::%s:user/*/${aws:username}" %
                account_id)))])
    a.group("Auditors", "/audit/", [VIEW_ONLY, BILLING_RO, cm("AcmeAuditExtras")])
    a.group("FinanceTeam", "/finance/", [BILLING] + ([cm("AcmePaymentsApprover")] if mgmt else []),
            inline=[("PurchaseOrders", doc(allow(["purchase-orders:*"], sid="PurchaseOrders")))])
    a.group("FinOps", "/finops/", [BILLING_RO, cm("AcmeFinOpsCostTools")])
    a.group("Support", "/support/", [EC2_RO, VIEW_ONLY])

    teams = ["payments", "platform", "data", "web", "mobile", "security"]
    counts = people
    for _ in range(counts["finance"]):
        a.user(a.person(), "/finance/", ["FinanceTeam"],
               tags={"team": "finance", "cost-center": "CC-1200"})
    for _ in range(counts["finops"]):
        groups = ["FinOps"] + (["Auditors"] if rng.random() < 0.2 else [])
        a.user(a.person(), "/finops/", groups, tags={"team": "finops", "cost-center": "CC-1210"})
    for _ in range(counts["auditors"]):
        a.user(a.person(), "/audit/", ["Auditors"],
               tags={"team": "internal-audit", "cost-center": "CC-1300"})
    for i in range(counts["developers"]):
        team = teams[i % len(teams)]
        groups = ["Developers"] + (["Support"] if i % 7 == 0 else [])
        inline = ()
        if i % 9 == 0:
            inline = [("TeamBucket", doc(allow(["s3:PutObject", "s3:DeleteObject"],
                                               resource="arn:aws:s3:::acme-%s-%s/*" %
                                               (team, account_id))))]
        a.user(a.person(), "/engineering/%s/" % team, groups, inline=inline,
               tags={"team": team, "cost-center": "CC-%d" % (2000 + 10 * (i % len(teams)))})
    for _ in range(counts["admins"]):
        a.user(a.person(), "/", ["Admins"], tags={"team": "platform", "admin": "true"})
    for i in range(counts["contractors"]):
        a.user(a.person(), "/contractors/", ["Admins"], boundary=cm("AcmeContractorBoundary"),
               tags={"team": "contractor", "vendor": "Example Consulting",
                     "expires": "2027-0%d-30" % (1 + i % 6)})
    for _ in range(counts["support"]):
        a.user(a.person(), "/support/", ["Support"], tags={"team": "support"})
    for svc in ["ci-deploy", "backup-agent", "log-shipper"][:counts["service"]]:
        a.user(svc, "/service/", [], policies=[S3_RO],
               inline=[("Deploy", doc(allow(["s3:PutObject", "cloudformation:*"],
                                            sid="Deploy")))],
               tags={"owner": "platform", "automation": "true"})

    # Roles: IAM Identity Center permission sets, the organization's access
    # role in created members, a FinOps cross-account reader, service roles
    # and the applications'.
    for ps, policies, mgmt_only in SSO_PERMISSION_SETS:
        if mgmt_only and not mgmt:
            continue
        a.role("AWSReservedSSO_%s_%s" % (ps, sso_suffix(account_id + ps)), SSO_PATH,
               [cm(p) for p in policies], trust_sso(account_id))
    if not mgmt and account_id != "555555555555":
        a.role("OrganizationAccountAccessRole", "/", [ADMIN], trust_account(MANAGEMENT))
    a.role("FinOpsCostReader", "/finops/", [BILLING_RO, BUDGETS_RO], trust_account(MANAGEMENT),
           tags={"team": "finops"})
    a.role("cost-report-exporter", "/service-role/", [],
           trust_service("lambda.amazonaws.com"),
           inline=[("CostAndUsage", doc(allow(["ce:GetCostAndUsage", "ce:GetDimensionValues"],
                                              sid="Read"),
                                        allow(["s3:PutObject"],
                                              resource="arn:aws:s3:::acme-cost-reports/*")))],
           tags={"team": "finops", "app": "cost-reports"})
    for app in apps:
        for env in ENVS:
            a.role("%s-%s" % (app, env), "/app/%s/" % app, [],
                   trust_service("ecs-tasks.amazonaws.com"),
                   inline=[("Data", doc(allow(["dynamodb:GetItem", "dynamodb:PutItem",
                                               "dynamodb:Query"],
                                              resource="arn:aws:dynamodb:eu-west-1:%s:table/%s-%s"
                                              % (account_id, app, env)),
                                        allow(["s3:GetObject"],
                                              resource="arn:aws:s3:::acme-%s-%s/*" %
                                              (app, env))))],
                   tags={"app": app, "env": env},
                   boundary=cm("AcmeContractorBoundary") if env == "dev" else None)
    return a.details(customer)


PEOPLE = {  # account -> how many of each
    MANAGEMENT: dict(finance=14, finops=8, auditors=6, developers=24, admins=3, contractors=4,
                     support=5, service=3),
    "222222222222": dict(finance=0, finops=2, auditors=8, developers=10, admins=2,
                         contractors=2, support=4, service=2),
    "333333333333": dict(finance=2, finops=3, auditors=2, developers=40, admins=3,
                         contractors=6, support=6, service=3),
    "444444444444": dict(finance=0, finops=1, auditors=1, developers=30, admins=2,
                         contractors=4, support=0, service=1),
    "555555555555": dict(finance=4, finops=1, auditors=1, developers=8, admins=1, contractors=0,
                         support=2, service=1),
    "666666666666": dict(finance=1, finops=2, auditors=2, developers=28, admins=2,
                         contractors=3, support=3, service=2),
}
APPS_BY_ACCOUNT = {
    MANAGEMENT: ["reports"],
    "222222222222": ["identity", "metrics"],
    "333333333333": ["checkout", "catalog", "search", "orders", "pricing", "notify"],
    "444444444444": ["images", "search"],
    "555555555555": ["ledger"],
    "666666666666": ["ingest", "metrics", "reports", "ledger"],
}


def main():
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=HERE, help="write the export here")
    OUT = parser.parse_args().out
    organization()
    bundled = bundled_aws_policies()
    rng = random.Random(20261205)
    totals = {"users": 0, "groups": 0, "roles": 0}
    for account_id, name, _, _, _ in ACCOUNTS:
        details = account_iam(account_id, name, PEOPLE[account_id], APPS_BY_ACCOUNT[account_id],
                              rng, bundled)
        write("iam/%s.json" % account_id, details)
        totals["users"] += len(details["UserDetailList"])
        totals["groups"] += len(details["GroupDetailList"])
        totals["roles"] += len(details["RoleDetailList"])
    print("acme: %(users)d users, %(groups)d groups, %(roles)d roles" % totals)


if __name__ == "__main__":
    main()
