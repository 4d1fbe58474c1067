import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordActivity } from '../../src/db/queries/streaks.js';
import { auditLog, cohortMembers, cohorts, cohortUnitsDone, memberNudges, memberSettings } from '../../src/db/schema.js';
import { select } from '../../src/sim/interactions.js';
import type { InteractionRecord, Json } from '../../src/sim/index.js';
import { buttonsOf, MODERATOR, shown, textOf, useTestBot } from '../support/bot.js';

// Tuesday 10 March 2026, 12:00 UTC. The server keeps the defaults: UTC, a new day at 04:00, up to 2 freezes.
const NOW = '2026-03-10T12:00:00Z';
const { bot, database } = useTestBot({ now: NOW });

const MOD = '483000000000000001';
const user = (n: number) => `48310000000000${String(1000 + n)}`;
const A = user(1); // checked in 7, 8, 9 March: 3 days, no freeze, today not counted: breaks tonight
const B = user(2); // checked in 9 and 10 March: today counted
const C = user(3); // 7 days up to 9 March: earned a freeze, so tonight only spends it
const E = user(5); // last active 2 March: 7 full days without activity
const F = user(6); // last active 3 March: 6 days
const G = user(7); // last active 1 March; cohort: unit 1 done, unit 2 (due 8 March) not: behind by 1
const H = user(8); // cohort: units 1 and 2 done: on pace
const AWAY = Array.from({ length: 11 }, (_, i) => user(20 + i)); // last active 20 February

/** Stores a check-in through the streak write path, at noon UTC of `day`. */
async function checkInOn(userId: string, day: string) {
  await recordActivity(database.db, { guildId: bot.guildId, userId, kind: 'checkin', at: new Date(`${day}T12:00:00Z`) });
}

async function atRisk(options: Record<string, number> = {}, extra: Record<string, unknown> = MODERATOR) {
  return bot.command('members', options, { user: MOD, subcommand: 'at-risk', ...extra });
}

/** Chooses a member in the nudge menu of a list message. */
async function nudge(list: Json, userId: string, as = MOD, permissions: Record<string, string> = MODERATOR): Promise<InteractionRecord> {
  const menu = (list.components as Json[]).flatMap((row) => row.components as Json[]).find((c) => c.type === 3)!;
  return bot.fake.waitForInteractionReply(
    bot.fake.sendInteraction(select(bot.fake, { guildId: bot.guildId, customId: menu.custom_id, values: [userId], user: as, ...permissions, message: list })),
  );
}

const nudgeDms = (userId: string) => bot.fake.dmMessages(userId).filter((m: Json) => String(m.content ?? '').includes('thinking of you'));
const nudgeLog = (userId: string) =>
  database.db.select().from(auditLog).where(and(eq(auditLog.guildId, bot.guildId), eq(auditLog.action, 'member.nudge'), eq(auditLog.targetUserId, userId)));

beforeAll(async () => {
  for (const day of ['2026-03-07', '2026-03-08', '2026-03-09']) await checkInOn(A, day);
  for (const day of ['2026-03-09', '2026-03-10']) await checkInOn(B, day);
  for (let d = 3; d <= 9; d++) await checkInOn(C, `2026-03-0${d}`);
  await checkInOn(E, '2026-03-02');
  await checkInOn(F, '2026-03-03');
  for (const u of AWAY) await checkInOn(u, '2026-02-20');
  await checkInOn(G, '2026-03-01');
  await checkInOn(H, '2026-03-10');
  // A cohort of three weekly units due Sundays 23:59 UTC (1, 8 and 15 March).
  const at = new Date('2026-02-20T00:00:00Z');
  const [cohort] = await database.db
    .insert(cohorts)
    .values({
      guildId: bot.guildId,
      name: 'Spring',
      trackId: 't',
      weeks: [['a'], ['b'], ['c']],
      challenges: [null, null, null],
      timezone: 'UTC',
      startDay: '2026-02-23',
      openTime: '09:00',
      deadlineWeekday: 0,
      deadlineTime: '23:59',
      channelId: bot.channelId,
      joinUntil: at,
      secret: 'ab',
      createdBy: MOD,
      createdAt: at,
      updatedAt: at,
    })
    .returning();
  for (const u of [G, H]) await database.db.insert(cohortMembers).values({ cohortId: cohort!.id, userId: u, joinedAt: at });
  await database.db.insert(cohortUnitsDone).values([
    { cohortId: cohort!.id, userId: G, week: 1, doneAt: at, onTime: true, via: 'steps' },
    { cohortId: cohort!.id, userId: H, week: 1, doneAt: at, onTime: true, via: 'steps' },
    { cohortId: cohort!.id, userId: H, week: 2, doneAt: at, onTime: true, via: 'steps' },
  ]);
  // A turned the reminder on (which lets moderators nudge them); B did not.
  await bot.command('settings', {}, { user: A, subcommandGroup: 'reminder', subcommand: 'on' });
});

