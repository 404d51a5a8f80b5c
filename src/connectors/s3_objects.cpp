#include "connectors/s3_objects.hpp"

#include <fnmatch.h>
#include <stdlib.h>

#include <cstdlib>
#include <set>

#include "common/fault.hpp"
#include "connectors/file_connectors.hpp"
#include "connectors/object_parts.hpp"
#include "connectors/sql_support.hpp"
#include "scan/line_scanner.hpp"
#include "scan/token_matcher.hpp"
#include "sinks/s3_client.hpp"

namespace maestro {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view k_staging_suffix = ".maestro-new";

// A folder of this process's own, removed with everything in it when the shelf closes.
class PrivateFolder {
 public:
  PrivateFolder() {
    std::string pattern = (fs::temp_directory_path() / "maestro-objects-XXXXXX").string();
    if (::mkdtemp(pattern.data())) m_path = pattern;
  }
  ~PrivateFolder() {
    std::error_code ec;
    if (!m_path.empty()) fs::remove_all(m_path, ec);
  }
  PrivateFolder(const PrivateFolder&) = delete;
  PrivateFolder& operator=(const PrivateFolder&) = delete;
  const fs::path& path() const { return m_path; }

 private:
  fs::path m_path;
};

// A bucket that refuses the keys, or is not there, cannot be searched: to locate that is the
// same as a service that does not answer (the store is reported, the others are searched).
Unexpected<Error> not_searchable(const Error& error) {
  return fail(ErrorCode::unavailable, error.message);
}

// The literal start of a glob: what ListObjectsV2 can filter by before fnmatch decides.
std::string literal_prefix(const std::string& glob) {
  return glob.substr(0, glob.find_first_of("*?[\\"));
}

// Whether a downloaded object has a line that holds one of the tokens (or one of the bytes).
Result<bool> holds_any(const fs::path& file, const TokenMatcher& tokens, const std::string& always_bytes) {
  bool found = false;
  LineScanOptions options{.threads = 1, .always_bytes = always_bytes};
  Status scanned = scan_matching_lines(file, tokens, options, [&](std::string_view, std::size_t) -> Status {
    found = true;
    return fail(ErrorCode::already_exists, "found");  // one line is enough: stop reading
  });
  if (!scanned && !found) return propagate(scanned.error());
  return found;
}

class ObjectShelf final : public FileShelf {
 public:
  ObjectShelf(S3Config config, const StoreSpec& store, std::size_t threads, std::size_t objects_per_job)
      : m_client(std::move(config), store.settings.at("bucket")),
        m_store(store),
        m_prefix(store.settings.count("prefix") ? store.settings.at("prefix") : ""),
        m_threads(threads),
        m_objects_per_job(objects_per_job),
        m_splitter(object_part_splitter()) {}

  Result<std::vector<Item>> narrow(const Collection& collection, std::vector<Item> all,
                                   const std::vector<std::string>& tokens, bool by_kind,
                                   const std::string& always_bytes) override {
    if (!m_splitter || m_objects_per_job == 0 || all.size() <= m_objects_per_job || tokens.empty()) return all;
    ObjectQuestion question{m_store, collection.name, tokens, by_kind, always_bytes, {}};
    for (const auto& item : all) question.objects.push_back({item.key, item.size, item.etag});
    auto holding = m_splitter->objects_holding(question, m_objects_per_job);
    if (!holding) return propagate(holding.error());
    if (holding->size() != all.size()) return fail(ErrorCode::internal, "the parts answered for other objects");
    std::vector<Item> kept;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if ((*holding)[i]) kept.push_back(std::move(all[i]));
    }
    return kept;
  }

