/**
 * Validation of outgoing Discord REST bodies against Discord's OpenAPI 3.1 spec
 * (a copy is kept in vendor/discord-api-spec/, MIT) plus the documented limits that the
 * spec cannot express (content length, embed totals, component counts, ...).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction, ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';

// CJS interop: under NodeNext the default import is the CommonJS module object.
type AddFormats = typeof addFormatsModule.default;
const addFormatsAny = addFormatsModule as unknown as { default?: AddFormats };
const addFormats: AddFormats = addFormatsAny.default ?? (addFormatsModule as unknown as AddFormats);
type AjvCtor = typeof Ajv2020;

export const SPEC_URL = new URL('../../vendor/discord-api-spec/openapi.json', import.meta.url);

type Json = Record<string, unknown>;

interface SpecOperation {
  template: string;
  regex: RegExp;
  literalScore: number;
  method: string;
  op: Json;
}

let spec: Json | undefined;
let ajv: InstanceType<AjvCtor> | undefined;
let operations: SpecOperation[] | undefined;
const validatorCache = new Map<string, ValidateFunction | null>();

/**
 * Where the preview spec disagrees with Discord's documentation, the documentation wins:
 * - `default_member_permissions` is documented as a string bit set (discord.js sends a string);
 *   the spec says integer. Accept a string of digits as well.
 */
function applyDocumentedDeviations(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(applyDocumentedDeviations);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const record = node as Json;
  const properties = record.properties as Json | undefined;
  const dmp = properties?.default_member_permissions as Json | undefined;
  if (dmp && Array.isArray(dmp.type) && dmp.type.includes('integer')) {
    properties!.default_member_permissions = { anyOf: [dmp, { type: 'string', pattern: '^[0-9]+$' }] };
  }
  for (const value of Object.values(record)) applyDocumentedDeviations(value);
}

function loadSpec(): { spec: Json; ajv: InstanceType<AjvCtor>; operations: SpecOperation[] } {
  if (spec && ajv && operations) return { spec, ajv, operations };
  const doc = JSON.parse(readFileSync(fileURLToPath(SPEC_URL), 'utf8')) as Json;
  const a = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger: false });
  addFormats(a);
  a.addFormat('snowflake', /^(0|[1-9][0-9]*)$/);
  a.addFormat('nonce', true);
  a.addFormat('double', true);
  a.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  a.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  applyDocumentedDeviations(doc);
  a.addSchema(doc, 'spec');
  const ops: SpecOperation[] = [];
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  for (const [template, item] of Object.entries(paths)) {
    const parts = template.split('/').filter(Boolean);
    let literalScore = 0;
    const pattern = parts
      .map((p) => {
        if (/^\{[^}]+\}$/.test(p)) return '/([^/]+)';
        literalScore++;
        return '/' + p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('');
    const regex = new RegExp('^' + pattern + '/?$');
    for (const [method, op] of Object.entries(item)) {
      if (method === 'parameters' || typeof op !== 'object' || op === null) continue;
      ops.push({ template, regex, literalScore, method: method.toUpperCase(), op: op as Json });
    }
  }
  // Prefer templates with more literal segments (e.g. messages/@original over messages/{message_id}).
  ops.sort((x, y) => y.literalScore - x.literalScore);
  spec = doc;
  ajv = a;
  operations = ops;
  return { spec: doc, ajv: a, operations: ops };
}

/** Normalise a request path: strip /api/v10 (or /api), query string, decode %40original. */
export function normalizeDiscordPath(path: string): string {
  let p = path.split('?')[0] ?? '';
  p = p.replace(/^\/api(\/v\d+)?/, '');
  p = p
    .split('/')
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join('/');
  if (!p.startsWith('/')) p = '/' + p;
  return p;
}

/** Find the spec operation (template + method) for a concrete request path. */
export function findSpecOperation(method: string, path: string): { template: string; op: Json } | undefined {
  const { operations: ops } = loadSpec();
  const p = normalizeDiscordPath(path);
  const m = method.toUpperCase();
  const hit = ops.find((o) => o.method === m && o.regex.test(p));
  return hit ? { template: hit.template, op: hit.op } : undefined;
}

