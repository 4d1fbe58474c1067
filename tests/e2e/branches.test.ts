import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buttonsOf, shown, textOf, useTestBot } from '../support/bot.js';
import type { Json } from '../../src/sim/index.js';

/** tests/fixtures/branches: 12 core steps (history-of-ml and ethics-reading optional), five branches of four steps. */
const CONTENT_DIR = join(import.meta.dirname, '../fixtures/branches');
const CORE_REQUIRED = ['python', 'maths', 'data-handling', 'ml-basics', 'evaluation', 'features', 'classic-models', 'neural-nets', 'deep-learning', 'projects'];

const { bot } = useTestBot({ config: { CONTENT_DIR } });

let nextUser = 0;
const newUser = () => `20100000000000${String(++nextUser).padStart(4, '0')}`;

const show = async (user: string) => shown(await bot.command('roadmap', {}, { user, subcommand: 'show' }));
const next = async (user: string) => shown(await bot.command('next', {}, { user }));
const done = async (user: string, ...steps: string[]) => {
  for (const step of steps) await bot.command('done', { step }, { user });
};

/** Embed text as Discord counts it toward its 6000-character limit. */
function embedLength(message: Json): number {
  return ((message.embeds ?? []) as Json[]).reduce(
    (n: number, e: Json) =>
      n +
      String(e.title ?? '').length +
      String(e.description ?? '').length +
      String(e.footer?.text ?? '').length +
      String(e.author?.name ?? '').length +
      ((e.fields ?? []) as Json[]).reduce((m: number, f: Json) => m + String(f.name).length + String(f.value).length, 0),
    0,
  );
}

