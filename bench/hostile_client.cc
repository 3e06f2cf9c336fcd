// hostile_client: a misbehaving caller of billing-pdp, for bench/hostile_load.sh,
// which measures what it does to everybody else's Authorize latency. Two
// patterns, each bounded in calls and time and refusing any non-loopback
// target:
//
//   slow   installs (ApplyChanges, no admin token) a managed policy with a
//          StringLike "*aaaa...b" (5,000 a's) condition on hostile:Value and
//          a ForAnyValue:StringLike one on hostile:Values, attached to
//          user/hostile; finds the largest value the server accepts (and how
//          many such values one key may carry) by asking for the root user,
//          whose decision reads no policy; then keeps --concurrency
//          Authorize calls for user/hostile with those values outstanding.
//   waits  keeps --waits calls parked on min_revision 2^40 (half WhoCan over
//          the account, half Authorize) and --watches Watch streams from
//          revision 2^40 open, re-issuing each as it ends.
//
// Everything runs on one completion queue and one thread; after --duration
// seconds every call still open is cancelled and the program exits (a
// watchdog kills it 30 s later if the server will not let go). It prints
// progress to stderr ("hostile: attacking ..." once the attack starts) and
// one JSON line to stdout at the end: calls made, status codes, latency of
// its own calls.
//
//   hostile_client --target 127.0.0.1:PORT --pattern slow|waits [options]
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "pdp/v1/admin.grpc.pb.h"
#include "pdp/v1/authorization.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr char kUsage[] = R"(usage: hostile_client --target HOST:PORT --pattern slow|waits [options]
  --duration S        seconds of attack (default 20, at most 600)
  --max-calls N       calls in all, at most (default 200000)
  --account ID        the account used (default 111111111111, the demo world's)
  --principal ARN     the Authorize principal of the waits pattern
                      (default arn:aws:iam::<account>:user/dave)
slow:
  --concurrency N     Authorize calls outstanding (default 2, at most 64)
  --max-value-bytes N largest value tried (default 2097152)
  --call-timeout S    deadline of each call (default 5)
waits:
  --waits N           calls parked on min_revision (default 2000, at most 20000)
  --watches N         Watch streams (default 1000, at most 20000)
  --channels N        connections (default 8)
  --call-timeout S    deadline of each parked call and stream (default: --duration)
HOST must be a loopback address (127.x.x.x, ::1, localhost).
)";

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "hostile_client: %s\n", msg.c_str());
  std::exit(2);
}

struct Options {
  std::string target;
  std::string pattern;
  double duration = 20;
  std::string account = "111111111111";
  std::string principal;
  int concurrency = 2;
  size_t max_value_bytes = 2 * 1024 * 1024;
  double call_timeout = 0;  // 0: the pattern's default
  int waits = 2000;
  int watches = 1000;
  int channels = 8;
  long max_calls = 200000;
};

bool IsLoopback(const std::string& target) {
  std::string host = target;
  if (host.rfind("unix:", 0) == 0) return true;
  if (host.rfind("ipv4:", 0) == 0) host = host.substr(5);
  if (host.rfind("ipv6:", 0) == 0) host = host.substr(5);
  if (!host.empty() && host[0] == '[') {
    return host.rfind("[::1]:", 0) == 0;
  }
  const size_t colon = host.rfind(':');
  if (colon == std::string::npos) return false;
  host = host.substr(0, colon);
  if (host == "localhost") return true;
  // 127.a.b.c with numeric parts only (not "127.0.0.1.example.com").
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string name = argv[i];
    if (name == "-h" || name == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (i + 1 >= argc) Die(name + " needs a value (see --help)");
    const std::string v = argv[++i];
    auto number = [&] {
      char* end = nullptr;
      const double d = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || d < 0) Die("bad number for " + name + ": " + v);
      return d;
    };
    if (name == "--target") {
      o.target = v;
    } else if (name == "--pattern") {
      o.pattern = v;
    } else if (name == "--duration") {
      o.duration = number();
    } else if (name == "--account") {
      o.account = v;
    } else if (name == "--principal") {
      o.principal = v;
    } else if (name == "--concurrency") {
      o.concurrency = static_cast<int>(number());
    } else if (name == "--max-value-bytes") {
      o.max_value_bytes = static_cast<size_t>(number());
    } else if (name == "--call-timeout") {
      o.call_timeout = number();
    } else if (name == "--waits") {
      o.waits = static_cast<int>(number());
    } else if (name == "--watches") {
      o.watches = static_cast<int>(number());
    } else if (name == "--max-calls") {
      o.max_calls = static_cast<long>(number());
    } else if (name == "--channels") {
      o.channels = static_cast<int>(number());
    } else {
      Die("unknown flag " + name + " (see --help)");
    }
  }
  if (o.target.empty()) Die("--target is required");
  if (!IsLoopback(o.target)) Die("refusing a target that is not loopback: " + o.target);
  if (o.pattern != "slow" && o.pattern != "waits") Die("--pattern must be slow or waits");
  if (o.duration <= 0 || o.duration > 600) Die("--duration must be in (0, 600]");
  if (o.concurrency < 1 || o.concurrency > 64) Die("--concurrency must be 1 to 64");
  if (o.waits < 0 || o.waits > 20000 || o.watches < 0 || o.watches > 20000) {
    Die("--waits and --watches must be 0 to 20000");
  }
  if (o.channels < 1 || o.channels > 64) Die("--channels must be 1 to 64");
  if (o.max_value_bytes < 1 || o.max_value_bytes > (64u << 20)) {
    Die("--max-value-bytes must be 1 to 64 MiB");
  }
  if (o.principal.empty()) o.principal = "arn:aws:iam::" + o.account + ":user/dave";
  return o;
}

