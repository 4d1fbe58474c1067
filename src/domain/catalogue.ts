import type { Content } from '../content/loader.js';
import { LEVELS } from '../content/schema.js';
import { urlKey } from './urls.js';

/**
 * The resource catalogue as members search it: one entry shape for catalogue resources
 * (content/resources) and the server's own, and the pure rules for listing, filtering and finding
 * them. The database layer (db/queries/resources.ts) reads the rows and hands them in.
 */

export type Level = (typeof LEVELS)[number];

/**
 * One resource as every view sees it: from the catalogue (content/resources, trusted text) or
 * added in this server (Postgres, member text). `ref` is `c:<catalogue id>` or `g:<row id>`.
 */
export interface ResourceEntry {
  ref: string;
  source: 'catalogue' | 'server';
  title: string;
  url: string;
  key: string;
  kind: string;
  /** Null for a server resource when whoever added or suggested it did not say. */
  level: Level | null;
  free: boolean | null;
  topics: string[];
  steps: string[];
  /** Catalogue description (trusted). */
  description: string | null;
  /** Note a member or moderator wrote (escape before showing). */
  note: string | null;
  addedBy: string | null;
  addedAt: Date | null;
}

export interface ResourceFilters {
  /** A known topic, or words to look for. */
  topic?: string | null;
  stepId?: string | null;
  kind?: string | null;
}

/** What a server resource brings to its entry (a guild_resources row has these fields). */
export interface ServerResource {
  id: number;
  title: string;
  url: string;
  kind: string;
  level: Level | null;
  free: boolean | null;
  stepId: string | null;
  note: string | null;
  suggestedBy: string;
  createdAt: Date;
}

export function catalogueEntries(content: Content): ResourceEntry[] {
  // A resource belongs to a step when it names the step, or the step lists it.
  const listedBy = new Map<string, string[]>();
  for (const { step } of content.steps.values()) for (const id of step.resources) listedBy.set(id, [...(listedBy.get(id) ?? []), step.id]);
  return [...content.resources.values()].map((r) => ({
    ref: `c:${r.id}`,
    source: 'catalogue',
    title: r.title,
    url: r.url,
    key: urlKey(r.url) ?? r.url,
    kind: r.kind,
    level: r.level,
    free: r.free,
    topics: r.topics,
    steps: [...new Set([...r.steps, ...(listedBy.get(r.id) ?? [])])],
    description: r.description,
    note: null,
    addedBy: null,
    addedAt: null,
  }));
}

/** A server resource borrows the topics of the catalogue resources of its step, so topic search finds it. */
export function serverEntry(content: Content, row: ServerResource): ResourceEntry {
  const step = row.stepId ? content.steps.get(row.stepId) : undefined;
  const topics = new Set<string>();
  for (const id of step?.step.resources ?? []) for (const t of content.resources.get(id)?.topics ?? []) topics.add(t);
  return {
    ref: `g:${row.id}`,
    source: 'server',
    title: row.title,
    url: row.url,
    key: urlKey(row.url) ?? row.url,
    kind: row.kind,
    level: row.level,
    free: row.free,
    topics: [...topics],
    steps: row.stepId ? [row.stepId] : [],
    description: null,
    note: row.note,
    addedBy: row.suggestedBy,
    addedAt: row.createdAt,
  };
}

/** Server resources first (in the order given: newest first), then the catalogue by level and title. */
export function listResources(content: Content, serverRows: readonly ServerResource[]): ResourceEntry[] {
  const server = serverRows.map((row) => serverEntry(content, row));
  const levelRank = (l: Level | null) => (l === null ? LEVELS.length : LEVELS.indexOf(l));
  const catalogue = catalogueEntries(content).sort((a, b) => levelRank(a.level) - levelRank(b.level) || a.title.localeCompare(b.title));
  return [...server, ...catalogue];
}

/** All topics that resources carry, most used first. */
export function topicCounts(entries: readonly ResourceEntry[]): { topic: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const e of entries) for (const t of e.topics) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([topic, n]) => ({ topic, count: n })).sort((a, b) => b.count - a.count || a.topic.localeCompare(b.topic));
}

/** Topic text as it travels in options and custom ids: lower-case words, nothing that breaks an id. */
export function cleanTopic(topic: string): string {
  return topic
    .toLowerCase()
    .replace(/[^\p{L}\p{N}+#.\- ]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The entries that match: a known topic exactly, else every word somewhere in the entry's text. */
export function filterResources(content: Content, entries: readonly ResourceEntry[], filters: ResourceFilters): ResourceEntry[] {
  const topic = filters.topic ? cleanTopic(filters.topic) : '';
  const known = new Set(entries.flatMap((e) => e.topics));
  const slug = topic.replace(/ /g, '-');
  const words = topic.split(' ').filter(Boolean);
  return entries.filter((e) => {
    if (filters.kind && e.kind !== filters.kind) return false;
    if (filters.stepId && !e.steps.includes(filters.stepId)) return false;
    if (!topic) return true;
    if (known.has(slug)) return e.topics.includes(slug);
    const stepTitles = e.steps.map((id) => content.steps.get(id)?.step.title ?? '');
    const hay = [e.title, e.description ?? '', e.note ?? '', e.kind, ...e.topics, ...stepTitles].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Finds a resource by ref (`c:`/`g:` from autocomplete), link, catalogue id or exact title. */
export function findEntry(entries: readonly ResourceEntry[], input: string): ResourceEntry | undefined {
  const value = input.trim();
  const byRef = entries.find((e) => e.ref === value || e.ref === `c:${value}`);
  if (byRef) return byRef;
  const key = urlKey(value);
  if (key) return entries.find((e) => e.key === key);
  const lower = value.toLowerCase();
  return entries.find((e) => e.title.toLowerCase() === lower);
}