  // Answers a part's question (search_object_part) with this shelf's client and folder.
  Result<std::vector<bool>> search(const ObjectQuestion& question) {
    TokenMatcher tokens(question.tokens, question.tokens_by_kind ? TokenForms::by_kind : TokenForms::exact);
    std::vector<bool> holding;
    for (const auto& object : question.objects) {
      fs::path local = download_path();
      Status got = m_client.download({object.key, object.size, object.etag}, local, m_threads);
      Result<bool> found = got ? holds_any(local, tokens, question.always_bytes) : Result<bool>(propagate(got.error()));
      std::error_code ec;
      fs::remove(local, ec);
      if (!found) {
        // Replaced or removed since it was listed: the search that asked reads it itself and
        // meets the change there as it would have without parts.
        auto now = m_client.head(object.key);
        if (!now && now.error().code != ErrorCode::not_found) return not_searchable(now.error());
        if (now && now->etag == object.etag) return not_searchable(found.error());
        found = true;
      }
      holding.push_back(*found);
    }
    return holding;
  }

  Status ready() const {
    if (m_folder.path().empty()) return fail(ErrorCode::unavailable, "cannot make a temporary folder for downloads");
    return {};
  }

  Result<std::vector<Item>> items(const Collection& collection) override {
    std::string pattern = m_prefix + collection.source;
    auto objects = m_client.list(literal_prefix(pattern));
    if (!objects) return not_searchable(objects.error());
    std::vector<Item> out;
    for (const auto& object : *objects) {
      if (object.key.ends_with(k_staging_suffix)) {  // an erasure's unfinished rewrite
        m_leftovers.insert(object.key);
        continue;
      }
      if (::fnmatch(pattern.c_str(), object.key.c_str(), FNM_PATHNAME) != 0) continue;
      out.push_back({.name = object.key.substr(m_prefix.size()), .size = object.size, .key = object.key,
                     .etag = object.etag});
    }
    return out;
  }

  Status read(const Item& item, const std::function<Status(const fs::path&)>& use) override {
    fs::path local = download_path();
    Status got = m_client.download({item.key, item.size, item.etag}, local, m_threads);
    Status used = got ? use(local) : Status(not_searchable(got.error()));
    std::error_code ec;
    fs::remove(local, ec);
    return used;
  }

  Result<RewriteCounts> rewrite(const Item& item, const LineTransform& transform) override {
    // Another process may replace the object while this one rewrites it (a second worker's
    // erasure): the original is replaced only if it is still the version that was read, and
    // otherwise read again.
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto current = m_client.head(item.key);
      if (!current) return propagate(current.error());
      fs::path local = download_path();
      auto counts = rewrite_copy(*current, local, transform);
      std::error_code ec;
      fs::remove(local, ec);
      if (!counts) return propagate(counts.error());
      if (counts->has_value()) return **counts;
    }
    return fail(ErrorCode::unavailable, "s3://" + m_client.bucket() + "/" + item.key +
                                            " kept changing while it was rewritten: try again later");
  }

 private:
  // Downloads, rewrites and puts back one version of the object. nullopt: the object changed
  // meanwhile and nothing was replaced.
  Result<std::optional<RewriteCounts>> rewrite_copy(const S3Object& object, const fs::path& local,
                                                    const LineTransform& transform) {
    if (auto got = m_client.download(object, local, m_threads); !got) return propagate(got.error());
    auto counts = rewrite_lines(local, transform);
    if (!counts) return propagate(counts.error());
    std::string staging = object.key + std::string(k_staging_suffix);
    if (counts->dropped + counts->changed == 0) {
      // A run that died after replacing the object left its staging copy: removed now.
      if (m_leftovers.contains(staging)) {
        if (auto removed = m_client.remove(staging); !removed) return propagate(removed.error());
        m_leftovers.erase(staging);
      }
      return std::optional<RewriteCounts>(*counts);
    }
    if (auto put = m_client.upload(local, staging); !put) return propagate(put.error());
    crash_point();  // the new object is written but has not replaced the old one
    auto now = m_client.head(object.key);
    if (!now) return propagate(now.error());
    if (now->etag != object.etag) {
      (void)m_client.remove(staging);
      return std::optional<RewriteCounts>();
    }
    if (auto copied = m_client.copy(staging, object.key); !copied) return propagate(copied.error());
    crash_point();  // replaced; the staging object is left over until the next rewrite
    if (auto removed = m_client.remove(staging); !removed) return propagate(removed.error());
    m_leftovers.erase(staging);
    return std::optional<RewriteCounts>(*counts);
  }

  fs::path download_path() { return m_folder.path() / ("object-" + std::to_string(++m_downloads)); }

  S3Client m_client;
  StoreSpec m_store;
  std::string m_prefix;
  std::size_t m_threads;
  std::size_t m_objects_per_job;
  ObjectPartSplitter* m_splitter;  // the worker's, when opened by one
  PrivateFolder m_folder;
  std::size_t m_downloads = 0;
  std::set<std::string> m_leftovers;  // staging keys seen by items()
};