std::shared_ptr<grpc::Channel> Connect(const std::string& target, int index) {
  grpc::ChannelArguments args;
  args.SetMaxSendMessageSize(-1);
  args.SetMaxReceiveMessageSize(-1);
  // A distinct argument per channel: each gets its own connection.
  args.SetInt("hostile_client.channel", index);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

std::chrono::system_clock::time_point In(double seconds) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

// ---- statistics --------------------------------------------------------------------

struct Stats {
  std::map<std::string, std::map<std::string, long>> codes;  // kind -> code -> count
  std::vector<double> latency_ms;                            // of finished unary calls
  long started = 0;
  void Done(const std::string& kind, const grpc::Status& s, Clock::time_point start) {
    ++codes[kind][CodeName(s.error_code())];
    latency_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  static std::string CodeName(grpc::StatusCode c) {
    static const char* const kNames[] = {"OK",
                                         "CANCELLED",
                                         "UNKNOWN",
                                         "INVALID_ARGUMENT",
                                         "DEADLINE_EXCEEDED",
                                         "NOT_FOUND",
                                         "ALREADY_EXISTS",
                                         "PERMISSION_DENIED",
                                         "RESOURCE_EXHAUSTED",
                                         "FAILED_PRECONDITION",
                                         "ABORTED",
                                         "OUT_OF_RANGE",
                                         "UNIMPLEMENTED",
                                         "INTERNAL",
                                         "UNAVAILABLE",
                                         "DATA_LOSS",
                                         "UNAUTHENTICATED"};
    const int i = static_cast<int>(c);
    return i >= 0 && i <= 16 ? kNames[i] : std::to_string(i);
  }
  std::string Json(const std::string& extra) const {
    std::vector<double> l = latency_ms;
    std::sort(l.begin(), l.end());
    auto pct = [&](double p) {
      return l.empty() ? 0.0 : l[std::min(l.size() - 1, static_cast<size_t>(p * l.size()))];
    };
    std::string out = "{" + extra + ",\"started\":" + std::to_string(started) + ",\"codes\":{";
    bool first_kind = true;
    for (const auto& [kind, counts] : codes) {
      out += std::string(first_kind ? "" : ",") + "\"" + kind + "\":{";
      first_kind = false;
      bool first = true;
      for (const auto& [code, n] : counts) {
        out += std::string(first ? "" : ",") + "\"" + code + "\":" + std::to_string(n);
        first = false;
      }
      out += "}";
    }
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "},\"call_p50_ms\":%.1f,\"call_p99_ms\":%.1f,\"call_max_ms\":%.1f}", pct(0.5),
                  pct(0.99), l.empty() ? 0.0 : l.back());
    return out + buf;
  }
};

// ---- calls on one completion queue ---------------------------------------------------

// One outstanding call; its address is the completion-queue tag.
struct Call {
  enum Kind { kAuthorize, kWhoCan, kWatch } kind;
  enum Step { kStarting, kReading, kFinishing } step = kStarting;
  grpc::ClientContext ctx;
  grpc::Status status;
  Clock::time_point start = Clock::now();
  pdp::v1::AuthorizeResponse authorize_response;
  pdp::v1::WhoCanResponse who_can_response;
  pdp::v1::WatchResponse watch_response;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pdp::v1::AuthorizeResponse>> authorize;
  std::unique_ptr<grpc::ClientAsyncResponseReader<pdp::v1::WhoCanResponse>> who_can;
  std::unique_ptr<grpc::ClientAsyncReader<pdp::v1::WatchResponse>> watch;
};

const char* KindName(Call::Kind k) {
  return k == Call::kAuthorize ? "Authorize" : k == Call::kWhoCan ? "WhoCan" : "Watch";
}

class Driver {
 public:
  Driver(std::vector<std::shared_ptr<grpc::Channel>> channels, Stats& stats) : stats_(stats) {
    for (auto& c : channels) {
      auth_.push_back(pdp::v1::AuthorizationService::NewStub(c));
      admin_.push_back(pdp::v1::AdminService::NewStub(c));
    }
  }

  void Authorize(const pdp::v1::AuthorizeRequest& r, double timeout) {
    Call* c = New(Call::kAuthorize, timeout);
    c->authorize = auth_[Next()]->PrepareAsyncAuthorize(&c->ctx, r, &cq_);
    c->authorize->StartCall();
    c->step = Call::kFinishing;
    c->authorize->Finish(&c->authorize_response, &c->status, c);
  }
  void WhoCan(const pdp::v1::WhoCanRequest& r, double timeout) {
    Call* c = New(Call::kWhoCan, timeout);
    c->who_can = auth_[Next()]->PrepareAsyncWhoCan(&c->ctx, r, &cq_);
    c->who_can->StartCall();
    c->step = Call::kFinishing;
    c->who_can->Finish(&c->who_can_response, &c->status, c);
  }
  void Watch(const pdp::v1::WatchRequest& r, double timeout) {
    Call* c = New(Call::kWatch, timeout);
    c->watch = admin_[Next()]->PrepareAsyncWatch(&c->ctx, r, &cq_);
    c->watch->StartCall(c);
  }

  struct Ended {
    Call::Kind kind;
    bool quick;  // within 100 ms: refused rather than parked
  };
  // Handles events until `until`; returns the calls that ended.
  std::vector<Ended> Poll(Clock::time_point until) {
    std::vector<Ended> ended;
    void* tag = nullptr;
    bool ok = false;
    while (true) {
      // gRPC takes system_clock deadlines.
      const auto status =
          cq_.AsyncNext(&tag, &ok,
                        std::chrono::system_clock::now() +
                            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                until - Clock::now()));
      if (status != grpc::CompletionQueue::GOT_EVENT) break;
      Call* c = static_cast<Call*>(tag);
      if (c->kind == Call::kWatch && c->step != Call::kFinishing) {
        if (ok) {  // started, or a message arrived: read on
          c->step = Call::kReading;
          c->watch->Read(&c->watch_response, c);
        } else {
          c->step = Call::kFinishing;
          c->watch->Finish(&c->status, c);
        }
        continue;
      }
      stats_.Done(KindName(c->kind), c->status, c->start);
      ended.push_back({c->kind, Clock::now() - c->start < std::chrono::milliseconds(100)});
      open_.erase(std::find(open_.begin(), open_.end(), c));
      delete c;
      until = Clock::now();  // drain what is ready, then return
    }
    return ended;
  }

  void CancelAll() {
    for (Call* c : open_) c->ctx.TryCancel();
  }
  size_t open() const { return open_.size(); }

 private:
  Call* New(Call::Kind kind, double timeout) {
    Call* c = new Call();
    c->kind = kind;
    c->ctx.set_deadline(In(timeout));
    open_.push_back(c);
    ++stats_.started;
    return c;
  }
  size_t Next() { return next_++ % auth_.size(); }

  Stats& stats_;
  grpc::CompletionQueue cq_;
  std::vector<std::unique_ptr<pdp::v1::AuthorizationService::Stub>> auth_;
  std::vector<std::unique_ptr<pdp::v1::AdminService::Stub>> admin_;
  std::vector<Call*> open_;
  size_t next_ = 0;
};

