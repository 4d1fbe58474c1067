import { allSteps, formatProblem, parseContentFile, type Content, type ContentFile, type ContentProblem, type Folder, type LoadResult } from '../content/loader.js';
import type { ContentStore } from '../content/store.js';
import type { Context } from '../context.js';
import { putServerContentFile, serverContent, type ContentChange } from '../db/queries/server-content.js';
import { nonPublicHostReason, parseResourceUrl } from '../domain/urls.js';
import { UserError } from '../errors.js';
import { isSeq, parseDocument, stringify } from 'yaml';
import { resourceLines } from './views/progress.js';

/**
 * The rules of a server's own content beyond those of content:check (docs/server-content.md): its
 * limits, links as for /resource suggest, and texts that fit Discord where they are posted. Checked
 * when a file is uploaded, removed or a prompt added, never later.
 */

/** The most one file may hold. */
export const MAX_FILE_BYTES = 256 * 1024;
/** The most files a server may have. */
export const MAX_SERVER_FILES = 50;
/** The most entries a server's files may hold together: each track, branch, step, resource, prompt and challenge counts. */
export const MAX_SERVER_ENTRIES = 2000;

export interface ServerFile {
  /** `<folder>/<file>.yaml` */
  name: string;
  folder: Folder;
  text: string;
}

export type Change = { put: ServerFile } | { remove: string };

export interface CheckedChange {
  files: ServerFile[];
  /** Problems the change brings: every problem of the file it puts, and new problems elsewhere. */
  problems: ContentProblem[];
  result: LoadResult;
}

const asContentFile = (f: ServerFile): ContentFile => ({ folder: f.folder, file: f.name, text: f.text });

/** Checks the server's files after a change; the change may be saved only when it brings no problem. */
export function checkChange(store: ContentStore, current: readonly ServerFile[], change: Change): CheckedChange {
  const name = 'put' in change ? change.put.name : change.remove;
  const files = current.filter((f) => f.name !== name);
  if ('put' in change) files.push(change.put);
  files.sort((a, b) => (a.name < b.name ? -1 : 1));
  const result = store.check(files.map(asContentFile));
  const problems = result.problems.filter((p) => p.file === name);
  const elsewhere = result.problems.filter((p) => p.file !== name);
  if (elsewhere.length > 0) {
    // Problems that were there before the change are not this change's (e.g. after a new built-in release).
    const before = new Set(store.check(current.map(asContentFile)).problems.map(formatProblem));
    problems.push(...elsewhere.filter((p) => !before.has(formatProblem(p))));
  }
  if ('put' in change) {
    problems.push(...limitProblems(files, change.put));
    problems.push(...entryProblems(result, change.put.name));
  }
  return { files, problems, result };
}

/** The server's limits: bytes per file, files, entries. */
function limitProblems(files: readonly ServerFile[], put: ServerFile): ContentProblem[] {
  const problems: ContentProblem[] = [];
  const bytes = Buffer.byteLength(put.text);
  if (bytes > MAX_FILE_BYTES) problems.push({ file: put.name, field: '', message: `is ${Math.ceil(bytes / 1024)} KB; a file can be at most ${MAX_FILE_BYTES / 1024} KB` });
  if (files.length > MAX_SERVER_FILES) problems.push({ file: put.name, field: '', message: `the server would have ${files.length} files; it can have at most ${MAX_SERVER_FILES}` });
  const entries = files.reduce((n, f) => n + countEntries(f), 0);
  if (entries > MAX_SERVER_ENTRIES) problems.push({ file: put.name, field: '', message: `the server's files would hold ${entries} entries; they can hold at most ${MAX_SERVER_ENTRIES}` });
  return problems;
}

/** How many entries a file holds: each track, branch and step; each item of a list. */
export function countEntries(file: ServerFile): number {
  const { data } = parseContentFile(asContentFile(file));
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const record = (value: unknown): Record<string, unknown> => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  if (file.folder !== 'tracks') return list(data).length;
  const track = record(data);
  const branches = list(track.branches);
  return 1 + list(track.steps).length + branches.length + branches.reduce<number>((n, b) => n + list(record(b).steps).length, 0);
}

