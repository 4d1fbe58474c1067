import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { commands } from '../../commands/index.js';
import { SETTING_NAMES } from '../../src/config.js';

/**
 * The docs are part of the product: every command the bot registers and every setting it reads is
 * documented in the README's tables (the first page a server owner reads; docs/ explains further),
 * and every relative link in README.md and docs/ leads somewhere. Adding a command, a subcommand or
 * a setting without a line in the README fails here.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (page: string) => readFileSync(join(ROOT, page), 'utf8');

/** The table rows of one `## ` section of the README: settings and commands each have one table there. */
function readmeTableRows(section: string): string[] {
  const lines = read('README.md').split('\n');
  const start = lines.indexOf(`## ${section}`);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line.startsWith('## '));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => line.startsWith('|'));
}

/** `word` standing alone: not part of a longer name (`show` is not in `showcase`, nor `role` in `moderator-role`). */
const hasWord = (line: string, word: string) => new RegExp(`(?<![\\w-])${word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`).test(line);

/** Every path a member can type: `['setup']`, `['setup', 'show']`, `['setup', 'rewards', 'add']`. */
function commandPaths(): string[][] {
  const paths: string[][] = [];
  for (const { data } of commands) {
    const subs = (data.options ?? []).flatMap((option) => {
      if (option.type === ApplicationCommandOptionType.Subcommand) return [[option.name]];
      if (option.type === ApplicationCommandOptionType.SubcommandGroup) return (option.options ?? []).map((sub) => [option.name, sub.name]);
      return [];
    });
    if (subs.length === 0) paths.push([data.name]);
    for (const sub of subs) paths.push([data.name, ...sub]);
  }
  return paths;
}

/** A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of stripCode(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const text = heading[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/`/g, '');
    const base = text.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Fenced code blocks blanked (links in code are not links); heading lines inside them are not headings. */
function stripCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The relative links of a page: `[text](target)`, outside code; web and mail links left out. */
function relativeLinks(markdown: string): string[] {
  const text = stripCode(markdown).replace(/`[^`\n]*`/g, 'code');
  return [...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target));
}

describe('the docs', () => {
  it('are short where a server owner starts: the README stays under 250 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(250);
  });

  it('name every command and subcommand the bot registers in the README commands table', () => {
    const paths = commandPaths();
    expect(paths.length).toBeGreaterThan(commands.length); // the walk found the subcommands
    const rows = readmeTableRows('Commands');
    const missing = paths.filter(([name, ...rest]) => !rows.some((line) => line.includes(`/${name}`) && rest.every((word) => hasWord(line, word))));
    expect(missing.map((path) => `/${path.join(' ')}`), 'document these in the README commands table').toEqual([]);
  });

  it('name every setting in src/config.ts in the README settings table', () => {
    expect(SETTING_NAMES).toContain('DISCORD_TOKEN');
    const rows = readmeTableRows('Settings');
    const missing = SETTING_NAMES.filter((name) => !rows.some((row) => row.split('|')[1]?.includes(`\`${name}\``)));
    expect(missing, 'document these in the README settings table').toEqual([]);
  });

  it('have no relative link that leads nowhere, anchors included', () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      for (const link of relativeLinks(read(page))) {
        const [path = '', anchor] = link.split('#', 2);
        const target = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), decodeURI(path));
        if (!existsSync(target)) {
          broken.push(`${page}: ${link} (no such file)`);
          continue;
        }
        if (anchor && statSync(target).isFile() && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${page}: ${link} (no heading #${anchor} in ${relative(ROOT, target)})`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('check links for real: a page with a broken link or anchor is caught', () => {
    expect(relativeLinks('see [a](docs/a.md#x) and [b](https://x.y) and `[c](d.md)`')).toEqual(['docs/a.md#x']);
    expect(anchorsOf('# Follow `/checkin` from the gateway\n## Study time\n## Study time\n```\n# not a heading\n```')).toEqual(
      new Set(['follow-checkin-from-the-gateway', 'study-time', 'study-time-1']),
    );
  });
});