describe('a roadmap with branches', () => {
  it('/roadmap show: the core, every branch with its progress, where the member stands, paged within Discord’s limits', async () => {
    const user = newUser();
    const first = await show(user);
    const text = textOf(first);
    expect(text).toContain('Roadmap: Fixture ML');
    expect(text).toContain(`**Core** ▱▱▱▱▱▱▱▱▱▱ 0% · 0/${CORE_REQUIRED.length} required steps done`);
    expect(text).toContain('No branch chosen yet');
    expect(text).toContain('👉 **1. Python programming**');
    expect(text).toContain('🔒 **4. Machine-learning basics** · 10 h · waits · after Python programming, Maths for machine learning');
    expect(text).toContain('**6. A short history of machine learning** · optional');
    const fields = (first.embeds[0].fields as Json[]).map((f) => f.name as string);
    expect(fields).toEqual(['🌿 Natural language processing', '🌿 Computer vision', '🌿 Reinforcement learning', '🌿 MLOps and deployment', '🌿 Generative models and LLMs']);
    expect(text).toContain('After **Deep learning with a framework** · ▱▱▱▱▱▱▱▱▱▱ 0% · 0/4 steps');

    // Every page of the core, then (with a branch) of the branch, stays within 6000 characters and 25 fields.
    await bot.command('roadmap', { branch: 'fixture-ml/genai' }, { user, subcommand: 'choose' });
    let page = await show(user);
    const texts = [textOf(page)];
    expect(textOf(page)).toContain('Page 1 of 2');
    for (;;) {
      expect(embedLength(page)).toBeLessThanOrEqual(6000);
      expect((page.embeds[0].fields as Json[]).length).toBeLessThanOrEqual(25);
      const forward = buttonsOf(page).find((b) => b.label === 'Next');
      if (!forward || forward.disabled) break;
      page = shown(await bot.press(forward.customId!, { user }));
      texts.push(textOf(page));
    }
    expect(texts).toHaveLength(2);
    expect(texts[1]).toContain('__Your branch: Generative models and LLMs__');
    expect(texts[1]).toContain('🔒 **Generative models and LLMs 3. Large language models**');
    expect(texts[1]).toContain('👉 Generative models and LLMs (your branch)');
  });

  it('/next takes the first step whose prerequisites are done, and lists an optional step without stopping at it', async () => {
    const user = newUser();
    await done(user, 'python', 'data-handling');
    expect(textOf(await next(user))).toContain('Fixture ML · core step 2 of 12 (10 required, 2 optional)');
    await done(user, 'maths', 'ml-basics');
    const card = await next(user);
    expect(textOf(card)).toContain('step 5 of 12');
    expect(textOf(card)).toContain('Evaluating models honestly');
    expect(textOf(card)).not.toContain('Optional, if you like'); // history-of-ml comes after this step
    // history-of-ml (step 6, optional, after ml-basics) is open but never the next step: /next goes past it and lists it.
    await done(user, 'evaluation');
    const past = await next(user);
    expect(textOf(past)).toContain('step 7 of 12');
    expect(textOf(past)).toContain('Features and preprocessing');
    const optional = (past.embeds[0].fields as Json[]).find((f) => f.name === 'Optional, if you like');
    expect(optional?.value).toContain('**A short history of machine learning**');
  });

  it('when the core is done and no branch is chosen, /next says so and a branch button chooses one', async () => {
    const user = newUser();
    await done(user, ...CORE_REQUIRED);
    const card = await next(user);
    const text = textOf(card);
    expect(text).toContain('You finished the core of Fixture ML');
    expect(text).toContain('`/roadmap choose branch:`');
    expect(text).toContain('Optional, if you like'); // the two optional core steps are still open
    const buttons = buttonsOf(card);
    expect(buttons.map((b) => b.label)).toEqual(['Natural language processing', 'Computer vision', 'Reinforcement learning', 'MLOps and deployment', 'Generative models and LLMs']);

    const chosen = shown(await bot.press(buttons[0]!.customId!, { user }));
    expect(textOf(chosen)).toContain('You chose **Natural language processing** on Fixture ML');
    expect(textOf(chosen)).toContain('Fixture ML · Natural language processing · step 1 of 4');
    expect(textOf(chosen)).toContain('Text processing basics');
    expect(textOf(chosen)).toContain('**Your branch: Natural language processing** ▱▱▱▱▱▱▱▱▱▱ 0% · 0/4 steps done');
  });

  it('/roadmap choose changes the branch, keeps the progress made, and /next follows the new branch', async () => {
    const user = newUser();
    const choices = await bot.suggest('roadmap', 'branch', 'vis', { user, subcommand: 'choose' });
    expect(choices[0]).toEqual({ name: 'Computer vision (Fixture ML)', value: 'fixture-ml/vision' });

    await done(user, ...CORE_REQUIRED);
    await bot.command('roadmap', { branch: 'fixture-ml/nlp' }, { user, subcommand: 'choose' });
    const afterOne = shown(await bot.press(buttonsOf(await next(user)).find((b) => b.label === 'Mark done')!.customId!, { user }));
    expect(textOf(afterOne)).toContain('Word and sentence embeddings');

    // Typed by hand, by title.
    const changed = shown(await bot.command('roadmap', { branch: 'computer vision' }, { user, subcommand: 'choose' }));
    expect(textOf(changed)).toContain('Your branch on Fixture ML is now **Computer vision** (was Natural language processing)');
    expect(textOf(changed)).toContain('Images as arrays');
    expect((await bot.suggest('roadmap', 'branch', '', { user, subcommand: 'choose' })).find((c) => c.value === 'fixture-ml/vision')?.name).toBe(
      'Computer vision (Fixture ML) · your branch',
    );
    const again = shown(await bot.command('roadmap', { branch: 'fixture-ml/vision' }, { user, subcommand: 'choose' }));
    expect(textOf(again)).toContain('already is your branch');

    const roadmap = textOf(await show(user));
    expect(roadmap).toContain('**Your branch: Computer vision** ▱▱▱▱▱▱▱▱▱▱ 0% · 0/4 steps done');
    expect(roadmap).toContain('0/4 steps'); // vision
    expect(roadmap).toContain('▰▰▰▱▱▱▱▱▱▱ 25% · 1/4 steps'); // nlp kept its step

    const progress = textOf(shown(await bot.command('progress', {}, { user })));
    expect(progress).toContain(`Core ▰▰▰▰▰▰▰▰▰▰ 100% · ${CORE_REQUIRED.length}/${CORE_REQUIRED.length} steps`);
    expect(progress).toContain('Computer vision: ▱▱▱▱▱▱▱▱▱▱ 0% · 0/4 steps');
  });

  it('an unknown branch gets a clear message', async () => {
    const record = await bot.command('roadmap', { branch: 'astrology' }, { user: newUser(), subcommand: 'choose' });
    expect(textOf(shown(record))).toContain('There is no branch called “astrology”. Branches: Natural language processing, Computer vision');
  });

  it('/done and /undo autocomplete offer branch steps, named with their branch', async () => {
    const user = newUser();
    const open = await bot.suggest('done', 'step', 'transformers', { user });
    expect(open).toContainEqual({ name: 'Natural language processing 3. Transformers and attention (Fixture ML)', value: 'transformers' });
    await done(user, 'transformers');
    expect(await bot.suggest('undo', 'step', '', { user })).toEqual([{ name: 'Natural language processing 3. Transformers and attention (Fixture ML)', value: 'transformers' }]);
  });

  it('/privacy export holds the chosen branch, and delete erases it', async () => {
    const user = newUser();
    await bot.command('roadmap', { branch: 'fixture-ml/rl' }, { user, subcommand: 'choose' });
    const record = await bot.command('privacy', {}, { user, subcommand: 'export' });
    const [file] = bot.fake.requests.filter((r) => r.path.includes(`/interactions/${record.id}/`)).flatMap((r) => r.files);
    const data = JSON.parse(file!.bytes.toString('utf8')) as { roadmapBranches: { trackId: string; branchId: string }[] };
    expect(data.roadmapBranches).toMatchObject([{ trackId: 'fixture-ml', branchId: 'rl' }]);

    const ask = shown(await bot.command('privacy', {}, { user, subcommand: 'delete' }));
    await bot.press(buttonsOf(ask).find((b) => b.label === 'Erase my data')!.customId!, { user });
    expect(textOf(await show(user))).toContain('No branch chosen yet');
  });
});
