#include "connectors/object_parts.hpp"

#include <nlohmann/json.hpp>

namespace maestro {

using nlohmann::json;

namespace {

thread_local ObjectPartSplitter* t_splitter = nullptr;

}  // namespace

std::string question_json(const ObjectQuestion& q) {
  json objects = json::array();
  for (const auto& o : q.objects) objects.push_back({{"key", o.key}, {"size", o.size}, {"etag", o.etag}});
  return json{{"store", {{"type", q.store.type}, {"settings", q.store.settings}}},
              {"collection", q.collection},
              {"tokens", q.tokens},
              {"tokens_by_kind", q.tokens_by_kind},
              {"always_bytes", q.always_bytes},
              {"objects", objects}}
      .dump();
}

Result<ObjectQuestion> question_from_json(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid("a scan-objects job's parameters are not a JSON object");
  try {
    ObjectQuestion q;
    q.store.type = j.at("store").at("type").get<std::string>();
    q.store.settings = j.at("store").at("settings").get<std::map<std::string, std::string>>();
    q.collection = j.at("collection").get<std::string>();
    q.tokens = j.at("tokens").get<std::vector<std::string>>();
    q.tokens_by_kind = j.at("tokens_by_kind").get<bool>();
    q.always_bytes = j.at("always_bytes").get<std::string>();
    for (const auto& o : j.at("objects")) {
      q.objects.push_back(
          {o.at("key").get<std::string>(), o.at("size").get<std::uint64_t>(), o.at("etag").get<std::string>()});
    }
    if (q.store.type != "s3") return invalid("a scan-objects job searches an s3 store, not '" + q.store.type + "'");
    return q;
  } catch (const json::exception&) {
    return invalid("a scan-objects job's parameters lack the store, collection, tokens or objects");
  }
}

ObjectPartSplitter* object_part_splitter() {
  return t_splitter;
}

ObjectPartScope::ObjectPartScope(ObjectPartSplitter* splitter) : m_previous(t_splitter) {
  t_splitter = splitter;
}

ObjectPartScope::~ObjectPartScope() {
  t_splitter = m_previous;
}

}  // namespace maestro
