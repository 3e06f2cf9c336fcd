#include "tests/fuzz/request_codec.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace pdp::fuzz {
namespace {

constexpr size_t kMaxEntries = 80;  // past the 64-key limit
constexpr size_t kContextBudget = 24000;
constexpr size_t kValueOverhead = 4;
constexpr size_t kKeyOverhead = 8;

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "request_codec: %s\n", what.c_str());
  std::abort();
}

// Reads bytes; past the end every byte is 0.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  bool AtEnd() const { return pos_ >= size_; }
  std::string Bytes(size_t n) {
    n = std::min(n, size_ - std::min(pos_, size_));
    std::string out(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return out;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

char FlipCase(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<char>(c - 'a' + 'A');
  if (c >= 'A' && c <= 'Z') return static_cast<char>(c - 'A' + 'a');
  return c;
}

std::string ApplyCase(const std::string& key, int form, uint8_t mask) {
  std::string out = key;
  for (size_t i = 0; i < out.size(); ++i) {
    char& c = out[i];
    switch (form) {
      case 1:
        if (c >= 'a' && c <= 'z') c = FlipCase(c);
        break;
      case 2:
        if (c >= 'A' && c <= 'Z') c = FlipCase(c);
        break;
      case 3:
        if (mask & (1u << (i % 8))) c = FlipCase(c);
        break;
      default:
        break;
    }
  }
  return out;
}

bool RawAllowed(RefType type) {
  return type == RefType::kString || type == RefType::kBool || type == RefType::kArn;
}

constexpr size_t kLongSizes[] = {2047, 2048, 2049, 1024};

}  // namespace

const std::vector<std::string>& Principals() {
  static const std::vector<std::string>* p = new std::vector<std::string>{
      "arn:aws:iam::111122223333:root",
      "arn:aws:iam::111122223333:user/alice",
      "arn:aws:iam::111122223333:user/bob",
      "arn:aws:iam::111122223333:user/carol",
      "arn:aws:iam::111122223333:role/FinanceRole",
      "arn:aws:iam::111122223333:role/audit/ReadOnly",
      "arn:aws:sts::111122223333:assumed-role/FinanceRole/fuzz-session",
      "arn:aws:sts::111122223333:assumed-role/ReadOnly/audit",
      "arn:aws:iam::111122223333:user/nobody",         // unknown user
      "arn:aws:iam::999999999999:user/alice",          // unknown account
      "arn:aws:iam::444455556666:root",                // IAM access off there
      "arn:aws:iam::111122223333:user/finance/alice",  // wrong path
  };
  return *p;
}

const std::vector<Target>& Targets() {
  static const std::vector<Target>* t = [] {
    auto* out = new std::vector<Target>();
    for (const char* page :
         {"billing_home", "billing_bills", "billing_budgets", "billing_cost_explorer",
          "billing_payments", "billing_payment_methods", "billing_tax_settings",
          "billing_preferences", "billing_cost_and_usage_reports", "cm_cost_anomaly_detection",
          "cm_savings_plans_overview", "cm_preferences", "sdk_api_budgets",
          "billing_customer_verification"}) {
      out->push_back({page, false, "", ""});
      out->push_back({page, true, "", ""});
    }
    const std::vector<std::pair<const char*, const char*>> actions = {
        {"budgets:ViewBudget", ""},
        {"budgets:ViewBudget", "arn:aws:budgets::111122223333:budget/monthly"},
        {"budgets:ModifyBudget", ""},
        {"ce:GetCostAndUsage", ""},
        {"billing:GetBillingData", ""},
        {"billing:UpdateIAMAccessPreference", ""},
        {"payments:MakePayment", ""},
        {"cur:PutReportDefinition", ""},
        {"tax:PutTaxRegistration", ""},
        {"aws-portal:ViewBilling", ""},
        {"iam:ListUsers", ""},
        {"s3:GetObject", "arn:aws:s3:::bucket/key:with:colons"},
    };
    for (const auto& [action, resource] : actions) out->push_back({"", false, action, resource});
    return out;
  }();
  return *t;
}

namespace {

// Keys a caller may send, then the special ones.
struct KeyTables {
  std::vector<KeySpec> ordinary = {
      // Well-known typed keys (checked up front).
      {"aws:SourceIp", RefType::kIp},
      {"aws:VpcSourceIp", RefType::kIp},
      {"aws:CurrentTime", RefType::kDate},
      {"aws:TokenIssueTime", RefType::kDate},
      {"aws:EpochTime", RefType::kEpoch},
      {"aws:MultiFactorAuthAge", RefType::kNumber},
      {"aws:MultiFactorAuthPresent", RefType::kBool},
      {"aws:SecureTransport", RefType::kBool},
      {"aws:ViaAWSService", RefType::kBool},
      {"aws:PrincipalIsAWSService", RefType::kBool},
      {"aws:SourceArn", RefType::kArn},
      // Service and custom keys read by typed operators (evaluated lazily).
      {"kms:GrantIsForAWSResource", RefType::kBool},
      {"ec2:SourceInstanceARN", RefType::kArn},
      {"custom:SourceArns", RefType::kArn},
      {"custom:ForwardedFor", RefType::kIp},
      {"s3:object-lock-retain-until-date", RefType::kDate},
      {"s3:max-keys", RefType::kNumber},
      // String keys.
      {"aws:RequestedRegion", RefType::kString},
      {"aws:TagKeys", RefType::kString},
      {"aws:UserAgent", RefType::kString},
      {"aws:CalledVia", RefType::kString},
  };
  std::vector<KeySpec> special = {
      // Keys billing-pdp derives from the principal: refused.
      {"aws:username", RefType::kString},
      {"aws:PrincipalTag/team", RefType::kString},
      {"aws:PrincipalOrgID", RefType::kString},
      {"aws:PrincipalArn", RefType::kArn},
      // Key length boundaries.
      {"", RefType::kString},
      {"custom:" + std::string(249, 'k'), RefType::kString},  // 256 bytes
      {"custom:" + std::string(250, 'k'), RefType::kString},  // 257 bytes
  };
  std::vector<KeySpec> all;
  KeyTables() {
    all = ordinary;
    all.insert(all.end(), special.begin(), special.end());
  }
};

const KeyTables& Tables() {
  static const KeyTables* t = new KeyTables();
  return *t;
}

}  // namespace

const std::vector<KeySpec>& Keys() { return Tables().all; }

std::string NumberedKey(int n) { return "aws:RequestTag/k" + std::to_string(n); }

std::string LongValue(RefType type, uint8_t v) {
  const size_t size = kLongSizes[v & 3];
  const bool shaped = (v & 4) != 0;
  std::string prefix;
  if (shaped && type == RefType::kArn) prefix = "arn:aws:s3:::";
  if (shaped && type == RefType::kString) prefix = "eu-";
  return prefix + std::string(size - prefix.size(), 'a');
}

size_t OrdinaryKeyCount() { return Tables().ordinary.size(); }

namespace {

// Well-formed (good) and malformed (bad) values of each key type; string
// keys have no malformed values (JunkPool() stands in for them).
struct ValuesOfType {
  std::vector<std::string> good, bad;
};

const ValuesOfType& ValuesOf(RefType type) {
  static const auto* kValues = new std::map<RefType, ValuesOfType>{
      {RefType::kString,
       {{"us-east-1", "us-west-2", "eu-west-1", "EU-WEST-1", "cn-north-1", "ap-south-1", "env",
         "team", "secret-project", "Secret", "*", "eu-*", "us-east-1 ", ""},
        {}}},
      {RefType::kBool,
       {{"true", "false", "TRUE", "False", "tRUE"},
        {"", " false", "false ", "0", "1", "no", "yes", "t", "falsey", "true\n", "garbage"}}},
      {RefType::kArn,
       {{
            "arn:aws:s3:::blocked-bucket",
            "arn:aws:s3:::ok-bucket",
            "arn:aws:s3:::",
            "arn:aws:s3:::blocked-x:y",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "arn:aws:ec2:eu-west-1:999999999999:instance/i-2",
            "arn:aws:lambda:us-east-1:111122223333:function:f",
            "arn:aws:sns:us-east-1:111122223333:alerts",
        },
        {"", "garbage", "arn:aws:s3", "blocked-x", "arn:aws:s3::blocked-x", "aws:s3:::blocked-x",
         "arn", "arn:aws:ec2:us-east-1:111122223333"}}},
      {RefType::kIp,
       {{"10.1.2.3", "192.0.2.55", "203.0.113.7", "203.0.113.200", "8.8.8.8", "2001:db8::1",
         "2001:db9::5", "::1", "0.0.0.0", "255.255.255.255"},
        {"", "garbage", "10.0.0.256", "10.0.0", "1.2.3.4.5", "2001:db8:::1", "::g"}}},
      {RefType::kNumber,
       {{"0", "300", "3600", "3601", "86400", "-1", "1.5", "1000", "1001", "3600.5"},
        {"", "garbage", "nan", "inf", "12abc", "--1", "1..2", "-"}}},
      {RefType::kDate,
       {{"2026-01-02T03:04:05Z", "2031-06-01T00:00:00Z", "2024-12-31T23:59:59Z",
         "2025-06-01T00:00:00Z", "1767323045", "1924992000", "0"},
        {"", "garbage", "2026-13-45T00:00:00Z", "yesterday", "2026-01-02X03:04:05Z",
         "2026-02-30T00:00:00Z"}}},
      {RefType::kEpoch, {{"0", "1767323045", "1924992000", "300"}, {"", "garbage", "12abc"}}},
  };
  return kValues->at(type);
}

}  // namespace

const std::vector<std::string>& GoodValues(RefType type) { return ValuesOf(type).good; }

const std::vector<std::string>& BadValues(RefType type) { return ValuesOf(type).bad; }

const std::vector<std::string>& JunkPool() {
  static const std::vector<std::string>* j = new std::vector<std::string>{
      "",           "garbage",           "null", "[]", "\xc3\xa9", "\xff", "${aws:username}",
      "true false", std::string("\0", 1)};
  return *j;
}

namespace {

const std::string& Pick(const std::vector<std::string>& pool, size_t i) {
  return pool[i % pool.size()];
}

std::string DecodeValue(Reader& in, RefType type) {
  const uint8_t v = in.Byte();
  if (v < 0xA0) return Pick(GoodValues(type), v);
  if (v < 0xD0 && !BadValues(type).empty()) return Pick(BadValues(type), v - 0xA0);
  if (v < 0xE0) return Pick(JunkPool(), v);
  if (v < 0xF0) return LongValue(type, v);
  if (RawAllowed(type)) return in.Bytes(in.Byte());
  return Pick(JunkPool(), v);
}

}  // namespace

pdp::v1::AuthorizeRequest DecodeRequest(const uint8_t* data, size_t size) {
  Reader in(data, size);
  pdp::v1::AuthorizeRequest r;
  r.set_principal(Principals()[in.Byte() % Principals().size()]);
  const Target& t = Targets()[in.Byte() % Targets().size()];
  if (!t.page_id.empty()) {
    r.mutable_page()->set_page_id(t.page_id);
    r.mutable_page()->set_access(t.modify ? pdp::v1::MODIFY : pdp::v1::VIEW);
  } else {
    r.mutable_action()->set_action(t.action);
    r.mutable_action()->set_resource(t.resource);
  }
  static const char* const kAccounts[] = {
      "", "", "", "", "", "111122223333", "444455556666", "000000000000"};
  r.set_account_id(kAccounts[in.Byte() % 8]);

  auto& keys = *r.mutable_context()->mutable_keys();
  size_t cost = 0;
  for (size_t entry = 0; entry < kMaxEntries && !in.AtEnd(); ++entry) {
    const uint8_t k = in.Byte();
    const size_t ordinary = OrdinaryKeyCount();
    KeySpec numbered;
    if (k >= 0xE0 && k < 0xF0) numbered = {NumberedKey(in.Byte()), RefType::kString};
    const KeySpec& spec = k < 0xE0   ? Keys()[k % ordinary]
                          : k < 0xF0 ? numbered
                                     : Keys()[ordinary + (k - 0xF0) % (Keys().size() - ordinary)];
    const uint8_t form = in.Byte();
    const uint8_t mask = form >= 0xF8 ? in.Byte() : 0;
    const std::string key = ApplyCase(spec.name,
                                      form < 0xE0   ? 0
                                      : form < 0xF0 ? 1
                                      : form < 0xF8 ? 2
                                                    : 3,
                                      mask);
    const uint8_t n = in.Byte();
    static constexpr size_t kSmallCounts[] = {1, 1, 1, 1, 1, 0, 2, 3};
    const size_t count = n < 0xF0    ? kSmallCounts[n % 8]
                         : n < 0xFE  ? 4 + (n - 0xF0)
                         : n == 0xFE ? 64
                                     : 65;
    const bool repeat = count >= 64;

    auto it = keys.find(key);
    if (it != keys.end()) {
      for (const std::string& v : it->second.values()) cost -= v.size() + kValueOverhead;
      cost -= key.size() + kKeyOverhead;
      keys.erase(it);
    }
    if (cost + key.size() + kKeyOverhead > kContextBudget) break;
    cost += key.size() + kKeyOverhead;
    pdp::v1::ContextValue& values = keys[key];
    std::string value;
    for (size_t i = 0; i < count; ++i) {
      if (!repeat || i == 0) value = DecodeValue(in, spec.type);
      if (cost + value.size() + kValueOverhead > kContextBudget) continue;
      cost += value.size() + kValueOverhead;
      values.add_values(value);
    }
  }
  return r;
}

namespace {

size_t IndexOf(const std::vector<std::string>& v, const std::string& s) {
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == s) return i;
  }
  return v.size();
}

}  // namespace

