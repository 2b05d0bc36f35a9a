#include "asl/query/literal_or_path.hpp"

namespace cosmicai::asl {

LiteralOrPath LiteralOrPath::parse(const json& obj, const std::string& pointer, const char* key,
                                   const char* path_key, ParseContext& ctx, const LiteralReader& read_literal,
                                   bool intrinsic, bool exclusive) {
  LiteralOrPath f;
  f.path_key_ = path_key;
  const bool has_literal = obj.contains(key);
  const bool has_path = obj.contains(path_key);
  if (exclusive && has_literal && has_path) {
    ctx.error(pointer, std::string(key) + " and " + path_key + " are mutually exclusive");
  }
  if (auto expr = jsonata_field(obj, pointer, key, ctx)) {
    f.kind_ = Kind::kJsonata;
    f.expr_ = std::move(expr);
  } else if (has_literal) {
    if (auto v = read_literal()) {
      f.kind_ = Kind::kLiteral;
      f.literal_ = std::move(*v);
    }
  }
  if (auto text = ctx.get_string(obj, pointer, path_key)) {
    std::string error;
    std::optional<PathExpr> path;
    if (intrinsic) {
      path = PathExpr::compile(*text, error);
      if (!path) ctx.error(pointer + "/" + path_key, error);
    } else if (auto p = JsonPath::compile(*text, error)) {
      path = PathExpr::from_path(std::move(*p));
    } else {
      ctx.error(pointer + "/" + path_key, "invalid JSONPath '" + *text + "': " + error);
    }
    if (path && f.kind_ == Kind::kAbsent) {
      f.kind_ = Kind::kPath;
      f.path_ = std::move(path);
    }
  }
  return f;
}

std::optional<json> LiteralOrPath::path_value(const json& input, const ContextRef& context, const Variables* vars) const {
  return path_->try_evaluate(input, context, vars);
}

json LiteralOrPath::path_query(const json& input, const ContextRef& context, const Variables* vars) const {
  return path_->query(input, context, vars);
}

std::optional<std::int64_t> LiteralOrPath::integer(const EvalEnv& env, const json& path_input, std::int64_t min,
                                                   PathCheck<std::int64_t> check) const {
  switch (kind_) {
    case Kind::kAbsent: return std::nullopt;
    case Kind::kLiteral: return literal_.get<std::int64_t>();
    case Kind::kJsonata: return expr_->evaluate_integer(env, min);
    case Kind::kPath: return check(path_value(path_input, env.context, env.vars), *this, path_input, env);
  }
  return std::nullopt;
}

std::optional<double> LiteralOrPath::number(const EvalEnv& env, const json& path_input, double min, double max,
                                            PathCheck<double> check) const {
  switch (kind_) {
    case Kind::kAbsent: return std::nullopt;
    case Kind::kLiteral: return literal_.get<double>();
    case Kind::kJsonata: return expr_->evaluate_number(env, min, max);
    case Kind::kPath: return check(path_value(path_input, env.context, env.vars), *this, path_input, env);
  }
  return std::nullopt;
}

std::optional<std::string> LiteralOrPath::string(const EvalEnv& env, const json& path_input,
                                                 PathCheck<std::string> check) const {
  switch (kind_) {
    case Kind::kAbsent: return std::nullopt;
    case Kind::kLiteral: return literal_.get<std::string>();
    case Kind::kJsonata: return expr_->evaluate_string(env);
    case Kind::kPath: return check(path_value(path_input, env.context, env.vars), *this, path_input, env);
  }
  return std::nullopt;
}

}  // namespace cosmicai::asl
