// Lexer and Pratt parser for JSONata, followed by the AST post-processing of jsonata-js
// (paths, predicates as stages, focus/index binding, parent-operator ancestry, tail calls).
#include <charconv>
#include <cstring>
#include <set>
#include <unordered_map>

#include "asl/jsonata/internal.hpp"

namespace cosmicai::jsonata::detail {

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80)
    out += char(cp);
  else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

}  // namespace cosmicai::jsonata::detail

namespace cosmicai::jsonata {

using namespace detail;
using P = std::shared_ptr<Node>;

namespace {

const std::unordered_map<std::string, int>& operators() {
  static const std::unordered_map<std::string, int> ops = {
      {".", 75},  {"[", 80},  {"]", 0},   {"{", 70},   {"}", 0},   {"(", 80},  {")", 0},   {",", 0},   {"@", 80},
      {"#", 80},  {";", 80},  {":", 80},  {"?", 20},   {"+", 50},  {"-", 50},  {"*", 60},  {"/", 60},  {"%", 60},
      {"|", 20},  {"=", 40},  {"<", 40},  {">", 40},   {"^", 40},  {"**", 60}, {"..", 20}, {":=", 10}, {"!=", 40},
      {"<=", 40}, {">=", 40}, {"~>", 40}, {"and", 30}, {"or", 25}, {"in", 40}, {"&", 50},  {"!", 0},   {"~", 0}};
  return ops;
}

bool single_op_char(char c) { return std::strchr(".[]{}(),@#;:?+-*/%|=<>^&!~", c) != nullptr && c != 0; }

struct Token {
  enum K { End, Name, Variable, Op, Str, Num, Val, Regex } kind = End;
  std::string value;
  double num = 0;
  Value literal;
  long position = 0;
  std::string flags;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : src_(s) {}
  Token next(bool infix) {
    auto& p = pos_;
    const long n = static_cast<long>(src_.size());
    for (;;) {
      while (p < n && std::strchr(" \t\n\r\v", src_[p]) && src_[p]) ++p;
      if (p + 1 < n && src_[p] == '/' && src_[p + 1] == '*') {
        long start = p;
        p += 2;
        for (;;) {
          if (p + 1 >= n) fail("S0106", start);
          if (src_[p] == '*' && src_[p + 1] == '/') {
            p += 2;
            break;
          }
          ++p;
        }
        continue;
      }
      break;
    }
    Token t;
    t.position = p;
    if (p >= n) return t;
    char c = src_[p];
    if (!infix && c == '/') {
      ++p;
      return scan_regex(t);
    }
    auto op = [&](const char* s, std::size_t len) {
      t.kind = Token::Op;
      t.value = std::string(s, len);
      p += len;
      t.position = p;
      return t;
    };
    char d = p + 1 < n ? src_[p + 1] : 0;
    if (c == '.' && d == '.') return op("..", 2);
    if (c == ':' && d == '=') return op(":=", 2);
    if (c == '!' && d == '=') return op("!=", 2);
    if (c == '>' && d == '=') return op(">=", 2);
    if (c == '<' && d == '=') return op("<=", 2);
    if (c == '*' && d == '*') return op("**", 2);
    if (c == '~' && d == '>') return op("~>", 2);
    if (single_op_char(c)) return op(&src_[p], 1);
    if (c == '"' || c == '\'') {
      char q = c;
      ++p;
      std::string out;
      while (p < n) {
        char ch = src_[p];
        if (ch == '\\') {
          ++p;
          if (p >= n) break;
          char e = src_[p];
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
              auto hex4 = [&](long at, uint32_t& cp) {
                if (at + 4 > n) return false;
                cp = 0;
                for (int i = 0; i < 4; ++i) {
                  char h = src_[at + i];
                  cp <<= 4;
                  if (h >= '0' && h <= '9')
                    cp |= h - '0';
                  else if (h >= 'a' && h <= 'f')
                    cp |= h - 'a' + 10;
                  else if (h >= 'A' && h <= 'F')
                    cp |= h - 'A' + 10;
                  else
                    return false;
                }
                return true;
              };
              uint32_t cp;
              if (!hex4(p + 1, cp)) fail("S0104", p);
              p += 4;
              if (cp >= 0xD800 && cp < 0xDC00 && p + 2 < n && src_[p + 1] == '\\' && src_[p + 2] == 'u') {
                uint32_t lo;
                if (hex4(p + 3, lo) && lo >= 0xDC00 && lo < 0xE000) {
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                  p += 6;
                }
              }
              append_utf8(out, cp);
              break;
            }
            default:
              fail("S0103", p, std::string(1, e));
          }
          ++p;
        } else if (ch == q) {
          ++p;
          t.kind = Token::Str;
          t.value = out;
          t.position = p;
          return t;
        } else {
          out += ch;
          ++p;
        }
      }
      fail("S0101", p);
    }
    if (c >= '0' && c <= '9') {
      long s = p;
      if (c == '0')
        ++p;
      else
        while (p < n && isdigit((unsigned char)src_[p])) ++p;
      if (p + 1 < n && src_[p] == '.' && isdigit((unsigned char)src_[p + 1])) {
        ++p;
        while (p < n && isdigit((unsigned char)src_[p])) ++p;
      }
      if (p < n && (src_[p] == 'e' || src_[p] == 'E')) {
        long q = p + 1;
        if (q < n && (src_[q] == '+' || src_[q] == '-')) ++q;
        if (q < n && isdigit((unsigned char)src_[q])) {
          p = q;
          while (p < n && isdigit((unsigned char)src_[p])) ++p;
        }
      }
      std::string text(src_.substr(s, p - s));
      double v = std::strtod(text.c_str(), nullptr);
      if (!std::isfinite(v)) fail("S0102", s, text);
      t.kind = Token::Num;
      t.num = v;
      t.value = text;
      t.position = p;
      return t;
    }
    if (c == '`') {
      ++p;
      auto e = src_.find('`', p);
      if (e == std::string_view::npos) fail("S0105", p);
      t.kind = Token::Name;
      t.value = std::string(src_.substr(p, e - p));
      p = static_cast<long>(e) + 1;
      t.position = p;
      return t;
    }
    long i = p;
    // A NUL is part of a name, as in jsonata-js (strchr would find the terminator: no progress).
    while (i < n && !(src_[i] && std::strchr(" \t\n\r\v", src_[i])) && !single_op_char(src_[i])) ++i;
    std::string word(src_.substr(p, i - p));
    p = i;
    t.position = p;
    if (!word.empty() && word[0] == '$') {
      t.kind = Token::Variable;
      t.value = word.substr(1);
      return t;
    }
    if (word == "and" || word == "or" || word == "in") {
      t.kind = Token::Op;
      t.value = word;
      return t;
    }
    if (word == "true") {
      t.kind = Token::Val;
      t.value = word;
      t.literal = Value::boolean(true);
      return t;
    }
    if (word == "false") {
      t.kind = Token::Val;
      t.value = word;
      t.literal = Value::boolean(false);
      return t;
    }
    if (word == "null") {
      t.kind = Token::Val;
      t.value = word;
      t.literal = Value::null();
      return t;
    }
    t.kind = Token::Name;
    t.value = word;
    return t;
  }

