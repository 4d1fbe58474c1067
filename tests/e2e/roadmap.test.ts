import { describe, expect, it } from 'vitest';
import { MessageFlags } from 'discord.js';
import { buttonsOf, shown, textOf, useTestBot } from '../support/bot.js';

const { bot } = useTestBot();

/** The shipped track's core: how many steps, and how many of them count (optional ones do not). */
const core = () => {
  const steps = bot.app.ctx.contents.builtin.tracks[0]!.steps;
  return { length: steps.length, required: steps.filter((s) => !s.optional).length };
};

describe('/roadmap and /next', () => {
  it('registers the commands on first start', () => {
    const names = bot.fake.globalCommands().map((c) => c.name).sort();
    expect(names).toEqual(expect.arrayContaining(['done', 'next', 'roadmap', 'undo', 'setup']));
  });

  it('shows the whole track, paged, with nothing done yet', async () => {
    const record = await bot.command('roadmap', {}, { user: '200000000000000001', subcommand: 'show' });
    const message = shown(record);
    expect(record.callback?.type).toBe(4);
    expect(message.flags & MessageFlags.Ephemeral).toBeTruthy();
    expect(record.callback?.data?.allowed_mentions).toEqual({ parse: [], replied_user: false });
    const text = textOf(message);
    expect(text).toContain('Roadmap: ML Engineer');
    expect(text).toContain(`0/${core().required} required steps done`);
    expect(text).toContain('👉 **1. ');
    const buttons = buttonsOf(message);
    expect(buttons.map((b) => b.label)).toEqual(['Previous', 'Next']);
    expect(buttons[0]!.disabled).toBe(true);

    const page2 = shown(await bot.press(buttons[1]!.customId!, { user: '200000000000000001' }));
    expect(textOf(page2)).toContain('**9. ');
    expect(textOf(page2)).toContain(`Page 2 of ${Math.ceil(core().length / 8)}`);
  });

  it('walks /next → Mark done → next step, and a double press records once', async () => {
    const user = '200000000000000002';
    const first = shown(await bot.command('next', {}, { user }));
    expect(textOf(first)).toContain(`step 1 of ${core().length}`);
    // The card's two counts say what they count: the place among all core steps, progress among the required ones.
    const { length, required } = core();
    expect(length).toBeGreaterThan(required);
    expect(textOf(first)).toContain(`core step 1 of ${length} (${required} required, ${length - required} optional)`);
    expect(textOf(first)).toContain(`0/${required} required steps done`);
    expect(textOf(first)).toContain('Checklist');
    expect(textOf(first)).toContain('Resources');
    const markDone = buttonsOf(first).find((b) => b.label === 'Mark done')!;
    expect(markDone.customId).toMatch(/^next:done:/);

    const after = shown(await bot.press(markDone.customId!, { user }));
    expect(textOf(after)).toContain('Marked **');
    expect(textOf(after)).toContain(`step 2 of ${core().length}`);

    const again = shown(await bot.press(markDone.customId!, { user }));
    expect(textOf(again)).toContain('was already done');
    expect(textOf(again)).toContain(`step 2 of ${core().length}`);
    expect(textOf(shown(await bot.command('roadmap', {}, { user, subcommand: 'show' })))).toContain(`1/${core().required} required steps done`);
  });

  it('/done and /undo by name, with autocomplete that offers only what makes sense', async () => {
    const user = '200000000000000003';
    const open = await bot.suggest('done', 'step', 'deep', { user });
    expect(open.map((c) => c.value)).toContain('deep-learning');
    const done = shown(await bot.command('done', { step: 'deep-learning' }, { user }));
    expect(textOf(done)).toContain('Marked **Deep learning');
    expect((await bot.suggest('done', 'step', 'deep', { user })).map((c) => c.value)).not.toContain('deep-learning');
    expect((await bot.suggest('undo', 'step', '', { user })).map((c) => c.value)).toEqual(['deep-learning']);

    const undone = shown(await bot.command('undo', { step: 'deep-learning' }, { user }));
    expect(textOf(undone)).toContain('open again');
    expect(textOf(shown(await bot.command('undo', { step: 'deep-learning' }, { user })))).toContain('was not marked done');
  });

  it('an unknown step name gets a clear message', async () => {
    const record = await bot.command('done', { step: 'quantum-basket-weaving' }, { user: '200000000000000004' });
    expect(textOf(shown(record))).toContain('There is no roadmap step called “quantum-basket-weaving”');
    expect(shown(record).flags & MessageFlags.Ephemeral).toBeTruthy();
  });

  it('says so when every step is done', async () => {
    const user = '200000000000000005';
    const track = bot.app.ctx.contents.builtin.tracks[0]!;
    const branch = track.branches[0];
    if (branch) await bot.command('roadmap', { branch: `${track.id}/${branch.id}` }, { user, subcommand: 'choose' });
    for (const entry of bot.app.ctx.contents.builtin.steps.values()) await bot.command('done', { step: entry.step.id }, { user });
    const message = shown(await bot.command('next', {}, { user }));
    expect(textOf(message)).toContain(branch ? `You finished the core and the ${branch.title} branch of ML Engineer` : 'You finished every step of ML Engineer');
    expect(textOf(message)).toContain('/challenge');
  });

  it('with most steps locked, each 🔒 names what it waits for by number and the steps open now are listed', async () => {
    const user = '200000000000000006';
    const steps = bot.app.ctx.contents.builtin.tracks[0]!.steps;
    const number = (id: string) => steps.findIndex((s) => s.id === id) + 1;
    await bot.command('done', { step: steps[0]!.id }, { user });
    const text = textOf(shown(await bot.command('roadmap', {}, { user, subcommand: 'show' })));
    // Steps whose prerequisites are now all done, other than the one /next offers.
    const open = steps.filter((s, i) => i > 1 && !s.optional && s.prerequisites.every((p) => p === steps[0]!.id)).map((s) => number(s.id));
    expect(open.length).toBeGreaterThan(0);
    expect(text).toContain(`Also open now: ${open.length === 1 ? open[0] : `${open.slice(0, -1).join(', ')} and ${open.at(-1)}`}.`);
    const locked = steps.slice(0, 8).find((s) => s.prerequisites.some((p) => p !== steps[0]!.id))!;
    const waits = locked.prerequisites.filter((p) => p !== steps[0]!.id).map(number).join(', ');
    expect(text).toContain(`🔒 **${number(locked.id)}. ${locked.title}** · ${locked.hours} h · waits for ${waits}\n`);
  });

  it('/roadmap track: a member follows AI Engineer; /next and /roadmap show use it, and a shared step done once counts in both', async () => {
    const user = '200000000000000007';
    const content = bot.app.ctx.contents.builtin;
    const [ml, ai] = [content.tracksById.get('ml-engineer')!, content.tracksById.get('ai-engineer')!];
    const required = (t: typeof ml) => t.steps.filter((s) => !s.optional).length;
    await bot.command('done', { step: 'python-programming' }, { user });

    expect((await bot.suggest('roadmap', 'track', 'ai', { user, subcommand: 'track' })).map((c) => c.value)).toEqual(['ai-engineer']);
    const followed = shown(await bot.command('roadmap', { track: 'ai-engineer' }, { user, subcommand: 'track' }));
    expect(textOf(followed)).toContain('You now follow **AI Engineer**: `/next` and `/roadmap show` use it. 4 of its steps are shared');
    expect(textOf(followed)).toContain('Roadmap: AI Engineer');
    expect(textOf(followed)).toContain(`1/${required(ai)} steps done`); // Python, done on the ML Engineer track
    expect((await bot.suggest('roadmap', 'track', '', { user, subcommand: 'track' })).find((c) => c.value === 'ai-engineer')?.name).toContain('· yours');

    // /next with no track follows the member's choice; the card's button keeps it on that track.
    const card = shown(await bot.command('next', {}, { user }));
    expect(textOf(card)).toContain(`AI Engineer · core step 2 of ${ai.steps.length}`);
    expect(textOf(card)).toContain(ai.steps[1]!.title);
    const afterApis = shown(await bot.press(buttonsOf(card).find((b) => b.label === 'Mark done')!.customId!, { user }));
    expect(textOf(afterApis)).toContain(`AI Engineer · core step 3 of ${ai.steps.length}`);
    expect(ai.steps[2]!.id).toBe('statistics-probability');
    await bot.press(buttonsOf(afterApis).find((b) => b.label === 'Mark done')!.customId!, { user });

    // Statistics was marked on the AI card: it is done on ML Engineer too; the AI-only step is not part of it.
    expect(textOf(shown(await bot.command('roadmap', { track: 'ml-engineer' }, { user, subcommand: 'show' })))).toContain(`2/${required(ml)} required steps done`);
    expect(textOf(shown(await bot.command('roadmap', {}, { user, subcommand: 'show' })))).toContain(`3/${required(ai)} steps done`);
    // /done of a shared step answers on the followed track.
    expect(textOf(shown(await bot.command('done', { step: 'statistics-probability' }, { user })))).toContain('AI Engineer');

    expect(textOf(shown(await bot.command('roadmap', { track: 'ai-engineer' }, { user, subcommand: 'track' })))).toContain('You already follow **AI Engineer**; nothing changed.');
    expect(textOf(shown(await bot.command('roadmap', { track: 'quantum-cooking' }, { user, subcommand: 'track' })))).toContain('There is no track called “quantum-cooking”');
  });
});