function rewriteRefs(schema: unknown): unknown {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":\s*"#\//g, '"$ref":"spec#/'));
}

function getValidator(method: string, template: string, op: Json): ValidateFunction | null {
  const key = `${method} ${template}`;
  if (validatorCache.has(key)) return validatorCache.get(key) ?? null;
  const { ajv: a } = loadSpec();
  const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
  let schema: unknown = content['application/json']?.schema;
  if (!schema) {
    const mp = content['multipart/form-data']?.schema as Json | undefined;
    const pj = (mp?.properties as Json | undefined)?.payload_json as Json | undefined;
    schema = pj ?? mp;
  }
  let fn: ValidateFunction | null = null;
  if (schema) {
    fn = a.compile(rewriteRefs(schema) as Json);
  }
  validatorCache.set(key, fn);
  return fn;
}

const branchCache = new Map<string, ValidateFunction[] | null>();

/**
 * For a root `anyOf` union (e.g. the interaction callback), report only the errors of the
 * branch(es) whose discriminator (`type`) matched, instead of every branch's complaints.
 */
function bestBranchErrors(method: string, template: string, op: Json, body: unknown): string[] | undefined {
  const key = `${method} ${template}`;
  let branches = branchCache.get(key);
  if (branches === undefined) {
    const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>;
    const schema = content['application/json']?.schema as Json | undefined;
    const anyOf = schema?.anyOf as unknown[] | undefined;
    branches = Array.isArray(anyOf) ? anyOf.map((b) => loadSpec().ajv.compile(rewriteRefs(b) as Json)) : null;
    branchCache.set(key, branches);
  }
  if (!branches) return undefined;
  const candidates: ErrorObject[][] = [];
  for (const b of branches) {
    if (b(body)) return undefined;
    const errs = b.errors ?? [];
    if (!errs.some((e) => e.instancePath === '/type')) candidates.push(errs);
  }
  if (candidates.length === 0) return undefined;
  candidates.sort((a, b) => a.length - b.length);
  return summarizeErrors(candidates[0]);
}

function formatAjvError(e: ErrorObject): string {
  const where = e.instancePath || '(root)';
  let extra = '';
  if (e.keyword === 'additionalProperties') extra = ` '${String((e.params as Json).additionalProperty)}'`;
  if (e.keyword === 'enum') extra = ` ${JSON.stringify((e.params as Json).allowedValues)}`;
  return `schema: ${where} ${e.message ?? e.keyword}${extra}`;
}

/**
 * anyOf errors are extremely noisy (every branch reports). Keep them all but dedupe,
 * and cap the count so messages stay readable.
 */
function summarizeErrors(errors: ErrorObject[] | null | undefined): string[] {
  if (!errors?.length) return [];
  // Heuristic de-noising of union errors: drop discriminator mismatches, union summaries,
  // "must be null" alternatives, and "required" complaints at paths where a deeper,
  // more specific error exists. Falls back to everything if nothing remains.
  const isNoise = (e: ErrorObject): boolean =>
    e.keyword === 'anyOf' ||
    e.keyword === 'oneOf' ||
    ((e.keyword === 'enum' || e.keyword === 'const') && e.instancePath.endsWith('/type')) ||
    (e.keyword === 'type' && (e.params as Json).type === 'null');
  let kept = errors.filter((e) => !isNoise(e));
  const deeper = (p: string): boolean => kept.some((e) => e.keyword !== 'required' && e.instancePath.startsWith(p + '/'));
  kept = kept.filter((e) => e.keyword !== 'required' || !deeper(e.instancePath));
  if (kept.length === 0) kept = errors;
  const out = [...new Set(kept.map(formatAjvError))];
  return out.length > 25 ? [...out.slice(0, 25), `... ${out.length - 25} more schema errors`] : out;
}

