// Checks Maestro's OpenAPI document with an independent validator (@apidevtools/swagger-parser),
// then checks recorded API answers against it (ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses):
// each answer's status must be documented for its path and method, and its body must match the
// schema of that status and content type.
//
//   node tests/api/validate.mjs data/web/openapi.json [answers.jsonl]
//
// answers.jsonl: one {"method", "path", "status", "content_type", "body"} per line.
import { createRequire } from "node:module";
import { readFileSync, existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../servers/node/package.json"));
const SwaggerParser = require("@apidevtools/swagger-parser");
const Ajv2020 = require("ajv/dist/2020").default;
const addFormats = require("ajv-formats").default;

const [documentPath, answersPath] = process.argv.slice(2);
const document = JSON.parse(readFileSync(documentPath, "utf8"));
await SwaggerParser.validate(structuredClone(document));  // throws on an invalid document
const api = await SwaggerParser.dereference(structuredClone(document));

if (!answersPath || !existsSync(answersPath)) {
  console.log("the OpenAPI document is valid");
  process.exit(0);
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const base = (api.servers?.[0]?.url ?? "").replace(/\/$/, "");
const routes = Object.keys(api.paths).map((template) => ({
  template,
  pattern: new RegExp("^" + template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+") + "$"),
}));

const validateProblem = ajv.compile(api.components.schemas.Problem);
let failures = 0;
let checked = 0;
const lines = readFileSync(answersPath, "utf8").split("\n").filter(Boolean);
for (const line of lines) {
  const answer = JSON.parse(line);
  const where = `${answer.method} ${answer.path} -> ${answer.status}`;
  const local = answer.path.split("?")[0].replace(base, "");
  const route = routes.find((r) => r.pattern.test(local));
  const operation = route && api.paths[route.template][answer.method.toLowerCase()];
  if (!operation) {
    // A path or method the API does not have must be answered 404 or 405 as a problem.
    const ok = (answer.status === 404 && !route) || answer.status === 405;
    const isProblem = (answer.content_type || "").startsWith("application/problem+json") &&
        validateProblem(JSON.parse(answer.body || "null"));
    if (!ok || !isProblem) { console.error(`undocumented call not answered as a 404/405 problem: ${where}`); failures++; }
    checked++;
    continue;
  }
  const response = operation.responses[String(answer.status)];
  if (!response) { console.error(`undocumented status: ${where}`); failures++; continue; }
  const type = (answer.content_type || "").split(";")[0].trim();
  const media = response.content?.[type];
  if (!media) { console.error(`undocumented content type ${type}: ${where}`); failures++; continue; }
  let body;
  try { body = JSON.parse(answer.body); } catch { console.error(`not JSON: ${where}`); failures++; continue; }
  const validate = ajv.compile(media.schema);
  if (!validate(body)) {
    console.error(`does not match the schema: ${where}\n  ${ajv.errorsText(validate.errors)}`);
    failures++;
  }
  checked++;
}
console.log(`${checked} answer(s) checked against the OpenAPI document, ${failures} problem(s)`);
process.exit(failures ? 1 : 0);