// Cancels what is open at the end and waits (bounded) for it to finish.
void Wind(Driver& d) {
  d.CancelAll();
  const auto give_up = Clock::now() + std::chrono::seconds(20);
  while (d.open() > 0 && Clock::now() < give_up) {
    d.Poll(Clock::now() + std::chrono::milliseconds(100));
  }
  if (d.open() > 0) std::fprintf(stderr, "hostile: %zu calls did not end\n", d.open());
}

// ---- slow decisions ----------------------------------------------------------------

constexpr char kKey[] = "hostile:Value";
constexpr char kSetKey[] = "hostile:Values";

std::string HostileUser(const Options& o) { return "arn:aws:iam::" + o.account + ":user/hostile"; }

void InstallPolicy(const Options& o, grpc::Channel& channel) {
  // One policy per condition: each pattern alone nearly fills a managed
  // policy's 6,144 characters. The policies first, then the user.
  const std::string pattern = "*" + std::string(5000, 'a') + "b";
  pdp::v1::ApplyChangesRequest req;
  pdp::v1::User user;
  user.set_arn(HostileUser(o));
  for (const auto& [name, op, key] :
       {std::tuple{"HostileWildcard", "StringLike", kKey},
        std::tuple{"HostileWildcardSet", "ForAnyValue:StringLike", kSetKey}}) {
    const std::string arn = "arn:aws:iam::" + o.account + ":policy/" + name;
    auto* p = req.add_changes()->mutable_create_policy();
    p->set_arn(arn);
    p->set_allow_existing(true);
    p->set_document(std::string(R"({"Version":"2012-10-17","Statement":[)") +
                    R"({"Effect":"Allow","Action":"*","Resource":"*","Condition":{")" + op +
                    R"(":{")" + key + R"(":")" + pattern + R"("}}}]})");
    user.add_attached_policies(arn);
  }
  auto* u = req.add_changes()->mutable_put_user();
  u->set_replace(true);
  u->set_allow_missing(true);
  *u->mutable_user() = user;
  auto stub = pdp::v1::AdminService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::ClientContext ctx;
  ctx.set_deadline(In(10));
  pdp::v1::ApplyChangesResponse resp;
  grpc::Status s = stub->ApplyChanges(&ctx, req, &resp);
  if (!s.ok()) Die("installing the hostile policies failed: " + s.error_message());
  std::fprintf(stderr,
               "hostile: policies HostileWildcard, HostileWildcardSet on %s (revision %lld)\n",
               HostileUser(o).c_str(), static_cast<long long>(resp.revision()));
}

