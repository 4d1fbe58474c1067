import { LRUCache } from 'lru-cache';
import { buildContent, parseContentFile, type Content, type ContentFile, type LoadResult, type ParsedFile } from './loader.js';

/** Where a server's own files are kept (the database: src/db/queries/server-content.ts). */
export interface ServerContentSource {
  /** The server's content revision: 0 when it never had content of its own. Asked before every use, so it must be cheap. */
  revision(guildId: string): Promise<number>;
  /** The server's files, with the revision read before them. */
  files(guildId: string): Promise<{ revision: number; files: ContentFile[] }>;
}

/** The built-in content: its files parsed once, and what they build. */
export interface BuiltinContent {
  files: readonly ParsedFile[];
  result: LoadResult;
}

export interface ContentStoreOptions {
  /** How many servers' built content this process keeps (each is about the size of the built-in content). */
  max?: number;
  /** Told of the problems found while building a server's content (entries are skipped, the rest serves). */
  onProblems?: (guildId: string, result: LoadResult) => void;
}

/**
 * Each server's content: the built-in content with the server's own files layered over it
 * (buildContent). The one way handlers and jobs get a server's content: `forGuild` reads the server's
 * revision (one primary-key lookup; a server without content of its own costs nothing more) and
 * builds again when it changed, in any process; built content is kept per server and revision.
 */
export class ContentStore {
  readonly builtin: Content;
  private readonly parsed: readonly ParsedFile[];
  private readonly cache: LRUCache<string, { revision: number; content: Content }>;
  private readonly building = new Map<string, Promise<Content>>();

  constructor(
    builtin: BuiltinContent,
    private readonly source: ServerContentSource,
    private readonly options: ContentStoreOptions = {},
  ) {
    this.parsed = builtin.files;
    this.builtin = builtin.result.content;
    this.cache = new LRUCache({ max: options.max ?? 50 });
  }

  /** The built-in files parsed and built once, e.g. while the database opens. */
  static prepare(files: readonly (ContentFile | ParsedFile)[]): BuiltinContent {
    const parsed = files.map(parseContentFile);
    return { files: parsed, result: buildContent(parsed) };
  }

  /** The built-in files as text (for /content download). */
  builtinFiles(): readonly ContentFile[] {
    return this.parsed;
  }

  /** The server's content as of now. */
  async forGuild(guildId: string): Promise<Content> {
    return this.atRevision(guildId, await this.source.revision(guildId));
  }

  /**
   * The server's content at a revision the caller read itself, in the same statement as the data it
   * goes with (memberRoadmap): the same as forGuild, without its own read of the revision.
   */
  async atRevision(guildId: string, revision: number): Promise<Content> {
    if (revision === 0) return this.builtin;
    const kept = this.cache.get(guildId);
    if (kept && kept.revision >= revision) return kept.content;
    const key = `${guildId}:${revision}`;
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.load(guildId).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  /** Checks and builds the built-in content with these server files over it (what an upload would give). */
  check(files: readonly ContentFile[]): LoadResult {
    return buildContent(this.parsed, files);
  }

  private async load(guildId: string): Promise<Content> {
    const { revision, files } = await this.source.files(guildId);
    let content = this.builtin;
    if (files.length > 0) {
      const result = this.check(files);
      if (result.problems.length > 0) this.options.onProblems?.(guildId, result);
      content = result.content;
    }
    const kept = this.cache.get(guildId);
    if (!kept || kept.revision < revision) this.cache.set(guildId, { revision, content });
    return content;
  }
}
