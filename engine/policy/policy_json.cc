#include "engine/policy/policy_json.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/errors.h"

namespace pdp {
namespace {

constexpr int kMaxDepth = 64;

class Reader {
 public:
  explicit Reader(absl::string_view text) : text_(text) {}

  absl::StatusOr<Json> ReadDocument() {
    Json value;
    absl::Status s = ReadValue(value, 0);
    if (!s.ok()) return s;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the JSON value");
    return value;
  }

 private:
  std::string Path() const {
    std::string out;
    for (const std::string& p : path_) {
      if (!p.empty() && p[0] == '[') {
        out += p;
      } else {
        if (!out.empty()) out += '.';
        out += p;
      }
    }
    return out;
  }

  absl::Status Error(absl::string_view what) const {
    int line = 1, col = 1;
    for (size_t i = 0; i < pos_ && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return FieldError(Path(),
                      absl::StrCat("invalid JSON at line ", line, ", column ", col, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool Consume(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  absl::Status ReadValue(Json& out, int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of input");
    char c = text_[pos_];
    // `depth` containers enclose this value; it may open one more up to the limit.
    if ((c == '{' || c == '[') && depth >= kMaxDepth) return Error("nested too deeply");
    if (c == '{') return ReadObject(out, depth);
    if (c == '[') return ReadArray(out, depth);
    if (c == '"') {
      std::string s;
      absl::Status st = ReadString(s);
      if (!st.ok()) return st;
      out = std::move(s);
      return absl::OkStatus();
    }
    if (Consume("true")) {
      out = true;
      return absl::OkStatus();
    }
    if (Consume("false")) {
      out = false;
      return absl::OkStatus();
    }
    if (Consume("null")) {
      out = nullptr;
      return absl::OkStatus();
    }
    if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber(out);
    return Error(absl::StrCat("unexpected character '", std::string(1, c), "'"));
  }

  absl::Status ReadObject(Json& out, int depth) {
    ++pos_;  // '{'
    out = Json::object();
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected a key string");
      std::string key;
      absl::Status st = ReadString(key);
      if (!st.ok()) return st;
      path_.push_back(key);
      if (out.contains(key)) return Error("duplicate key");
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':'");
      ++pos_;
      Json value;
      st = ReadValue(value, depth + 1);
      if (!st.ok()) return st;
      path_.pop_back();
      out[key] = std::move(value);
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      return Error("expected ',' or '}'");
    }
  }

  absl::Status ReadArray(Json& out, int depth) {
    ++pos_;  // '['
    out = Json::array();
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    for (size_t i = 0;; ++i) {
      path_.push_back(absl::StrCat("[", i, "]"));
      Json value;
      absl::Status st = ReadValue(value, depth + 1);
      if (!st.ok()) return st;
      path_.pop_back();
      out.push_back(std::move(value));
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      return Error("expected ',' or ']'");
    }
  }

  static void AppendUtf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool ReadHex4(uint32_t& cp) {
    if (pos_ + 4 > text_.size()) return false;
    cp = 0;
    for (int i = 0; i < 4; ++i) {
      char h = text_[pos_++];
      cp <<= 4;
      if (h >= '0' && h <= '9') {
        cp |= h - '0';
      } else if (h >= 'a' && h <= 'f') {
        cp |= h - 'a' + 10;
      } else if (h >= 'A' && h <= 'F') {
        cp |= h - 'A' + 10;
      } else {
        return false;
      }
    }
    return true;
  }

  absl::Status ReadString(std::string& out) {
    ++pos_;  // '"'
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return absl::OkStatus();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp;
          if (!ReadHex4(cp)) return Error("bad \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo;
            if (!Consume("\\u") || !ReadHex4(lo) || lo < 0xDC00 || lo > 0xDFFF) {
              return Error("unpaired surrogate in \\u escape");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return Error("unpaired surrogate in \\u escape");
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Error("bad escape in string");
      }
    }
    return Error("unterminated string");
  }

  absl::Status ReadNumber(Json& out) {
    size_t start = pos_;
    if (text_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t n = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        ++pos_;
        ++n;
      }
      return n;
    };
    if (digits() == 0) return Error("bad number");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) return Error("bad number");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) return Error("bad number");
    }
    // The grammar was checked above; nlohmann converts the validated text.
    out = Json::parse(text_.substr(start, pos_ - start), nullptr, false);
    if (out.is_discarded()) return Error("bad number");
    return absl::OkStatus();
  }

  absl::string_view text_;
  size_t pos_ = 0;
  std::vector<std::string> path_;
};

}  // namespace

absl::StatusOr<Json> ParseStrictJson(absl::string_view text) { return Reader(text).ReadDocument(); }

absl::Status CheckKnownFields(const Json& object, absl::string_view path,
                              std::initializer_list<absl::string_view> allowed) {
  if (!object.is_object()) return FieldError(path, "must be an object");
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || key == a;
    if (!known) {
      return FieldError(path.empty() ? key : absl::StrCat(path, ".", key), "unknown field");
    }
  }
  return absl::OkStatus();
}

}  // namespace pdp
