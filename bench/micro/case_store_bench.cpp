// The case store under load, on either engine: how long a worker's claim takes with 100,000
// jobs queued, and how long the queue's page and counts take with 100,000 cases. Prints one JSON
// object; bench/case_store runs it against SQLite and a PostgreSQL server.
//
//   maestro_storebench --engine sqlite --path /tmp/bench.db [--jobs N] [--cases N] [--samples N]
//   maestro_storebench --engine postgres --url postgresql://postgres@127.0.0.1:PORT/bench ...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "crypto/keyring.hpp"
#include "store/postgres_case_store.hpp"
#include "store/sqlite_case_store.hpp"

namespace {

using namespace maestro;
using Timer = std::chrono::steady_clock;

struct Options {
  std::string engine, path, url;
  int jobs = 100000, cases = 100000, samples = 1000;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string key = argv[i], value = argv[i + 1];
    if (key == "--engine") o.engine = value;
    else if (key == "--path") o.path = value;
    else if (key == "--url") o.url = value;
    else if (key == "--jobs") o.jobs = std::stoi(value);
    else if (key == "--cases") o.cases = std::stoi(value);
    else if (key == "--samples") o.samples = std::stoi(value);
  }
  return o;
}

template <typename T>
T must(Result<T> r, const char* what) {
  if (!r) {
    std::cerr << what << ": " << r.error().message << "\n";
    std::exit(1);
  }
  return std::move(*r);
}
void must(const Status& s, const char* what) {
  if (!s) {
    std::cerr << what << ": " << s.error().message << "\n";
    std::exit(1);
  }
}

// Milliseconds at the 50th and 99th percentile.
nlohmann::json percentiles(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ms.size())))]; };
  return {{"p50_ms", at(0.50)}, {"p99_ms", at(0.99)}, {"samples", ms.size()}};
}

double since(Timer::time_point start) {
  return std::chrono::duration<double, std::milli>(Timer::now() - start).count();
}

void fill_jobs(CaseStore& store, const KeyRing& keys, int n, Instant now) {
  const std::string parameters = keys.seal("{}");
  for (int done = 0; done < n;) {
    must(store.transaction([&]() -> Status {
      for (int i = 0; i < 5000 && done < n; ++i, ++done) {
        JobRecord j;
        j.kind = "export";
        j.state = "queued";
        j.created_by = "bench";
        j.created_at = now;
        j.not_before = now + std::chrono::seconds{done % 3600};  // spread over an hour, all due
        j.sealed_parameters = parameters;
        if (auto id = store.add_job(j); !id) return propagate(id.error());
      }
      return {};
    }), "queue jobs");
  }
}

void fill_cases(CaseStore& store, const KeyRing& keys, int n, Instant now) {
  for (int done = 0; done < n;) {
    must(store.transaction([&]() -> Status {
      for (int i = 0; i < 2000 && done < n; ++i, ++done) {
        Case c;
        c.number = "DSAR-2026-" + std::to_string(100000 + done);
        c.received_at = now;
        c.jurisdiction = done % 3 ? "gdpr" : "ccpa";
        c.rights = {done % 2 ? Right::access : Right::erasure};
        c.subject_name = "Person " + std::to_string(done);
        if (auto ok = store.save_case(c, {keys.pseudonym("email:p" + std::to_string(done) + "@example.com")}); !ok)
          return ok;
        QueueFacts facts;
        facts.legal_due = date_of(now + std::chrono::hours{24 * (done % 60)});
        facts.assignee = done % 5 ? "" : "ann";
        if (auto ok = store.set_queue_facts(c.number, facts); !ok) return ok;
      }
      return {};
    }), "save cases");
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  SecretKeyRing keys(std::string(32, 'b'));
  std::unique_ptr<CaseStore> store;
  if (o.engine == "sqlite") {
    std::filesystem::remove(o.path);
    store = must(open_sqlite_case_store(o.path, keys, true), "open");
  } else if (o.engine == "postgres") {
    store = must(open_postgres_case_store({o.url, ""}, keys, PostgresOpen::migrate), "open");
  } else {
    std::cerr << "--engine sqlite|postgres\n";
    return 2;
  }
  const Instant now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  nlohmann::json out{{"engine", o.engine}, {"jobs", o.jobs}, {"cases", o.cases}};

  auto start = Timer::now();
  fill_jobs(*store, keys, o.jobs, now);
  out["queue_jobs_s"] = since(start) / 1000;
  // A worker's round: claim the next job, then finish it (as a short job would).
  std::vector<double> claims, finishes;
  const Instant later = now + std::chrono::hours{2};
  for (int i = 0; i < o.samples; ++i) {
    auto t = Timer::now();
    auto job = must(store->claim_job("bench-worker", later, later + std::chrono::minutes{5}), "claim");
    claims.push_back(since(t));
    if (!job) break;
    job->state = "succeeded";
    job->finished_at = later;
    t = Timer::now();
    must(store->finish_job(*job, "bench-worker"), "finish");
    finishes.push_back(since(t));
  }
  out["claim"] = percentiles(claims);
  out["finish"] = percentiles(finishes);

  start = Timer::now();
  fill_cases(*store, keys, o.cases, now);
  out["save_cases_s"] = since(start) / 1000;
  std::vector<double> first_page, deep_page, assigned, counts;
  for (int i = 0; i < std::min(o.samples, 200); ++i) {
    CasePageQuery q;
    auto t = Timer::now();
    must(store->queue_page(q), "page");
    first_page.push_back(since(t));
    q.after = "DSAR-2026-" + std::to_string(100000 + (i * 397) % o.cases);
    t = Timer::now();
    must(store->queue_page(q), "page after");
    deep_page.push_back(since(t));
    CasePageQuery mine;
    mine.assignee = "ann";
    t = Timer::now();
    must(store->queue_page(mine), "assignee page");
    assigned.push_back(since(t));
    t = Timer::now();
    must(store->queue_counts(date_of(now), date_of(now + std::chrono::hours{24 * 7})), "counts");
    counts.push_back(since(t));
  }
  out["queue_first_page"] = percentiles(first_page);
  out["queue_page_after_cursor"] = percentiles(deep_page);
  out["queue_page_by_assignee"] = percentiles(assigned);
  out["queue_counts"] = percentiles(counts);
  std::cout << out.dump() << "\n";
  return 0;
}