// ---------------------------------------------------------------------------
// Discord limits the spec cannot express
// ---------------------------------------------------------------------------

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function checkEmbeds(embeds: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(embeds)) return;
  if (embeds.length > 10) problems.push(`${where}embeds: ${embeds.length} embeds > 10`);
  let total = 0;
  embeds.forEach((raw, i) => {
    if (!raw || typeof raw !== 'object') return;
    const e = raw as Json;
    const w = `${where}embeds[${i}]`;
    const title = str(e.title);
    const description = str(e.description);
    const footer = str((e.footer as Json | undefined)?.text);
    const author = str((e.author as Json | undefined)?.name);
    if (title.length > 256) problems.push(`${w}.title length ${title.length} > 256`);
    if (description.length > 4096) problems.push(`${w}.description length ${description.length} > 4096`);
    if (footer.length > 2048) problems.push(`${w}.footer.text length ${footer.length} > 2048`);
    if (author.length > 256) problems.push(`${w}.author.name length ${author.length} > 256`);
    total += title.length + description.length + footer.length + author.length;
    const fields = Array.isArray(e.fields) ? (e.fields as Json[]) : [];
    if (fields.length > 25) problems.push(`${w}.fields: ${fields.length} fields > 25`);
    fields.forEach((f, j) => {
      const name = str(f?.name);
      const value = str(f?.value);
      if (name.length > 256) problems.push(`${w}.fields[${j}].name length ${name.length} > 256`);
      if (value.length > 1024) problems.push(`${w}.fields[${j}].value length ${value.length} > 1024`);
      if (f && typeof f === 'object' && (name.length === 0 || value.length === 0))
        problems.push(`${w}.fields[${j}] name and value must be non-empty`);
      total += name.length + value.length;
    });
  });
  if (total > 6000) problems.push(`${where}embeds: total embed text ${total} > 6000`);
}

function checkComponents(components: unknown, where: string, problems: string[]): void {
  if (!Array.isArray(components)) return;
  const rows = components as Json[];
  // Only classic (non components-v2) layouts: top-level action rows.
  const actionRows = rows.filter((r) => r && r.type === 1);
  if (actionRows.length > 5) problems.push(`${where}components: ${actionRows.length} action rows > 5`);
  const visit = (c: Json, w: string): void => {
    if (!c || typeof c !== 'object') return;
    const cid = c.custom_id;
    if (typeof cid === 'string' && cid.length > 100) problems.push(`${w}.custom_id length ${cid.length} > 100`);
    if (c.type === 2) {
      const label = str(c.label);
      if (label.length > 80) problems.push(`${w}.label length ${label.length} > 80`);
    }
    if (c.type === 3 || c.type === 5 || c.type === 6 || c.type === 7 || c.type === 8) {
      const opts = Array.isArray(c.options) ? c.options : [];
      if (opts.length > 25) problems.push(`${w}.options: ${opts.length} select options > 25`);
      (opts as Json[]).forEach((o, k) => {
        if (str(o?.label).length > 100) problems.push(`${w}.options[${k}].label length > 100`);
        if (str(o?.value).length > 100) problems.push(`${w}.options[${k}].value length > 100`);
        if (str(o?.description).length > 100) problems.push(`${w}.options[${k}].description length > 100`);
      });
      if (str(c.placeholder).length > 150) problems.push(`${w}.placeholder length > 150`);
    }
    if (c.type === 1) {
      const kids = Array.isArray(c.components) ? (c.components as Json[]) : [];
      const buttons = kids.filter((k) => k?.type === 2).length;
      if (buttons > 5) problems.push(`${w}: ${buttons} buttons in one action row > 5`);
      if (kids.length > 5) problems.push(`${w}: ${kids.length} components in one action row > 5`);
      const selects = kids.filter((k) => k && [3, 5, 6, 7, 8].includes(k.type as number)).length;
      if (selects > 0 && kids.length > 1) problems.push(`${w}: a select menu must be alone in its action row`);
    }
    if (Array.isArray(c.components)) (c.components as Json[]).forEach((k, i) => visit(k, `${w}.components[${i}]`));
    if (c.accessory && typeof c.accessory === 'object') visit(c.accessory as Json, `${w}.accessory`);
  };
  rows.forEach((r, i) => visit(r, `${where}components[${i}]`));
}