const stamp = (iso: string) => `<t:${Date.parse(iso) / 1000}:R>`;

describe('/members at-risk', () => {
  it('is for moderators only', async () => {
    expect(textOf(shown(await atRisk({}, {})))).toContain('Only moderators can do that');
  });

  it('lists the streaks that break tonight, with when each was last active and who can be nudged', async () => {
    const list = shown(await atRisk());
    const text = textOf(list);
    expect(text).toContain('Streaks that break tonight (1)');
    expect(text).toContain(`1. <@${A}> · 🔥 3 days · last active ${stamp('2026-03-09T12:00:00Z')} · 🔔`);
    for (const other of [B, C, E, G]) expect(text).not.toContain(other);
    expect(buttonsOf(list).flatMap((b) => b.label ?? [])).toEqual(['Streaks that break tonight (1)', 'Inactive 7+ days (13)', 'Behind in a cohort (1)']);
    const menu = (list.components as Json[]).flatMap((row) => row.components as Json[]).find((c) => c.type === 3)!;
    expect(menu.options).toEqual([{ label: `1. member ${A}`, value: A, description: 'Reminders on' }]);
  });

  it('pages the inactive members, most recently active first; the days option moves the line', async () => {
    const first = shown(await bot.press(buttonsOf(shown(await atRisk())).find((b) => b.label?.startsWith('Inactive'))!.customId!, { user: MOD, ...MODERATOR }));
    const text = textOf(first);
    expect(text).toContain('Inactive 7+ days (13)');
    expect(text).toContain(`1. <@${E}> · last active ${stamp('2026-03-02T12:00:00Z')}`);
    expect(text).toContain(`2. <@${G}> · last active ${stamp('2026-03-01T12:00:00Z')}`);
    expect(text).not.toContain(F);
    expect(text).toContain('Page 1 of 2');
    expect(text.match(/^\d+\. /gm)).toHaveLength(10);
    const next = buttonsOf(first).find((b) => b.label === 'Next')!;
    expect(next.customId!.length).toBeLessThanOrEqual(100);
    const second = textOf(shown(await bot.press(next.customId!, { user: MOD, ...MODERATOR })));
    expect(second).toContain('Page 2 of 2');
    expect(second.match(/^\d+\. /gm)).toEqual(['11. ', '12. ', '13. ']);
    // Someone else cannot page it.
    expect(textOf(shown(await bot.press(next.customId!, { user: B })))).toContain('Only moderators can do that');

    const six = shown(await atRisk({ days: 6 }));
    expect(buttonsOf(six).find((b) => b.label?.startsWith('Inactive'))!.label).toBe('Inactive 6+ days (14)');
    const twenty = shown(await atRisk({ days: 20 }));
    expect(buttonsOf(twenty).find((b) => b.label?.startsWith('Inactive'))!.label).toBe('Inactive 20+ days (0)');
  });

  it('lists members behind in a running cohort, by the cohort’s pace', async () => {
    const behind = buttonsOf(shown(await atRisk())).find((b) => b.label?.startsWith('Behind'))!;
    const text = textOf(shown(await bot.press(behind.customId!, { user: MOD, ...MODERATOR })));
    expect(text).toContain(`1. <@${G}> · **Spring**, behind by 1 unit`);
    expect(text).not.toContain(H);
  });
});