/** Links as for /resource suggest, and texts that fit where Discord shows them, for the entries of one file. */
function entryProblems(result: LoadResult, file: string): ContentProblem[] {
  const { content } = result;
  const locate: LoadResult['locate'] = (...args) => result.locate(...args);
  const problems: ContentProblem[] = [];
  const at = (kind: Parameters<typeof locate>[0], id: string, field: string, message: string) => {
    const where = locate(kind, id, field);
    if (where?.file === file) problems.push({ ...where, message });
  };
  const link = (kind: 'resource' | 'challenge', id: string, url: string) => {
    const parsed = parseResourceUrl(url);
    const why = parsed.ok ? nonPublicHostReason(url) : parsed.reason;
    if (why) at(kind, id, 'url', why.replace(/ If it is meant for this server.*$/, ''));
  };
  for (const r of content.resources.values()) link('resource', r.id, r.url);
  for (const c of content.challenges) link('challenge', c.id, c.url);
  for (const track of content.tracks) {
    if (locate('track', track.id)?.file !== file) continue;
    for (const branch of track.branches) {
      if (`roadmap:choose:${track.id}:${branch.id}`.length > 100) at('track', track.id, 'id', `with branch "${branch.id}" the ids are too long for a Discord button: shorten the track or branch id (together at most ${100 - 'roadmap:choose::'.length} characters)`);
    }
    for (const step of allSteps(track)) {
      if (`next:done:${step.id}:${track.id}`.length > 100) at('step', step.id, 'id', `with track "${track.id}" the ids are too long for a Discord button: shorten the step or track id (together at most ${100 - 'next:done::'.length} characters)`);
    }
  }
  for (const { step } of content.steps.values()) {
    const checklist = step.checklist.map((item) => `☐ ${item}`).join('\n');
    if (checklist.length > 1024) at('step', step.id, 'checklist', `takes ${checklist.length} characters in the step card; Discord shows at most 1024 in a field: shorten the items`);
    const resources = resourceLines(content, step.resources);
    if (resources.length > 1024) at('step', step.id, 'resources', `the resource lines take ${resources.length} characters in the step card; Discord shows at most 1024 in a field: name fewer resources, or resources with shorter titles and links`);
  }
  for (const prompt of content.prompts) {
    const lines = promptResourceLines(content, prompt.resources);
    if (lines > 1024) at('prompt', prompt.id, 'resources', `the resource lines take ${lines} characters in the prompt post; Discord shows at most 1024 in a field: name fewer resources, or resources with shorter titles and links`);
  }
  return problems;
}

/** The length of a prompt post's Resources field (as promptEmbed writes it). */
function promptResourceLines(content: Content, ids: readonly string[]): number {
  return ids
    .map((id) => content.resources.get(id))
    .filter((r) => r !== undefined)
    .reduce((n, r, i) => n + (i > 0 ? 1 : 0) + `• [${r.title.replaceAll(/[[\]]/g, '').slice(0, 120)}](${r.url})`.length, 0);
}

/** Problems as one private message within Discord's 2000 characters: as many lines as fit, then how many more. */
export function problemsMessage(headline: string, problems: readonly ContentProblem[]): string {
  const lines = problems.map((p) => formatProblem(p).replaceAll('```', "'''"));
  const open = `${headline}\n\`\`\`\n`;
  const close = '```';
  const kept: string[] = [];
  let length = open.length + close.length + 40; // room for "…and N more"
  for (const line of lines) {
    const clipped = line.length > 400 ? `${line.slice(0, 399)}…` : line;
    if (length + clipped.length + 1 > 2000) break;
    kept.push(clipped);
    length += clipped.length + 1;
  }
  const more = lines.length - kept.length;
  return `${open}${kept.join('\n')}\n${close}${more > 0 ? `\n…and ${more} more.` : ''}`;
}

/**
 * The name a server file is kept under, from the attachment's name: `<folder>/<name>.yaml`. The
 * folder is the one asked for, else the name's `<folder>.` prefix (as /content download names files).
 */