 private:
  Token scan_regex(Token& t) {
    auto& p = pos_;
    const long n = static_cast<long>(src_.size());
    long start = p;
    int depth = 0;
    while (p < n) {
      char c = src_[p];
      if (c == '/' && depth == 0) {
        int bs = 0;
        while (p - (bs + 1) >= 0 && src_[p - (bs + 1)] == '\\') ++bs;
        if (bs % 2 == 0) {
          std::string pattern(src_.substr(start, p - start));
          if (pattern.empty()) fail("S0301", p);
          ++p;
          long fs = p;
          while (p < n && (src_[p] == 'i' || src_[p] == 'm')) ++p;
          t.kind = Token::Regex;
          t.value = pattern;
          t.flags = std::string(src_.substr(fs, p - fs));
          t.position = p;
          return t;
        }
      }
      bool esc = p > 0 && src_[p - 1] == '\\';
      if ((c == '(' || c == '[' || c == '{') && !esc) ++depth;
      if ((c == ')' || c == ']' || c == '}') && !esc) --depth;
      ++p;
    }
    fail("S0302", p);
  }
  std::string_view src_;
  long pos_ = 0;
};

// Parse tree node before post-processing: reuse Node with a few extra meanings.
struct PNode {
  std::string id;  // symbol id: "(end)", "(name)", "(literal)", "(regex)", or operator text
  Token tok;
};

class Parser {
 public:
  explicit Parser(std::string_view src) : lex_(src), len_(static_cast<long>(src.size())) {}

