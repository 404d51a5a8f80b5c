// Reading a database's catalogue and a sample of its rows, for discovery: one source per engine
// (SQLite, PostgreSQL, MariaDB/MySQL), each read-only, in one read transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace maestro {

struct CatalogueColumn {
  std::string name, type;
  bool primary_key = false;
};

struct CatalogueForeignKey {
  std::string column, table, to;  // to: the referenced column ("" for the table's key)
};

using SampledRow = std::vector<std::optional<std::string>>;

class CatalogueSource {
 public:
  virtual ~CatalogueSource() = default;
  virtual std::string type() const = 0;      // sqlite, postgres, mysql
  virtual Result<std::vector<std::string>> tables() = 0;  // "schema.table" outside PostgreSQL's public
  virtual Result<std::vector<CatalogueColumn>> columns(const std::string& table) = 0;
  virtual Result<std::vector<CatalogueForeignKey>> foreign_keys(const std::string& table) = 0;
  // The row count, or the engine's estimate where counting would read the whole table.
  virtual Result<std::int64_t> rows(const std::string& table) = 0;
  // Up to `limit` rows of these columns, every value as text (nullopt for NULL).
  virtual Status sample(const std::string& table, const std::vector<CatalogueColumn>& columns, std::size_t limit,
                        const std::function<void(const SampledRow&)>& visit) = 0;
};

// sqlite:PATH or a path; postgresql://USER[:PASSWORD]@HOST:PORT/DB; mysql://USER[:PASSWORD]@HOST:PORT/DB
// (mariadb:// too). The password: `password`, else the URL's, else $MAESTRO_DISCOVER_PASSWORD.
Result<std::unique_ptr<CatalogueSource>> open_catalogue(const std::string& store, int budget_seconds,
                                                        const std::string& password = "");

}  // namespace maestro