pdp::v1::AuthorizeRequest SlowRequest(const std::string& principal, size_t value_bytes,
                                      int set_values) {
  pdp::v1::AuthorizeRequest r;
  r.set_principal(principal);
  r.mutable_page()->set_page_id("billing_bills");
  r.mutable_page()->set_access(pdp::v1::VIEW);
  auto& keys = *r.mutable_context()->mutable_keys();
  keys[kKey].add_values(std::string(value_bytes, 'a'));
  for (int i = 0; i < set_values; ++i) keys[kSetKey].add_values(std::string(value_bytes, 'a'));
  return r;
}

// Does the server take this context? Asked for the root user, whose
// decision reads no policy, so probing costs nothing.
bool Accepted(pdp::v1::AuthorizationService::Stub& stub, const Options& o, size_t bytes,
              int set_values) {
  grpc::ClientContext ctx;
  ctx.set_deadline(In(10));
  pdp::v1::AuthorizeResponse resp;
  grpc::Status s = stub.Authorize(
      &ctx, SlowRequest("arn:aws:iam::" + o.account + ":root", bytes, set_values), &resp);
  if (s.ok()) return true;
  if (s.error_code() == grpc::StatusCode::INVALID_ARGUMENT ||
      s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    return false;
  }
  Die("probing the context limits failed: " + Stats::CodeName(s.error_code()) + " " +
      s.error_message());
}

int Slow(const Options& o) {
  auto channel = Connect(o.target, 0);
  InstallPolicy(o, *channel);
  auto stub = pdp::v1::AuthorizationService::NewStub(channel);
  // The largest value (binary search), then how many of them one more key takes.
  size_t lo = 0, hi = o.max_value_bytes;
  if (Accepted(*stub, o, hi, 0)) {
    lo = hi;
  } else {
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      (Accepted(*stub, o, mid, 0) ? lo : hi) = mid;
    }
  }
  if (lo == 0) Die("the server accepts no value at all for " + std::string(kKey));
  // (No more than --max-value-bytes in those either.)
  int set_values = 0;
  while (set_values < 64 && static_cast<size_t>(set_values + 1) * lo <= o.max_value_bytes &&
         Accepted(*stub, o, lo, set_values + 1)) {
    ++set_values;
  }
  std::fprintf(stderr, "hostile: largest accepted value %zu bytes, plus %d such values under %s\n",
               lo, set_values, kSetKey);
  const pdp::v1::AuthorizeRequest request = SlowRequest(HostileUser(o), lo, set_values);
  const double timeout = o.call_timeout > 0 ? o.call_timeout : 5;

  Stats stats;
  Driver driver({channel}, stats);
  std::fprintf(stderr, "hostile: attacking (slow, %d outstanding) for %.0f s\n", o.concurrency,
               o.duration);
  const auto end = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(o.duration * 1e6));
  for (int i = 0; i < o.concurrency; ++i) driver.Authorize(request, timeout);
  while (Clock::now() < end) {
    for (const Driver::Ended& e :
         driver.Poll(std::min(end, Clock::now() + std::chrono::milliseconds(100)))) {
      (void)e;
      if (Clock::now() < end && stats.started < o.max_calls) driver.Authorize(request, timeout);
    }
  }
  Wind(driver);
  char extra[256];
  std::snprintf(extra, sizeof extra,
                "\"pattern\":\"slow\",\"value_bytes\":%zu,\"set_values\":%d,\"concurrency\":%d,"
                "\"duration_s\":%.1f",
                lo, set_values, o.concurrency, o.duration);
  std::printf("%s\n", stats.Json(extra).c_str());
  return 0;
}