  P parse() {
    advance();
    P e = expression(0);
    if (id_ != "(end)") fail("S0201", tok_.position, tok_.value);
    e = process(e);
    if (e->type == NT::Parent || e->has_seeking) fail("S0217", e->position);
    return e;
  }

 private:
  Lexer lex_;
  long len_;
  std::string id_;
  Token tok_;
  std::vector<P> ancestry_;
  int ancestor_label_ = 0, ancestor_index_ = 0;

  int lbp() const {
    if (id_ == "(end)" || id_ == "(name)" || id_ == "(literal)" || id_ == "(regex)") return 0;
    if (id_ == ":" || id_ == ";" || id_ == "," || id_ == ")" || id_ == "]" || id_ == "}" || id_ == ".." || id_ == "!" ||
        id_ == "|" || id_ == "~")
      return 0;
    auto it = operators().find(id_);
    return it == operators().end() ? 0 : it->second;
  }

  void advance(const char* expect = nullptr, bool infix = false) {
    if (expect && id_ != expect) fail(id_ == "(end)" ? "S0203" : "S0202", tok_.position, tok_.value, expect);
    Token t = lex_.next(infix);
    tok_ = t;
    switch (t.kind) {
      case Token::End:
        id_ = "(end)";
        tok_.position = len_;
        break;
      case Token::Name:
      case Token::Variable:
        id_ = "(name)";
        break;
      case Token::Op:
        if (!operators().count(t.value)) fail("S0204", t.position, t.value);
        id_ = t.value;
        break;
      case Token::Str:
      case Token::Num:
      case Token::Val:
        id_ = "(literal)";
        break;
      case Token::Regex:
        id_ = "(regex)";
        break;
    }
  }

  P make(NT type, const Token& t) {
    auto n = std::make_shared<Node>();
    n->type = type;
    n->value = t.value;
    n->position = t.position;
    return n;
  }

  // Nesting bound: the parser, the post-processing, the evaluator and even the tree's destructor
  // recurse once per level, so an expression nested deeper than this ("((((…", "[[[[…", or a
  // left-deep chain like "1+1+1+…" or "a.b.c.…") fails with U1001 instead of overflowing the stack.
  static constexpr int kMaxNesting = 1000;
  int nesting_ = 0;
  void deepen(long position) {
    if (++nesting_ > kMaxNesting) {
      fail("U1001", position, {},
           "Stack overflow error: the expression is nested more than " + std::to_string(kMaxNesting) + " levels deep");
    }
  }

  P expression(int rbp) {
    struct Restore {
      int& n;
      int saved;
      ~Restore() { n = saved; }
    } restore{nesting_, nesting_};
    deepen(tok_.position);
    Token t = tok_;
    std::string id = id_;
    advance(nullptr, true);
    P left = nud(id, t);
    while (rbp < lbp()) {
      t = tok_;
      id = id_;
      deepen(t.position);  // each operator applied here puts `left` one level deeper
      advance();
      left = led(id, t, left);
    }
    return left;
  }

  P nud(const std::string& id, const Token& t) {
    if (id == "(end)") fail("S0207", t.position);
    if (id == "(name)") {
      P n = make(t.kind == Token::Variable ? NT::Variable : NT::Name, t);
      return n;
    }
    if (id == "(literal)") {
      P n;
      if (t.kind == Token::Str) {
        n = make(NT::String, t);
        n->literal = Value::string(t.value);
      } else if (t.kind == Token::Num) {
        n = make(NT::Number, t);
        n->num = t.num;
        n->literal = Value::number(t.num);
      } else {
        n = make(NT::Value, t);
        n->literal = t.literal;
      }
      return n;
    }
    if (id == "(regex)") {
      P n = make(NT::Regex, t);
      n->regex_pattern = t.value;
      n->regex_flags = t.flags;
      return n;
    }
    if (id == "-") {
      P n = make(NT::Unary, t);
      n->expression = expression(70);
      return n;
    }
    if (id == "*") return make(NT::Wildcard, t);
    if (id == "**") return make(NT::Descendant, t);
    if (id == "%") return make(NT::Parent, t);
    if (id == "[") {
      P n = make(NT::ArrayCons, t);
      if (id_ != "]") {
        for (;;) {
          P item = expression(0);
          if (id_ == "..") {
            P r = make(NT::Binary, tok_);
            r->value = "..";
            r->lhs = item;
            advance("..");
            r->rhs = expression(0);
            item = r;
          }
          n->expressions.push_back(item);
          if (id_ != ",") break;
          advance(",");
        }
      }
      advance("]", true);
      return n;
    }
    if (id == "{") {
      P n = make(NT::ObjectCons, t);
      n->pairs = object_pairs();
      return n;
    }
    if (id == "(") {
      P n = make(NT::Block, t);
      while (id_ != ")") {
        n->expressions.push_back(expression(0));
        if (id_ != ";") break;
        advance(";");
      }
      advance(")", true);
      return n;
    }
    if (id == "|") {
      P n = make(NT::Transform, t);
      n->pattern = expression(0);
      advance("|");
      n->update = expression(0);
      if (id_ == ",") {
        advance(",");
        n->del = expression(0);
      }
      advance("|");
      return n;
    }
    if (id == "and" || id == "or" || id == "in") {
      P n = make(NT::Name, t);
      return n;
    }
    if (id == "?") {
      P n = make(NT::Placeholder, t);
      return n;
    }
    fail("S0211", t.position, t.value);
  }

