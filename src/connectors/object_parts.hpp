// Splitting the search of a large prefix of objects into parts that several workers search at
// once (ARCHITECTURE.md section 4). A search of an s3 collection with more objects than the
// store's `objects_per_job` first asks which objects may hold what it looks for: a worker hands
// the question out as `scan-objects` jobs, one per part, that any worker on any machine may
// claim, and the search then reads only the objects a part found something in. The question is
// about raw tokens (a superset of what the connector will match), so narrowing never hides a
// record.
//
// The worker running a job sets an ObjectPartSplitter for its thread; a connector opened on that
// thread keeps it. Outside a worker (a command run in a terminal) there is none, and the process
// reads every object itself.
//
//   ObjectPartScope scope(&splitter);   // the worker, around its handler
//   ... open_connector(...)             // an s3 store opened now hands its large searches out
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "datamap/datamap.hpp"

namespace maestro {

// One object as listed: a part names the version it searches by its ETag.
struct ObjectRef {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;
};

// Which of `objects` hold a line with one of `tokens` (or a line whose raw form holds one of
// `always_bytes`, which the connector parses before it can tell).
struct ObjectQuestion {
  StoreSpec store;  // with its tenant applied
  std::string collection;
  std::vector<std::string> tokens;  // personal data: the parameters that carry them are sealed
  bool tokens_by_kind = false;      // a text log matches an email in any case, a phone by its digits
  std::string always_bytes;
  std::vector<ObjectRef> objects;
};

std::string question_json(const ObjectQuestion& question);
Result<ObjectQuestion> question_from_json(const std::string& text);

class ObjectPartSplitter {
 public:
  virtual ~ObjectPartSplitter() = default;
  // One answer per object of the question: true where it may hold a token. Parts of
  // `objects_per_part` objects each are searched by whichever workers claim them first.
  virtual Result<std::vector<bool>> objects_holding(const ObjectQuestion& question, std::size_t objects_per_part) = 0;
};

// The splitter of the calling thread, or null.
ObjectPartSplitter* object_part_splitter();

// Sets the calling thread's splitter for its lifetime (restoring the one before).
class ObjectPartScope {
 public:
  explicit ObjectPartScope(ObjectPartSplitter* splitter);
  ~ObjectPartScope();
  ObjectPartScope(const ObjectPartScope&) = delete;
  ObjectPartScope& operator=(const ObjectPartScope&) = delete;

 private:
  ObjectPartSplitter* m_previous;
};

// Answers one part's question by reading its objects (the `scan-objects` job). An object that
// changed since it was listed is answered for its new version.
Result<std::vector<bool>> search_object_part(const ObjectQuestion& question);

}  // namespace maestro
