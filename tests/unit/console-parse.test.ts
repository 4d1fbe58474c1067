import { describe, expect, it } from 'vitest';
import { parseLine, tokenize } from '../../src/console/parse.js';
import { componentsOf, plain, renderMessage } from '../../src/console/render.js';

describe('console input', () => {
  it('keeps quoted values together, also after name:', () => {
    expect(tokenize(`/checkin note:"read chapter 3" mood:'ok then'`)).toEqual(['/checkin', 'note:read chapter 3', 'mood:ok then']);
    expect(tokenize('/checkin note:""')).toEqual(['/checkin', 'note:']);
    expect(() => tokenize('/checkin note:"open')).toThrow('quote');
  });

  it('splits subcommands from name:value options', () => {
    expect(parseLine('/admin streak fix user:@alice day:2026-03-01')).toEqual({
      kind: 'command',
      name: 'admin',
      words: ['streak', 'fix'],
      options: { user: '@alice', day: '2026-03-01' },
    });
    expect(parseLine('/setup prompts channel:#general time:18:00')).toMatchObject({ words: ['prompts'], options: { channel: '#general', time: '18:00' } });
  });

  it('reads clock moves, members, buttons and the rest', () => {
    expect(parseLine('+1d')).toMatchObject({ kind: 'advance', ms: 86_400_000 });
    expect(parseLine('+3h')).toMatchObject({ kind: 'advance', ms: 3 * 3_600_000 });
    expect(parseLine('+30m')).toMatchObject({ kind: 'advance', ms: 30 * 60_000 });
    expect(parseLine('as mod')).toEqual({ kind: 'as', user: 'mod', moderator: true });
    expect(parseLine('as Alice')).toEqual({ kind: 'as', user: 'alice', moderator: false });
    expect(parseLine('press Mark done')).toEqual({ kind: 'press', target: 'Mark done' });
    expect(parseLine('channel #general')).toEqual({ kind: 'channel', name: 'general' });
    expect(parseLine('   ')).toEqual({ kind: 'empty' });
    expect(parseLine('quit')).toEqual({ kind: 'quit' });
    expect(parseLine('dance').kind).toBe('error');
  });
});

describe('console rendering', () => {
  const names = { channel: (id: string) => (id === '1' ? 'general' : undefined), user: () => 'alice', role: () => 'students' };

  it('shows embeds, fields, footer, attachments and numbered buttons', () => {
    const message = {
      content: 'Hi <@5> in <#1>, ping <@&7>, try </next:99>',
      embeds: [{ title: 'Step', description: 'Learn', fields: [{ name: 'Why', value: 'Because' }], footer: { text: 'Finished?' } }],
      attachments: [{ filename: 'streak.png' }],
      components: [
        {
          type: 1,
          components: [
            { type: 2, style: 3, label: 'Mark done', custom_id: 'next:done:a', emoji: { name: '✅' } },
            { type: 2, style: 2, label: 'Roadmap', custom_id: 'roadmap:page:0', disabled: true },
            { type: 2, style: 5, label: 'Docs', url: 'https://example.org' },
          ],
        },
      ],
    };
    const text = renderMessage(message, names);
    expect(text).toContain('Hi @alice in #general, ping @students, try /next');
    expect(text).toContain('**Step**');
    expect(text).toContain('▸ Why\n│   Because');
    expect(text).toContain('— Finished?');
    expect(text).toContain('📎 streak.png');
    expect(text).toContain('[1 ✅ Mark done] [2 Roadmap (disabled)] [3 Docs ↗ https://example.org]');
    expect(componentsOf(message).map((c) => c.customId)).toEqual(['next:done:a', 'roadmap:page:0', undefined]);
  });

  it('writes Discord timestamps as UTC dates', () => {
    expect(plain('due <t:1772452800:R>', names)).toBe('due 2026-03-02 12:00 UTC');
  });
});

describe('console input for voice and earlier replies', () => {
  it('reads join, move and leave', () => {
    expect(parseLine('join #study-hall')).toEqual({ kind: 'voice', channel: 'study-hall' });
    expect(parseLine('move #Lounge')).toEqual({ kind: 'voice', channel: 'lounge' });
    expect(parseLine('leave')).toEqual({ kind: 'voice', channel: null });
    expect(parseLine('join')).toMatchObject({ kind: 'error', message: expect.stringContaining('join #study-hall') });
    expect(parseLine('leave #study-hall').kind).toBe('error');
  });

  it('reads which earlier reply a press or a pick is for', () => {
    expect(parseLine('press 1 reply:4')).toEqual({ kind: 'press', target: '1', reply: 4 });
    expect(parseLine('press Check in reply:#12')).toEqual({ kind: 'press', target: 'Check in', reply: 12 });
    expect(parseLine('press Mark done')).toEqual({ kind: 'press', target: 'Mark done' });
    expect(parseLine('pick 1 nlp reply:2')).toEqual({ kind: 'pick', target: '1', values: ['nlp'], reply: 2 });
    expect(parseLine('press 1 reply:last')).toMatchObject({ kind: 'error', message: expect.stringContaining('whole number') });
    expect(parseLine('press reply:3').kind).toBe('error');
  });
});
