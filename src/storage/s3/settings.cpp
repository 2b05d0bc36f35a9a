#include "storage/s3/settings.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace cosmicai::storage::s3 {

namespace {

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// One INI file as AWS tools read it: [section] headers, key = value lines, '#'/';' comments,
// and indented "sub-key = value" lines under a "key =" line with no value (stored as "key.sub").
using Ini = std::map<std::string, std::map<std::string, std::string>>;

std::optional<Ini> read_ini(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  Ini ini;
  std::string line, section, parent;
  while (std::getline(in, line)) {
    const bool indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      section = trim(std::string_view(t).substr(1, t.size() - 2));
      parent.clear();
      ini[section];
      continue;
    }
    const auto eq = t.find('=');
    if (eq == std::string::npos || section.empty()) continue;
    const std::string k = trim(std::string_view(t).substr(0, eq));
    const std::string v = trim(std::string_view(t).substr(eq + 1));
    if (indented && !parent.empty()) {
      ini[section][parent + "." + k] = v;
      continue;
    }
    parent = v.empty() ? k : std::string();
    ini[section][k] = v;
  }
  return ini;
}

std::string home_file(const EnvLookup& env, const char* var, const char* rel) {
  if (auto v = env(var); v && !v->empty()) return *v;
  auto home = env("HOME");
  return (home ? *home : std::string(".")) + "/" + rel;
}

}  // namespace

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Result<std::string> normalize_endpoint(std::string_view url) {
  std::string u = trim(url);
  auto bad = [&](const std::string& why) {
    return make_error(ErrorCode::kInvalidArgument, "S3 endpoint '" + std::string(url) + "': " + why);
  };
  const auto sep = u.find("://");
  if (sep == std::string::npos) return bad("expected http://HOST[:PORT] or https://HOST[:PORT]");
  const std::string scheme = u.substr(0, sep);
  if (scheme != "http" && scheme != "https") return bad("scheme must be http or https, not '" + scheme + "'");
  while (!u.empty() && u.back() == '/') u.pop_back();
  const std::string rest = u.substr(sep + 3);
  if (rest.empty()) return bad("no host");
  if (rest.find_first_of("/?#") != std::string::npos) return bad("a path, query or fragment is not supported");
  return u;
}

Result<S3Settings> settings_from_environment(const EnvLookup& env, std::string_view endpoint_override) {
  S3Settings s;
  auto get = [&](const char* name) -> std::string {
    auto v = env(name);
    return v ? trim(*v) : std::string();
  };
  std::string profile = get("AWS_PROFILE");
  if (profile.empty()) profile = get("AWS_DEFAULT_PROFILE");
  const bool named_profile = !profile.empty();
  if (profile.empty()) profile = "default";

  const std::string cred_path = home_file(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
  const std::string conf_path = home_file(env, "AWS_CONFIG_FILE", ".aws/config");
  const auto cred_ini = read_ini(cred_path);
  const auto conf_ini = read_ini(conf_path);
  const std::map<std::string, std::string> empty;
  const std::map<std::string, std::string>* cred_sec = &empty;
  const std::map<std::string, std::string>* conf_sec = &empty;
  if (cred_ini) {
    if (auto it = cred_ini->find(profile); it != cred_ini->end()) cred_sec = &it->second;
  }
  if (conf_ini) {
    auto it = conf_ini->find(profile == "default" ? "default" : "profile " + profile);
    if (it == conf_ini->end() && profile == "default") it = conf_ini->find("profile default");
    if (it != conf_ini->end()) conf_sec = &it->second;
  }
  if (named_profile && cred_sec == &empty && conf_sec == &empty) {
    return make_error(ErrorCode::kInvalidArgument, "AWS_PROFILE '" + profile + "': no such profile in " + cred_path +
                                                       " or " + conf_path);
  }
  auto lookup = [](const std::map<std::string, std::string>* sec, const char* key) -> std::string {
    auto it = sec->find(key);
    return it == sec->end() ? std::string() : it->second;
  };

  // Credentials: environment, then the credentials file, then the config file.
  if (!get("AWS_ACCESS_KEY_ID").empty()) {
    s.credentials.access_key_id = get("AWS_ACCESS_KEY_ID");
    s.credentials.secret_access_key = get("AWS_SECRET_ACCESS_KEY");
    s.credentials.session_token = get("AWS_SESSION_TOKEN");
    s.credentials_source = "environment (AWS_ACCESS_KEY_ID)";
    if (s.credentials.secret_access_key.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
  } else {
    for (auto [sec, path] : {std::pair{cred_sec, cred_path}, std::pair{conf_sec, conf_path}}) {
      if (lookup(sec, "aws_access_key_id").empty()) continue;
      s.credentials.access_key_id = lookup(sec, "aws_access_key_id");
      s.credentials.secret_access_key = lookup(sec, "aws_secret_access_key");
      s.credentials.session_token = lookup(sec, "aws_session_token");
      s.credentials_source = "profile " + profile + " in " + path;
      if (s.credentials.secret_access_key.empty()) {
        return make_error(ErrorCode::kInvalidArgument, "profile " + profile + " in " + path +
                                                           ": aws_access_key_id without aws_secret_access_key");
      }
      break;
    }
  }
  if (s.credentials.access_key_id.empty()) {
    return make_error(ErrorCode::kPermission,
                      "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with a "
                      "profile in " + cred_path + " or " + conf_path);
  }

  // Region.
  s.region = get("AWS_REGION");
  if (s.region.empty()) s.region = get("AWS_DEFAULT_REGION");
  if (s.region.empty()) s.region = lookup(conf_sec, "region");
  if (s.region.empty()) s.region = "us-east-1";

  // Endpoint.
  std::string endpoint(endpoint_override);
  std::string from = "--s3-endpoint";
  for (auto [var, name] : {std::pair{"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL_S3"},
                           std::pair{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL"}}) {
    if (!endpoint.empty()) break;
    endpoint = get(var);
    from = name;
  }
  if (endpoint.empty()) {
    endpoint = lookup(conf_sec, "s3.endpoint_url");
    if (endpoint.empty()) endpoint = lookup(conf_sec, "endpoint_url");
    from = "endpoint_url of profile " + profile;
  }
  if (!endpoint.empty()) {
    auto e = normalize_endpoint(endpoint);
    if (!e) return make_error(ErrorCode::kInvalidArgument, from + ": " + e.error().message);
    s.endpoint = *e;
  }

  const std::string style = lookup(conf_sec, "s3.addressing_style");
  if (style == "path") s.addressing = Addressing::kPath;
  else if (style == "virtual") s.addressing = Addressing::kVirtual;
  else if (!style.empty() && style != "auto") {
    return make_error(ErrorCode::kInvalidArgument, "profile " + profile + " in " + conf_path +
                                                       ": s3 addressing_style '" + style +
                                                       "' (expected path, virtual or auto)");
  }
  return s;
}

}  // namespace cosmicai::storage::s3