/** Limits for a message-like body ({content, embeds, components, ...}). */
export function checkMessageLimits(body: unknown, where = ''): string[] {
  const problems: string[] = [];
  if (!body || typeof body !== 'object') return problems;
  const b = body as Json;
  if (typeof b.content === 'string' && b.content.length > 2000)
    problems.push(`${where}content length ${b.content.length} > 2000`);
  checkEmbeds(b.embeds, where, problems);
  checkComponents(b.components, where, problems);
  return problems;
}

function checkAutocompleteLimits(data: unknown): string[] {
  const problems: string[] = [];
  const choices = (data as Json | undefined)?.choices;
  if (!Array.isArray(choices)) return problems;
  if (choices.length > 25) problems.push(`data.choices: ${choices.length} choices > 25`);
  (choices as Json[]).forEach((c, i) => {
    const name = str(c?.name);
    if (name.length > 100) problems.push(`data.choices[${i}].name length ${name.length} > 100`);
    if (name.length < 1) problems.push(`data.choices[${i}].name is empty`);
    if (typeof c?.value === 'string' && c.value.length > 100)
      problems.push(`data.choices[${i}].value length ${c.value.length} > 100`);
  });
  return problems;
}

function extraLimits(template: string, body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const b = body as Json;
  if (template === '/interactions/{interaction_id}/{interaction_token}/callback') {
    const type = b.type;
    if (![1, 4, 5, 6, 7, 8, 9, 10, 12, 13].includes(type as number)) return [`unknown interaction callback type ${String(type)}`];
    if (type === 8) return checkAutocompleteLimits(b.data);
    if (type === 4 || type === 7) return checkMessageLimits(b.data, 'data.');
    if (type === 9) {
      const d = b.data as Json | undefined;
      const problems: string[] = [];
      if (str(d?.title).length > 45) problems.push(`data.title length > 45`);
      if (str(d?.custom_id).length > 100) problems.push(`data.custom_id length > 100`);
      return problems;
    }
    return [];
  }
  if (
    template === '/channels/{channel_id}/messages' ||
    template === '/channels/{channel_id}/messages/{message_id}' ||
    template.startsWith('/webhooks/{webhook_id}/{webhook_token}')
  ) {
    return checkMessageLimits(b);
  }
  if (template === '/channels/{channel_id}/messages/{message_id}/threads' || template === '/channels/{channel_id}/threads') {
    const problems: string[] = [];
    if (str(b.name).length > 100) problems.push(`name length ${str(b.name).length} > 100`);
    if (b.message) problems.push(...checkMessageLimits(b.message, 'message.'));
    return problems;
  }
  return [];
}

/**
 * Validate a request the bot sends to Discord. Returns a list of problems (empty = OK).
 * `path` may include /api/v10 prefix and query string; `%40original` is accepted.
 * For multipart requests pass the parsed payload_json as `body`.
 */
export function validateDiscordRequest(method: string, path: string, body: unknown): string[] {
  const found = findSpecOperation(method, path);
  if (!found) return [`no operation in the Discord OpenAPI spec matches ${method.toUpperCase()} ${normalizeDiscordPath(path)}`];
  if (body === undefined || body === null) {
    const required = (found.op.requestBody as Json | undefined)?.required === true;
    return required && body === undefined ? [`request body required for ${method.toUpperCase()} ${found.template}`] : [];
  }
  const problems: string[] = [];
  const validate = getValidator(method.toUpperCase(), found.template, found.op);
  if (validate && !validate(body)) {
    problems.push(...(bestBranchErrors(method.toUpperCase(), found.template, found.op, body) ?? summarizeErrors(validate.errors)));
  }
  problems.push(...extraLimits(found.template, body));
  return problems;
}

/** Minimal structural type so this helper does not import fake-discord (no cycles). */
export interface HasViolations {
  violations: { method: string; path: string; problems: string[] }[];
}

/** Throw a readable error if the fake recorded any spec/limit violations. */
export function expectNoViolations(fake: HasViolations): void {
  if (fake.violations.length === 0) return;
  const lines = fake.violations.map(
    (v) => `  ${v.method} ${v.path}\n${v.problems.map((p) => `      - ${p}`).join('\n')}`,
  );
  throw new Error(`Discord API violations (${fake.violations.length} request(s)):\n${lines.join('\n')}`);
}