// ---- many waits ----------------------------------------------------------------------

constexpr int64_t kFarRevision = int64_t{1} << 40;

int Waits(const Options& o) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < o.channels; ++i) channels.push_back(Connect(o.target, i));
  pdp::v1::WhoCanRequest who;
  who.set_account_id(o.account);
  who.mutable_page()->set_page_id("billing_bills");
  who.mutable_page()->set_access(pdp::v1::VIEW);
  who.set_min_revision(kFarRevision);
  pdp::v1::AuthorizeRequest auth;
  auth.set_principal(o.principal);
  auth.mutable_page()->set_page_id("billing_bills");
  auth.mutable_page()->set_access(pdp::v1::VIEW);
  auth.set_min_revision(kFarRevision);
  pdp::v1::WatchRequest watch;
  watch.set_from_revision(kFarRevision);
  const double timeout = o.call_timeout > 0 ? o.call_timeout : o.duration;

  Stats stats;
  Driver driver(channels, stats);
  const auto end = Clock::now() + std::chrono::microseconds(static_cast<int64_t>(o.duration * 1e6));
  auto remaining = [&] {
    return std::max(0.05,
                    std::min(timeout, std::chrono::duration<double>(end - Clock::now()).count()));
  };
  auto issue = [&](Call::Kind k) {
    if (k == Call::kWhoCan) driver.WhoCan(who, remaining());
    if (k == Call::kAuthorize) driver.Authorize(auth, remaining());
    if (k == Call::kWatch) driver.Watch(watch, remaining());
  };
  std::fprintf(stderr, "hostile: attacking (waits: %d parked calls, %d Watch streams) for %.0f s\n",
               o.waits, o.watches, o.duration);
  for (int i = 0; i < o.waits; ++i) issue(i % 2 == 0 ? Call::kWhoCan : Call::kAuthorize);
  for (int i = 0; i < o.watches; ++i) issue(Call::kWatch);
  // A call that ends is issued again: at once when it was parked, a second
  // later when it was refused at once (RESOURCE_EXHAUSTED, say), so that the
  // pattern stays "many parked calls" and does not turn into a flood.
  std::vector<std::pair<Clock::time_point, Call::Kind>> later;
  while (Clock::now() < end && stats.started < o.max_calls) {
    for (const Driver::Ended& e :
         driver.Poll(std::min(end, Clock::now() + std::chrono::milliseconds(50)))) {
      if (!e.quick) {
        issue(e.kind);
      } else {
        later.emplace_back(Clock::now() + std::chrono::seconds(1), e.kind);
      }
    }
    const auto now = Clock::now();
    for (size_t i = 0; i < later.size();) {
      if (later[i].first <= now && now < end) {
        issue(later[i].second);
        later[i] = later.back();
        later.pop_back();
      } else {
        ++i;
      }
    }
  }
  Wind(driver);
  char extra[256];
  std::snprintf(extra, sizeof extra,
                "\"pattern\":\"waits\",\"waits\":%d,\"watches\":%d,\"channels\":%d,"
                "\"duration_s\":%.1f",
                o.waits, o.watches, o.channels, o.duration);
  std::printf("%s\n", stats.Json(extra).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  // Stops by itself even if the server never lets go of a call.
  signal(SIGALRM, [](int) {
    const char msg[] = "hostile_client: watchdog: still running, exiting\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(3);
  });
  alarm(static_cast<unsigned>(o.duration) + 60);
  return o.pattern == "slow" ? Slow(o) : Waits(o);
}