export function serverFileName(filename: string, folder: Folder | null): { ok: true; name: string; folder: Folder } | { ok: false; reason: string } {
  const base = filename.trim().toLowerCase();
  const prefix = /^(tracks|resources|prompts|challenges)\.(.+)$/.exec(base);
  const chosen = folder ?? (prefix?.[1] as Folder | undefined);
  if (!chosen) return { ok: false, reason: 'Say which kind of content the file holds with `folder:` (tracks, resources, prompts or challenges), or name it like `prompts.my-prompts.yaml`.' };
  const rest = prefix && prefix[1] === chosen ? prefix[2]! : base;
  if (!/^[a-z0-9][a-z0-9._-]{0,58}\.ya?ml$/.test(rest)) return { ok: false, reason: `“${filename}” is not a name I can keep: use a .yaml name of lower-case letters, digits, dots, hyphens and underscores (at most 64 characters).` };
  return { ok: true, name: `${chosen}/${rest}`, folder: chosen };
}

/** A server or built-in file as an attachment name: `prompts/core-ml.yaml` → `prompts.core-ml.yaml` (upload takes it back). */
export function attachmentName(name: string): string {
  return name.replace(/^content\//, '').replace('/', '.');
}


/** A server's files as the checks take them. */
export async function currentFiles(ctx: Context, guildId: string): Promise<{ revision: number; files: ServerFile[] }> {
  const { revision, files } = await serverContent(ctx.db, guildId);
  return { revision, files: files.map((f) => ({ name: f.name, folder: f.folder, text: f.text })) };
}

/**
 * Checks a file against the server's other files and the built-in content, and saves it (replacing
 * the server's file of that name) with its moderator log entry, if the server's content has not
 * changed in the meantime (else checks again). A file with problems is not saved: they come back
 * as a UserError, `file:line:column: message`.
 */
export async function saveServerFile(
  ctx: Context,
  who: { guildId: string; userId: string },
  make: (current: readonly ServerFile[]) => ServerFile,
  action: ContentChange['action'],
  details: Record<string, unknown> = {},
): Promise<ServerFile> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const { revision, files } = await currentFiles(ctx, who.guildId);
    const file = make(files);
    const checked = checkChange(ctx.contents, files, { put: file });
    if (checked.problems.length > 0) {
      throw new UserError(problemsMessage(`❌ **${file.name}** was not saved: ${checked.problems.length} problem(s). Fix them and try again (docs/server-content.md describes the format).`, checked.problems));
    }
    const change = { guildId: who.guildId, revision, by: who.userId, at: ctx.clock.now(), action, details };
    if (await putServerContentFile(ctx.db, change, file)) {
      ctx.logger.info({ guildId: who.guildId, userId: who.userId, file: file.name, revision: revision + 1 }, 'server content saved');
      return file;
    }
  }
  throw new UserError('Other moderators are changing this server’s content right now, so nothing was saved. Try again in a moment.');
}

/** The file /prompt add writes to. */
export const ADDED_PROMPTS_FILE = 'prompts/server.yaml';

/**
 * The server's prompts file with one prompt more, keeping what is written there (comments too). Its id
 * is `server-prompt-<n>`, n one more than the highest of the file.
 */
export function withPromptAdded(current: string | undefined, prompt: { step: string; topic: string; text: string; hints: string[] }): { text: string; id: string } {
  const source = current ?? '# Prompts added with /prompt add. Edit it like any prompts file (/content download).\n';
  const doc = parseDocument(source);
  const numbers = [...source.matchAll(/server-prompt-(\d+)/g)].map((m) => Number(m[1]));
  const id = `server-prompt-${Math.max(0, ...numbers) + 1}`;
  const entry = { id, step: prompt.step, topic: prompt.topic, text: prompt.text, ...(prompt.hints.length > 0 ? { hints: prompt.hints } : {}) };
  // A block list grows by one item written after it (what is written stays as it is); anything else cannot grow, and the checks say why.
  if (doc.errors.length === 0 && isSeq(doc.contents) && doc.contents.flow) {
    doc.contents.items.push(doc.createNode(entry) as never);
    return { text: doc.toString({ lineWidth: 0 }), id };
  }
  return { text: `${source.trimEnd()}\n${stringify([entry], { lineWidth: 0 })}`, id };
}