  std::vector<std::pair<P, P>> object_pairs() {
    std::vector<std::pair<P, P>> a;
    if (id_ != "}") {
      for (;;) {
        P k = expression(0);
        advance(":");
        P v = expression(0);
        a.emplace_back(k, v);
        if (id_ != ",") break;
        advance(",");
      }
    }
    advance("}", true);
    return a;
  }

  P led(const std::string& id, const Token& t, P left) {
    int bp = operators().at(id);
    if (id == "(") {
      P n = make(NT::Function, t);
      n->procedure = left;
      if (id_ != ")") {
        for (;;) {
          if (id_ == "?") {
            n->type = NT::Partial;
            n->arguments.push_back(make(NT::Placeholder, tok_));
            advance("?");
          } else {
            n->arguments.push_back(expression(0));
          }
          if (id_ != ",") break;
          advance(",");
        }
      }
      advance(")", true);
      if (left->type == NT::Name && (left->value == "function" || left->value == "\xCE\xBB")) {
        for (std::size_t i = 0; i < n->arguments.size(); ++i)
          if (n->arguments[i]->type != NT::Variable) fail("S0208", n->arguments[i]->position, n->arguments[i]->value);
        n->type = NT::Lambda;
        if (id_ == "<") {
          long sig_pos = tok_.position;
          int depth = 1;
          std::string sig = "<";
          while (depth > 0 && id_ != "{" && id_ != "(end)") {
            advance();
            if (id_ == ">")
              --depth;
            else if (id_ == "<")
              ++depth;
            sig += tok_.kind == Token::Variable ? "$" + tok_.value : tok_.value;
          }
          advance(">");
          n->signature = parse_signature(sig, sig_pos);
        }
        advance("{");
        n->body = expression(0);
        advance("}");
      }
      return n;
    }
    if (id == "[") {
      if (id_ == "]") {
        Node* step = left.get();
        while (step && step->type == NT::Binary && step->value == "[") step = step->lhs.get();
        step->keep_array = true;
        advance("]");
        return left;
      }
      P n = make(NT::Binary, t);
      n->value = "[";
      n->lhs = left;
      n->rhs = expression(0);
      advance("]", true);
      return n;
    }
    if (id == "{") {
      P n = make(NT::Binary, t);
      n->value = "{";
      n->lhs = left;
      n->pairs = object_pairs();
      return n;
    }
    if (id == "?") {
      P n = make(NT::Condition, t);
      n->condition = left;
      n->then = expression(0);
      if (id_ == ":") {
        advance(":");
        n->otherwise = expression(0);
      }
      return n;
    }
    if (id == ":=") {
      if (left->type != NT::Variable) fail("S0212", left->position, left->value);
      P n = make(NT::Binary, t);
      n->lhs = left;
      n->rhs = expression(bp - 1);
      return n;
    }
    if (id == "@" || id == "#") {
      P n = make(NT::Binary, t);
      n->lhs = left;
      n->rhs = expression(bp);
      if (n->rhs->type != NT::Variable) fail("S0214", n->rhs->position, id);
      return n;
    }
    if (id == "^") {
      advance("(");
      P n = make(NT::Binary, t);
      n->lhs = left;
      for (;;) {
        SortTerm term;
        if (id_ == "<")
          advance("<");
        else if (id_ == ">") {
          term.descending = true;
          advance(">");
        }
        term.expr = expression(0);
        n->terms.push_back(term);
        if (id_ != ",") break;
        advance(",");
      }
      advance(")");
      return n;
    }
    if (id == "??" || id == "?:") fail("S0211", t.position, id);
    if (bp == 0) fail("S0211", t.position, id);
    P n = make(NT::Binary, t);
    n->lhs = left;
    n->rhs = expression(bp);
    return n;
  }