std::string EncodeRequest(const SeedRequest& seed) {
  std::string out;
  auto put = [&](size_t b) { out.push_back(static_cast<char>(static_cast<uint8_t>(b))); };
  const size_t p = IndexOf(Principals(), seed.principal);
  if (p == Principals().size()) Fail("unknown principal " + seed.principal);
  put(p);
  size_t t = 0;
  for (; t < Targets().size(); ++t) {
    const Target& target = Targets()[t];
    if (!seed.page_id.empty() ? target.page_id == seed.page_id && target.modify == seed.modify
                              : target.action == seed.action && target.resource == seed.resource) {
      break;
    }
  }
  if (t == Targets().size()) Fail("unknown target " + seed.page_id + seed.action);
  put(t);
  put(seed.account);
  for (const SeedRequest::Entry& e : seed.context) {
    RefType type = RefType::kString;
    int number = -1;
    for (int i = 0; i < 256 && number < 0; ++i) {
      if (NumberedKey(i) == e.key) number = i;
    }
    if (number >= 0) {
      put(0xE0);
      put(number);
    } else {
      size_t k = 0;
      while (k < Keys().size() && Keys()[k].name != e.key) ++k;
      if (k == Keys().size()) Fail("unknown key " + e.key);
      put(k < OrdinaryKeyCount() ? k : 0xF0 + k - OrdinaryKeyCount());
      type = Keys()[k].type;
    }
    put(e.upper_case ? 0xE0 : 0);
    const size_t n = e.values.size();
    bool same = true;
    for (const std::string& v : e.values) same = same && v == e.values[0];
    static constexpr uint8_t kSmallCountBytes[] = {5, 0, 6, 7};  // 0, 1, 2, 3 values
    if (n < 4) {
      put(kSmallCountBytes[n]);
    } else if (n <= 17) {
      put(0xF0 + n - 4);
    } else if ((n == 64 || n == 65) && same) {
      put(n == 64 ? 0xFE : 0xFF);
    } else {
      Fail("seeds carry at most 17 values per key, or 64 or 65 equal ones");
    }
    for (size_t vi = 0; vi < (n >= 64 ? 1 : n); ++vi) {
      const std::string& v = e.values[vi];
      int long_byte = -1;
      for (int b = 0xE0; b < 0xF0 && long_byte < 0; ++b) {
        if (LongValue(type, static_cast<uint8_t>(b)) == v) long_byte = b;
      }
      if (long_byte >= 0) {
        put(long_byte);
      } else if (size_t i = IndexOf(GoodValues(type), v); i < GoodValues(type).size()) {
        put(i);
      } else if (size_t b = IndexOf(BadValues(type), v); b < BadValues(type).size()) {
        put(0xA0 + b);
      } else if (size_t j = IndexOf(JunkPool(), v); j < JunkPool().size()) {
        const size_t size = JunkPool().size();  // the decoder takes JunkPool()[v % size]
        put(0xD0 + (j + size - 0xD0 % size) % size);
      } else {
        Fail("value not in the pools of " + e.key + ": " + v);
      }
    }
  }
  return out;
}

}  // namespace pdp::fuzz
