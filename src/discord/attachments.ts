import type { Attachment } from 'discord.js';
import { UserError } from '../errors.js';

/** Discord's CDN hosts: a file attached to a command is served from one of them. */
const DISCORD_CDN_HOSTS = new Set(['cdn.discordapp.com', 'media.discordapp.net']);

export interface FetchAttachmentOptions {
  /** The configured Discord API (DISCORD_API_URL): its origin serves attachments too (the fake Discord). */
  apiUrl: string;
  maxBytes: number;
  timeoutMs: number;
  /** For tests: a fetch to use instead of the global one. */
  fetch?: typeof fetch;
}

/**
 * Downloads a file attached to a command, as UTF-8 text. Only from Discord (its CDN, or the origin of
 * the configured Discord API), within `timeoutMs` and `maxBytes`; every failure is a UserError that
 * says what went wrong and what to do.
 */
export async function fetchAttachmentText(attachment: Pick<Attachment, 'url' | 'size' | 'name'>, options: FetchAttachmentOptions): Promise<string> {
  const limit = `${Math.round(options.maxBytes / 1024)} KB`;
  if (attachment.size > options.maxBytes) throw new UserError(`${attachment.name} is ${Math.ceil(attachment.size / 1024)} KB; a file can be at most ${limit}. Split it into several files.`);
  let url: URL;
  try {
    url = new URL(attachment.url);
  } catch {
    throw new UserError('Discord gave me no usable link to that file. Attach it again.');
  }
  const fromCdn = url.protocol === 'https:' && DISCORD_CDN_HOSTS.has(url.hostname);
  if (!fromCdn && url.origin !== new URL(options.apiUrl).origin) throw new UserError('I only download files from Discord itself, and that file is somewhere else. Attach it again.');

  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, { signal: AbortSignal.timeout(options.timeoutMs), redirect: 'error' });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') throw new UserError(`Downloading ${attachment.name} from Discord took longer than ${options.timeoutMs / 1000} s. Try again.`);
    throw new UserError(`I could not download ${attachment.name} from Discord. Try again in a minute.`);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new UserError(`Discord did not give me ${attachment.name} (HTTP ${response.status}). Attach it again.`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      // Leaving the loop cancels the download.
      if (size > options.maxBytes) {
        throw new UserError(`${attachment.name} is larger than ${limit}, which is the most a file can be. Split it into several files.`);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (error instanceof Error && error.name === 'TimeoutError') throw new UserError(`Downloading ${attachment.name} from Discord took longer than ${options.timeoutMs / 1000} s. Try again.`);
    throw new UserError(`The download of ${attachment.name} from Discord broke off. Try again.`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)).replace(/^\uFEFF/, '');
  } catch {
    throw new UserError(`${attachment.name} is not UTF-8 text. Save it as UTF-8 (a plain-text YAML file) and attach it again.`);
  }
}