  // ---- post-processing (jsonata-js processAST) ----
  void push_ancestry(Node& result, const Node& value) {
    if (value.has_seeking || value.type == NT::Parent) {
      auto slots = value.seeking_parent;
      if (value.type == NT::Parent) slots.push_back(value.slot);
      result.seeking_parent.insert(result.seeking_parent.end(), slots.begin(), slots.end());
      result.has_seeking = true;
    }
  }

  std::shared_ptr<Slot> seek_parent(Node& node, std::shared_ptr<Slot> slot) {
    switch (node.type) {
      case NT::Name:
      case NT::Wildcard:
        slot->level--;
        if (slot->level == 0) {
          if (!node.ancestor)
            node.ancestor = slot;
          else {
            ancestry_[slot->index]->slot->label = node.ancestor->label;
            node.ancestor = slot;
          }
          node.tuple = true;
        }
        break;
      case NT::Parent:
        slot->level++;
        break;
      case NT::Block:
        if (!node.expressions.empty()) {
          node.tuple = true;
          slot = seek_parent(*node.expressions.back(), slot);
        }
        break;
      case NT::Path: {
        node.tuple = true;
        long index = static_cast<long>(node.steps.size()) - 1;
        slot = seek_parent(*node.steps[index--], slot);
        while (slot->level > 0 && index >= 0) slot = seek_parent(*node.steps[index--], slot);
        break;
      }
      default:
        fail("S0217", node.position);
    }
    return slot;
  }

  void resolve_ancestry(Node& path) {
    Node& last = *path.steps.back();
    auto slots = last.seeking_parent;
    if (last.type == NT::Parent) slots.push_back(last.slot);
    for (auto slot : slots) {
      long index = static_cast<long>(path.steps.size()) - 2;
      while (slot->level > 0) {
        if (index < 0) {
          path.seeking_parent.push_back(slot);
          path.has_seeking = true;
          break;
        }
        Node* step = path.steps[index--].get();
        while (index >= 0 && !step->focus.empty() && !path.steps[index]->focus.empty())
          step = path.steps[index--].get();
        slot = seek_parent(*step, slot);
      }
    }
  }

  P tail_call(P e) {
    if (e->type == NT::Function && e->predicate.empty()) {
      auto th = std::make_shared<Node>();
      th->type = NT::Lambda;
      th->thunk = true;
      th->position = e->position;
      th->body = e;
      return th;
    }
    if (e->type == NT::Condition) {
      e->then = tail_call(e->then);
      if (e->otherwise) e->otherwise = tail_call(e->otherwise);
      return e;
    }
    if (e->type == NT::Block && !e->expressions.empty()) {
      e->expressions.back() = tail_call(e->expressions.back());
    }
    return e;
  }

  P to_path(P step) {
    auto p = std::make_shared<Node>();
    p->type = NT::Path;
    p->position = step->position;
    p->steps.push_back(step);
    return p;
  }

