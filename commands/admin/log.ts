import { MessageFlags, type SlashCommandSubcommandBuilder } from 'discord.js';
import type { Context } from '../../src/context.js';
import { moderatorLogPage, type LogCursor, type LogFilter, type LoggedAction } from '../../src/db/queries/moderator-log.js';
import { getGuildSettings } from '../../src/db/queries/settings.js';
import { actionsOfChoice, logKindChoices, MODERATOR_ACTIONS, parseSince } from '../../src/domain/moderator-actions.js';
import { customId, type ComponentHandler, type Subcommand } from '../../src/discord/command.js';
import { requireModerator } from '../../src/discord/permissions.js';
import { LOG_PAGE_SIZE, logPageView } from '../../src/discord/views/moderator-log.js';
import { userText } from '../../src/discord/views/theme.js';
import { UserError } from '../../src/errors.js';

/** `/admin log [member] [kind] [since]`. */
export function logSubcommand(s: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return s
    .setName('log')
    .setDescription('The log of corrections and moderator actions: who, when, what, about whom, why (newest first)')
    .addUserOption((o) => o.setName('member').setDescription('Only entries about this member'))
    .addStringOption((o) =>
      o
        .setName('kind')
        .setDescription('Only this kind of action')
        .addChoices(...logKindChoices()),
    )
    .addStringOption((o) => o.setName('since').setDescription('From a day YYYY-MM-DD (server time) or a span back: 12h, 7d, 2w, 3m').setMaxLength(20));
}

/** The filters of a page, as its buttons carry them. */
interface Query {
  member: string | null;
  kind: string | null;
  since: Date | null;
}

const NONE = '-';
const b36 = (n: number) => n.toString(36);

/** admin:log:<o|n>:<page>:<at>:<id>:<member>:<kind>:<since>; numbers in base 36, `-` for no filter. */
function pageId(direction: LogCursor['direction'], page: number, entry: { at: Date; id: number }, q: Query): string {
  return customId('admin', 'log', direction === 'older' ? 'o' : 'n', page, b36(entry.at.getTime()), b36(entry.id), q.member ?? NONE, q.kind ?? NONE, q.since ? b36(q.since.getTime()) : NONE);
}

function filterOf(guildId: string, q: Query): LogFilter {
  return { guildId, targetUserId: q.member, actions: q.kind ? actionsOfChoice(q.kind) : null, since: q.since };
}

function filterWords(q: Query): string[] {
  const kindName = q.kind ? (logKindChoices().find((c) => c.value === q.kind)?.name ?? (MODERATOR_ACTIONS as Record<string, string>)[q.kind] ?? q.kind) : null;
  return [
    ...(q.member ? [`about <@${q.member}>`] : []),
    ...(kindName ? [userText(kindName, 100)] : []),
    ...(q.since ? [`since ${q.since.toISOString().slice(0, 16).replace('T', ' ')} UTC`] : []),
  ];
}

/** One page: the entries, and whether there is a page newer and older than it (each checked, never assumed). */
async function renderPage(ctx: Context, guildId: string, q: Query, cursor: LogCursor | null, page: number) {
  const filter = filterOf(guildId, q);
  const entries = await moderatorLogPage(ctx.db, filter, cursor, LOG_PAGE_SIZE + 1);
  let newest = cursor === null;
  let shown: LoggedAction[];
  let hasOlder: boolean;
  if (cursor?.direction === 'newer' && entries.length > LOG_PAGE_SIZE) {
    // The page just newer than the cursor's entry (the one asked for was older than it).
    shown = entries.slice(1);
    hasOlder = true;
  } else if (cursor?.direction === 'newer') {
    // Back at the newest entries: show the first page, full, as /admin log would.
    const top = await moderatorLogPage(ctx.db, filter, null, LOG_PAGE_SIZE + 1);
    newest = true;
    shown = top.slice(0, LOG_PAGE_SIZE);
    hasOlder = top.length > LOG_PAGE_SIZE;
  } else {
    shown = entries.slice(0, LOG_PAGE_SIZE);
    hasOlder = entries.length > LOG_PAGE_SIZE;
  }
  const first = shown[0];
  const last = shown.at(-1);
  const hasNewer = !newest && (first ? (await moderatorLogPage(ctx.db, filter, { ...first, direction: 'newer' }, 1)).length > 0 : cursor !== null);
  const pageNumber = newest ? 1 : Math.max(2, page);
  return logPageView({
    entries: shown,
    filters: filterWords(q),
    page: pageNumber,
    ...(hasNewer ? { newer: pageId('newer', pageNumber - 1, first ?? { at: cursor!.at, id: cursor!.id }, q) } : {}),
    ...(hasOlder && last ? { older: pageId('older', pageNumber + 1, last, q) } : {}),
  });
}

export const showLog: Subcommand = async (interaction, ctx) => {
  const member = interaction.options.getUser('member');
  const kind = interaction.options.getString('kind');
  if (kind !== null && actionsOfChoice(kind).length === 0) throw new UserError('Pick a kind from the list.');
  const sinceText = interaction.options.getString('since');
  let since: Date | null = null;
  if (sinceText !== null) {
    const settings = await getGuildSettings(ctx.db, interaction.guildId);
    since = parseSince(sinceText, ctx.clock.now(), settings.timezone) ?? null;
    if (!since)
      throw new UserError(`“${userText(sinceText, 20)}” is not a day or a span. Use a day YYYY-MM-DD (e.g. 2026-03-01, in the server’s time zone ${settings.timezone}) or a span back from now: 12h, 7d, 2w or 3m.`);
    if (since.getTime() > ctx.clock.now().getTime()) throw new UserError(`${userText(sinceText, 20)} has not begun yet in the server’s time zone (${settings.timezone}), so nothing is logged since then.`);
  }
  const view = await renderPage(ctx, interaction.guildId, { member: member?.id ?? null, kind, since }, null, 1);
  await interaction.reply({ ...view, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
};

/** The ◀ Newer / Older ▶ buttons of a page. */
export const logButton: ComponentHandler = async (interaction, ctx, [direction = 'o', page = '1', at = '', id = '', member = NONE, kind = NONE, since = NONE]) => {
  if (!interaction.isButton()) return;
  await requireModerator(interaction, ctx);
  const atMs = parseInt(at, 36);
  const entryId = parseInt(id, 36);
  const sinceMs = since === NONE ? null : parseInt(since, 36);
  const kindValue = kind === NONE ? null : kind;
  if (!Number.isFinite(atMs) || !Number.isFinite(entryId) || (sinceMs !== null && !Number.isFinite(sinceMs)) || (kindValue !== null && actionsOfChoice(kindValue).length === 0))
    throw new UserError('This page button is out of date. Run `/admin log` again.');
  const q: Query = { member: member === NONE ? null : member, kind: kindValue, since: sinceMs === null ? null : new Date(sinceMs) };
  const cursor: LogCursor = { at: new Date(atMs), id: entryId, direction: direction === 'n' ? 'newer' : 'older' };
  const view = await renderPage(ctx, interaction.guildId, q, cursor, Number(page) || 1);
  await interaction.update({ ...view, allowedMentions: { parse: [] } });
};