// The S3 settings: the standard AWS environment, which the store's own settings override.
Result<S3Config> store_s3_config(const StoreSpec& store) {
  auto setting = [&](const char* name) -> std::string {
    auto it = store.settings.find(name);
    return it == store.settings.end() ? "" : it->second;
  };
  // access_key_env / access_key_file (and secret_key_...) name this store's own keys; else
  // the standard AWS environment.
  auto access_key = store_secret(store, "access_key");
  if (!access_key) return propagate(access_key.error());
  auto secret_key = store_secret(store, "secret_key");
  if (!secret_key) return propagate(secret_key.error());
  auto config = s3_config_from_environment();
  if (!config) {
    if (access_key->empty()) return propagate(config.error());
    config = S3Config{};
  }
  if (!access_key->empty()) {
    if (secret_key->empty()) return precondition("an s3 store with access_key_env or _file needs secret_key_env or _file");
    config->access_key = *access_key;
    config->secret_key = *secret_key;
  }
  if (auto endpoint = setting("endpoint"); !endpoint.empty()) {
    while (endpoint.ends_with('/')) endpoint.pop_back();
    config->endpoint = endpoint;
  }
  if (auto region = setting("region"); !region.empty()) config->region = region;
  return config;
}

// A whole-number setting between `low` and `high`, or `fallback` when absent.
Result<std::size_t> number_setting(const StoreSpec& store, const char* name, std::size_t fallback, std::size_t low,
                                   std::size_t high) {
  auto it = store.settings.find(name);
  if (it == store.settings.end()) return fallback;
  char* end = nullptr;
  std::size_t value = std::strtoul(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || value < low || value > high) {
    return invalid(std::string("an s3 store's ") + name + " is " + std::to_string(low) + " to " + std::to_string(high));
  }
  return value;
}

Result<std::unique_ptr<ObjectShelf>> open_shelf(const StoreSpec& store) {
  if (!store.settings.count("bucket")) return invalid("an s3 store needs a 'bucket'");
  auto config = store_s3_config(store);
  if (!config) return propagate(config.error());
  auto downloads = number_setting(store, "download_threads", 4, 1, 64);
  if (!downloads) return propagate(downloads.error());
  auto per_job = number_setting(store, "objects_per_job", 500, 0, 1000000);
  if (!per_job) return propagate(per_job.error());
  auto shelf = std::make_unique<ObjectShelf>(*config, store, *downloads, *per_job);
  if (auto ok = shelf->ready(); !ok) return propagate(ok.error());
  return shelf;
}

}  // namespace

Result<std::vector<bool>> search_object_part(const ObjectQuestion& question) {
  auto shelf = open_shelf(question.store);
  if (!shelf) return propagate(shelf.error());
  return (*shelf)->search(question);
}

Result<std::unique_ptr<Connector>> open_s3_connector(const StoreSpec& store, AccessMode mode) {
  auto shelf = open_shelf(store);
  if (!shelf) return propagate(shelf.error());
  auto format = store.settings.find("format");
  return open_line_connector(format == store.settings.end() ? "" : format->second, store, mode, std::move(*shelf));
}

}  // namespace maestro