  P process(const P& expr) {
    P result;
    switch (expr->type) {
      case NT::Binary: {
        const std::string& op = expr->value;
        if (op == ".") {
          P lstep = process(expr->lhs);
          result = lstep->type == NT::Path ? lstep : to_path(lstep);
          if (lstep->type == NT::Parent) {
            result->seeking_parent = {lstep->slot};
            result->has_seeking = true;
          }
          P rest = process(expr->rhs);
          if (rest->type == NT::Path) {
            result->steps.insert(result->steps.end(), rest->steps.begin(), rest->steps.end());
          } else {
            if (!rest->predicate.empty()) {
              rest->stages = std::move(rest->predicate);
              rest->predicate.clear();
            }
            result->steps.push_back(rest);
          }
          for (auto& s : result->steps) {
            if (s->type == NT::Number || s->type == NT::Value) fail("S0213", s->position, s->value);
            if (s->type == NT::String) s->type = NT::Name;
          }
          for (auto& s : result->steps)
            if (s->keep_array) result->keep_singleton_array = true;
          auto& first = result->steps.front();
          if (first->type == NT::ArrayCons) first->consarray = true;
          auto& last = result->steps.back();
          if (last->type == NT::ArrayCons) last->consarray = true;
          resolve_ancestry(*result);
        } else if (op == "[") {
          result = process(expr->lhs);
          Node* step = result.get();
          bool stages = false;
          if (result->type == NT::Path) {
            step = result->steps.back().get();
            stages = true;
          }
          if (step->has_group) fail("S0209", expr->position);
          P pred = process(expr->rhs);
          if (pred->has_seeking) {
            for (auto& slot : pred->seeking_parent) {
              if (slot->level == 1)
                seek_parent(*step, slot);
              else
                slot->level--;
            }
            push_ancestry(*step, *pred);
          }
          NodeStage st;
          st.expr = pred;
          (stages ? step->stages : step->predicate).push_back(st);
        } else if (op == "{") {
          result = process(expr->lhs);
          if (result->has_group) fail("S0210", expr->position);
          result->has_group = true;
          result->group_position = expr->position;
          for (auto& pr : expr->pairs) result->group.emplace_back(process(pr.first), process(pr.second));
        } else if (op == "^") {
          result = process(expr->lhs);
          if (result->type != NT::Path) result = to_path(result);
          auto sort = std::make_shared<Node>();
          sort->type = NT::Sort;
          sort->position = expr->position;
          for (auto& term : expr->terms) {
            SortTerm st{term.descending, process(term.expr)};
            push_ancestry(*sort, *st.expr);
            sort->terms.push_back(st);
          }
          result->steps.push_back(sort);
          resolve_ancestry(*result);
        } else if (op == ":=") {
          result = std::make_shared<Node>();
          result->type = NT::Bind;
          result->position = expr->position;
          result->lhs = process(expr->lhs);
          result->rhs = process(expr->rhs);
          push_ancestry(*result, *result->rhs);
        } else if (op == "@") {
          result = process(expr->lhs);
          Node* step = result.get();
          if (result->type == NT::Path) step = result->steps.back().get();
          if (!step->stages.empty() || !step->predicate.empty()) fail("S0215", expr->position, "@");
          if (step->type == NT::Sort) fail("S0216", expr->position, "@");
          if (expr->keep_array) step->keep_array = true;
          step->focus = expr->rhs->value;
          step->tuple = true;
        } else if (op == "#") {
          result = process(expr->lhs);
          Node* step = result.get();
          if (result->type == NT::Path)
            step = result->steps.back().get();
          else {
            result = to_path(result);
            if (!step->predicate.empty()) {
              step->stages = std::move(step->predicate);
              step->predicate.clear();
            }
          }
          if (step->stages.empty())
            step->index = expr->rhs->value;
          else {
            NodeStage st;
            st.is_index = true;
            st.index_var = expr->rhs->value;
            step->stages.push_back(st);
          }
          step->tuple = true;
        } else if (op == "~>") {
          result = std::make_shared<Node>();
          result->type = NT::Apply;
          result->value = op;
          result->position = expr->position;
          result->lhs = process(expr->lhs);
          result->rhs = process(expr->rhs);
          result->keep_array = result->lhs->keep_array || result->rhs->keep_array;
        } else {
          result = std::make_shared<Node>();
          result->type = NT::Binary;
          result->value = op;
          result->position = expr->position;
          result->lhs = process(expr->lhs);
          result->rhs = process(expr->rhs);
          push_ancestry(*result, *result->lhs);
          push_ancestry(*result, *result->rhs);
        }
        break;
      }
      case NT::ArrayCons: {
        result = std::make_shared<Node>(*expr);
        result->expressions.clear();
        for (auto& item : expr->expressions) {
          P v = process(item);
          push_ancestry(*result, *v);
          result->expressions.push_back(v);
        }
        break;
      }
      case NT::ObjectCons: {
        result = std::make_shared<Node>(*expr);
        result->pairs.clear();
        for (auto& pr : expr->pairs) {
          P k = process(pr.first);
          push_ancestry(*result, *k);
          P v = process(pr.second);
          push_ancestry(*result, *v);
          result->pairs.emplace_back(k, v);
        }
        break;
      }
      case NT::Unary: {
        result = std::make_shared<Node>(*expr);
        result->expression = process(expr->expression);
        if (result->expression->type == NT::Number) {
          result = result->expression;
          result->num = -result->num;
          result->literal = Value::number(result->num);
        } else {
          push_ancestry(*result, *result->expression);
        }
        break;
      }
      case NT::Function:
      case NT::Partial: {
        result = std::make_shared<Node>(*expr);
        result->arguments.clear();
        for (auto& a : expr->arguments) {
          P v = process(a);
          push_ancestry(*result, *v);
          result->arguments.push_back(v);
        }
        result->procedure = process(expr->procedure);
        break;
      }
      case NT::Lambda: {
        result = std::make_shared<Node>(*expr);
        result->body = tail_call(process(expr->body));
        break;
      }
      case NT::Condition: {
        result = std::make_shared<Node>(*expr);
        result->condition = process(expr->condition);
        push_ancestry(*result, *result->condition);
        result->then = process(expr->then);
        push_ancestry(*result, *result->then);
        if (expr->otherwise) {
          result->otherwise = process(expr->otherwise);
          push_ancestry(*result, *result->otherwise);
        }
        break;
      }
      case NT::Transform: {
        result = std::make_shared<Node>(*expr);
        result->pattern = process(expr->pattern);
        result->update = process(expr->update);
        if (expr->del) result->del = process(expr->del);
        break;
      }
      case NT::Block: {
        result = std::make_shared<Node>(*expr);
        result->expressions.clear();
        for (auto& item : expr->expressions) {
          P part = process(item);
          push_ancestry(*result, *part);
          if (part->consarray || (part->type == NT::Path && part->steps[0]->consarray)) result->consarray = true;
          result->expressions.push_back(part);
        }
        break;
      }
      case NT::Name: {
        result = to_path(expr);
        if (expr->keep_array) result->keep_singleton_array = true;
        break;
      }
      case NT::Parent: {
        result = std::make_shared<Node>(*expr);
        result->slot = std::make_shared<Slot>();
        result->slot->label = "!" + std::to_string(ancestor_label_++);
        result->slot->level = 1;
        result->slot->index = ancestor_index_++;
        ancestry_.push_back(result);
        break;
      }
      case NT::Placeholder:
        result = expr;
        break;
      case NT::Regex: {
        result = expr;
        compile_regex(*result);
        break;
      }
      default:
        result = expr;
        break;
    }
    if (expr->keep_array) result->keep_array = true;
    return result;
  }
};

}  // namespace