describe('nudges', () => {
  it('go only to members who turned reminders on, once a week, each logged with who sent it', async () => {
    const list = shown(await atRisk());
    const sent = await nudge(list, A);
    expect(textOf(shown(sent))).toContain(`Nudge sent to <@${A}>`);
    expect(nudgeDms(A)).toHaveLength(1);
    expect(buttonsOf(nudgeDms(A)[0]!).map((b) => [b.label, b.customId])).toEqual([['Stop these', `settings:reminder-stop:${bot.guildId}`]]);
    const logged = await nudgeLog(A);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ actorId: MOD, targetUserId: A });
    const rows = await database.db.select().from(memberNudges).where(eq(memberNudges.userId, A));
    expect(rows.map((r) => [r.actorId, r.status])).toEqual([[MOD, 'sent']]);

    // Again the same week: refused, saying why, nothing sent or logged.
    bot.clock.set('2026-03-16T11:59:00Z');
    expect(textOf(shown(await nudge(list, A)))).toContain('nudged less than a week ago');
    expect(nudgeDms(A)).toHaveLength(1);
    expect(await nudgeLog(A)).toHaveLength(1);
    // A week later, one more.
    bot.clock.set('2026-03-17T12:00:00Z');
    expect(textOf(shown(await nudge(list, A)))).toContain('Nudge sent');
    expect(nudgeDms(A)).toHaveLength(2);
    expect(await nudgeLog(A)).toHaveLength(2);
    bot.clock.set(NOW);
  });

  it('are refused to members who did not opt in, and to non-moderators', async () => {
    const list = shown(await atRisk({ days: 6 }));
    expect(textOf(shown(await nudge(list, F)))).toContain('has not turned on streak reminders');
    expect(textOf(shown(await nudge(list, A, B, {})))).toContain('Only moderators can do that');
    expect(nudgeDms(F)).toHaveLength(0);
    expect(await nudgeLog(F)).toHaveLength(0);
  });

  it('two moderators at once: one nudge, one log entry', async () => {
    await bot.command('settings', {}, { user: E, subcommandGroup: 'reminder', subcommand: 'on' });
    const list = shown(await atRisk());
    const results = await Promise.all([nudge(list, E), nudge(list, E, '483000000000000002'), nudge(list, E)]);
    const texts = results.map((r) => textOf(shown(r)));
    expect(texts.filter((t) => t.includes('Nudge sent'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('less than a week ago'))).toHaveLength(2);
    expect(nudgeDms(E)).toHaveLength(1);
    expect(await nudgeLog(E)).toHaveLength(1);
  });

  it('to closed DMs: not sent, the week not used up, and the member is marked like for the reminder', async () => {
    await bot.command('settings', {}, { user: F, subcommandGroup: 'reminder', subcommand: 'on' });
    bot.fake.setDmsClosed(F, true);
    const list = shown(await atRisk({ days: 6 }));
    expect(textOf(shown(await nudge(list, F)))).toContain('DMs from this server are closed, so the nudge was not sent');
    const [row] = await database.db.select().from(memberSettings).where(and(eq(memberSettings.guildId, bot.guildId), eq(memberSettings.userId, F)));
    expect(row).toMatchObject({ nudgedAt: null });
    expect(row!.reminderDmClosedAt).toBeInstanceOf(Date);
    expect((await database.db.select().from(memberNudges).where(eq(memberNudges.userId, F))).map((r) => r.status)).toEqual(['failed']);
    // Refused up front from then on, until they turn the reminder on again.
    expect(textOf(shown(await nudge(list, F)))).toContain('DMs from this server are closed');
    bot.fake.setDmsClosed(F, false);
  });
});
