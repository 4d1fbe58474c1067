import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchAttachmentText } from '../../src/discord/attachments.js';
import { UserError } from '../../src/errors.js';
import { startFakeDiscord, type FakeDiscord } from '../../src/sim/index.js';
import { chatInput } from '../../src/sim/interactions.js';

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await startFakeDiscord();
});
afterAll(async () => {
  await fake.close();
});

const options = () => ({ apiUrl: fake.apiUrl, maxBytes: 1024, timeoutMs: 2000 });

/** The attachment as the bot gets it: from a command's `resolved` data. */
function resolvedAttachment(id: string): { url: string; size: number; name: string } {
  const guildId = fake.addGuild({ name: 'Files' }).id as string;
  fake.commands.set('global', [{ id: fake.snowflake(), name: 'upload', type: 1, options: [{ type: 11, name: 'file', description: 'f', required: true }] }]);
  const payload = chatInput(fake, { guildId, name: 'upload', options: { file: { type: 11, value: id } } });
  const a = payload.data.resolved.attachments[id];
  return { url: a.url as string, size: a.size as number, name: a.filename as string };
}

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return (error as UserError).message;
};

describe('attachments: the fake serves them, the bot fetches only from Discord', () => {
  it('serves an uploaded file from the fake’s own HTTP server, named and sized, and the bot reads it as text', async () => {
    const id = fake.uploadAttachment({ filename: 'prompts.mine.yaml', data: '- id: a\n' });
    const attachment = resolvedAttachment(id);
    expect(attachment).toMatchObject({ name: 'prompts.mine.yaml', size: 8 });
    expect(new URL(attachment.url).origin).toBe(new URL(fake.apiUrl).origin);
    expect(await fetchAttachmentText(attachment, options())).toBe('- id: a\n');
  });

  it('refuses hosts other than Discord’s CDN and the configured API origin', async () => {
    expect(await refusal(fetchAttachmentText({ url: 'https://example.com/x.yaml', size: 10, name: 'x.yaml' }, options()))).toContain('only download files from Discord');
    expect(await refusal(fetchAttachmentText({ url: 'http://cdn.discordapp.com/x.yaml', size: 10, name: 'x.yaml' }, options()))).toContain('only download files from Discord');
    let asked = '';
    const fetchSpy = ((url: URL) => {
      asked = String(url);
      return Promise.resolve(new Response('ok'));
    }) as unknown as typeof fetch;
    expect(await fetchAttachmentText({ url: 'https://cdn.discordapp.com/attachments/1/2/x.yaml', size: 2, name: 'x.yaml' }, { ...options(), fetch: fetchSpy })).toBe('ok');
    expect(asked).toBe('https://cdn.discordapp.com/attachments/1/2/x.yaml');
  });

  it('says what went wrong: too large (declared or while reading), missing, not UTF-8, too slow', async () => {
    expect(await refusal(fetchAttachmentText({ url: 'https://cdn.discordapp.com/a/b/c.yaml', size: 5000, name: 'c.yaml' }, options()))).toContain('at most 1 KB');
    const big = resolvedAttachment(fake.uploadAttachment({ filename: 'big.yaml', data: 'x'.repeat(2000) }));
    expect(await refusal(fetchAttachmentText({ ...big, size: 10 }, options()))).toContain('larger than 1 KB');
    const gone = resolvedAttachment(fake.uploadAttachment({ filename: 'gone.yaml', data: 'x' }));
    expect(await refusal(fetchAttachmentText({ ...gone, url: gone.url.replace(/\/attachments\/0\/\d+\//, '/attachments/0/1/') }, options()))).toContain('HTTP 404');
    const binary = resolvedAttachment(fake.uploadAttachment({ filename: 'bin.yaml', data: Buffer.from([0xff, 0xfe, 0x00]) }));
    expect(await refusal(fetchAttachmentText(binary, options()))).toContain('not UTF-8 text');
    const hanging = ((_url: URL, init: RequestInit) =>
      new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)))) as unknown as typeof fetch;
    expect(await refusal(fetchAttachmentText({ url: 'https://cdn.discordapp.com/a/b/c.yaml', size: 1, name: 'c.yaml' }, { ...options(), timeoutMs: 50, fetch: hanging }))).toContain(
      'took longer than 0.05 s',
    );
  });
});