P detail::parse_expression(std::string_view text) { return Parser(text).parse(); }

namespace {

/// Depth-first search for an input reference; `top`: the node is evaluated against the
/// expression's own input (not a path step's, a predicate's or a function body's context).
std::optional<std::string> input_reference(const Node& n, bool top) {
  const auto at = [&n](const std::string& what) { return what + " at character " + std::to_string(n.position); };
  if (n.type == NT::Variable && n.value == "$") return at("'$$'");
  if (top) {
    switch (n.type) {
      case NT::Variable:
        if (n.value.empty()) return at("'$'");
        break;
      case NT::Name:
        return at("the field name '" + n.value + "'");
      case NT::Wildcard:
        return at("the wildcard '*'");
      case NT::Descendant:
        return at("the descendant wildcard '**'");
      case NT::Parent:
        return at("the parent operator '%'");
      default:
        break;
    }
  }
  std::optional<std::string> found;
  const auto visit = [&found](const std::shared_ptr<Node>& child, bool child_top) {
    if (!found && child) found = input_reference(*child, child_top);
  };
  // The first step of a path sees the input; later steps see the previous step's results.
  for (std::size_t i = 0; i < n.steps.size(); ++i) visit(n.steps[i], top && i == 0);
  for (const auto& stage : n.stages) visit(stage.expr, false);
  for (const auto& stage : n.predicate) visit(stage.expr, false);
  for (const auto& [key, value] : n.group) {
    visit(key, false);
    visit(value, false);
  }
  for (const auto& term : n.terms) visit(term.expr, false);
  visit(n.lhs, top);
  visit(n.rhs, top);
  visit(n.expression, top);
  for (const auto& e : n.expressions) visit(e, top);
  for (const auto& [key, value] : n.pairs) {
    visit(key, top);
    visit(value, top);
  }
  visit(n.condition, top);
  visit(n.then, top);
  visit(n.otherwise, top);
  if (n.type != NT::Lambda) {  // a lambda's "procedure" is the keyword, its arguments its parameters
    visit(n.procedure, top);
    for (const auto& a : n.arguments) visit(a, top);
  }
  // A function body and a transform's pattern/update run on the context they are given later.
  visit(n.body, false);
  visit(n.pattern, false);
  visit(n.update, false);
  visit(n.del, false);
  return found;
}

}  // namespace

namespace {

/// Call `f` with every child node of `n`.
template <class F>
void for_each_child(const Node& n, F&& f) {
  const auto visit = [&f](const std::shared_ptr<Node>& child) {
    if (child) f(*child);
  };
  for (const auto& s : n.steps) visit(s);
  for (const auto& stage : n.stages) visit(stage.expr);
  for (const auto& stage : n.predicate) visit(stage.expr);
  for (const auto& [key, value] : n.group) visit(key), visit(value);
  for (const auto& term : n.terms) visit(term.expr);
  visit(n.lhs);
  visit(n.rhs);
  visit(n.expression);
  for (const auto& e : n.expressions) visit(e);
  for (const auto& [key, value] : n.pairs) visit(key), visit(value);
  visit(n.condition);
  visit(n.then);
  visit(n.otherwise);
  visit(n.procedure);
  for (const auto& a : n.arguments) visit(a);
  visit(n.body);
  visit(n.pattern);
  visit(n.update);
  visit(n.del);
}

void collect_variables(const Node& n, std::set<std::string>& out) {
  if (n.type == NT::Variable) out.insert(n.value);
  for_each_child(n, [&out](const Node& c) { collect_variables(c, out); });
}

/// Add to `members` what `n` reads of `$name.path…`; false once it may read more than members.
bool collect_members(const Node& n, const std::string& name, const std::vector<std::string>& path,
                     std::set<std::string>& members) {
  if (n.type == NT::Parent || n.focus == name || n.index == name) return false;
  if (n.type == NT::Variable && n.value == name) return false;  // read whole (not a path head: see below)
  if (n.type == NT::Path && !n.steps.empty() && n.steps[0]->type == NT::Variable && n.steps[0]->value == name) {
    const Node& head = *n.steps[0];
    if (!head.stages.empty() || !head.predicate.empty() || !head.focus.empty() || !head.index.empty() ||
        head.keep_array) {
      return false;
    }
    // Follow the path's field names along `path`: a path that leaves it reads nothing of it; one
    // that stops on it (or filters it) reads it whole; one that goes on names the member it reads.
    std::size_t i = 1;
    bool leaves = false;
    for (; i <= path.size(); ++i) {
      if (i >= n.steps.size() || n.steps[i]->type != NT::Name) return false;
      if (n.steps[i]->value != path[i - 1]) {
        leaves = true;
        break;
      }
      // A predicate on the way reads the value it filters (its field names are relative to it);
      // a focus or index binding (`@$v`, `#$i`) hands it to a variable that may read any of it.
      if (!n.steps[i]->stages.empty() || !n.steps[i]->predicate.empty() || !n.steps[i]->group.empty() ||
          !n.steps[i]->focus.empty() || !n.steps[i]->index.empty()) {
        return false;
      }
    }
    if (!leaves) {
      if (i >= n.steps.size() || n.steps[i]->type != NT::Name) return false;
      members.insert(n.steps[i]->value);
    }
    bool within = true;
    for_each_child(n, [&](const Node& c) {
      if (within && &c != &head) within = collect_members(c, name, path, members);
    });
    return within;
  }
  bool within = true;
  for_each_child(n, [&](const Node& c) {
    if (within) within = collect_members(c, name, path, members);
  });
  return within;
}

}  // namespace

std::optional<std::string> Expression::top_level_input_reference() const { return input_reference(*root_, true); }

std::vector<std::string> Expression::variables() const {
  std::set<std::string> names;
  collect_variables(*root_, names);
  return {names.begin(), names.end()};
}

std::optional<std::vector<std::string>> Expression::variable_members(const std::string& name,
                                                                     const std::vector<std::string>& path) const {
  std::set<std::string> members;
  if (!collect_members(*root_, name, path, members)) return std::nullopt;
  return std::vector<std::string>(members.begin(), members.end());
}

}  // namespace cosmicai::jsonata
