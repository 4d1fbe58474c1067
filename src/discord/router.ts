import { randomBytes } from 'node:crypto';
import {
  DiscordAPIError,
  MessageFlags,
  type AutocompleteInteraction,
  type Interaction,
  type RepliableInteraction,
} from 'discord.js';
import type { Context } from '../context.js';
import { DATABASE_FAULT_MESSAGES, databaseFault } from '../db/faults.js';
import { UserError } from '../errors.js';
import { answerInTime, DEFER_AFTER_MS } from './answer.js';
import { ownEntry, type Command, type CommandOf } from './command.js';
import { tellDigestDmClosedOnce } from './digest-notice.js';
import type { InteractionRecord, Outcome } from './interaction-record.js';

export interface RouterOptions {
  /** Called once per handled interaction (metrics). */
  onHandled?: (record: InteractionRecord) => void;
  /** How long an interaction may go unanswered before the router defers it (tests shorten it). */
  deferAfterMs?: number;
}

/**
 * The one interaction router: finds the handler, runs it, and owns the single error path.
 * `UserError`s are shown as written; anything else is logged with an error id and the member
 * sees a short apology carrying that id; a database that does not answer is told as such, saying
 * whether anything was saved (src/db/faults.ts). No stack or driver message ever reaches Discord.
 * It also owns the one deadline: an interaction unanswered after DEFER_AFTER_MS is deferred
 * (answerInTime, src/discord/answer.ts), and the handler's answer becomes the edit.
 */
export function createRouter(commands: readonly Command[], appCtx: Context, options: RouterOptions = {}) {
  const ctx = appCtx;
  const byName = new Map(commands.map((c) => [c.data.name, c]));

  return async function route(interaction: Interaction): Promise<void> {
    const started = performance.now();
    const { name, kind } = describe(interaction);
    // Who and what, on every line about this interaction: the one line at its end, and an error's
    // (a child logger only when there is one: pino serialises a child's bindings when it is made).
    const about = { interactionId: interaction.id, command: name, kind, guildId: interaction.guildId, userId: interaction.user.id };
    let outcome: Outcome = 'ok';
    const command = byName.get(name);
    const inTime = answerInTime(interaction, {
      ephemeral: visibilityOf(command, interaction) === 'private',
      deferAfterMs: deferAfter(interaction, options.deferAfterMs ?? DEFER_AFTER_MS),
      logger: ctx.logger,
    });
    try {
      if (!command) throw new UserError('That command is no longer available. Discord may still be showing an old version; try again in a minute.');
      if (interaction.inCachedGuild()) {
        // From here on every handler gets a guild-typed interaction: guildId, guild and member are there,
        // and the context's content is this server's (the built-in content with the server's own over it).
        if (command.content) await serve(command, interaction, { ...appCtx, content: await appCtx.contents.forGuild(interaction.guildId) });
        else await serve(command, interaction, appCtx);
      } else if (!interaction.inGuild() && interaction.isButton()) {
        const [, action = '', ...args] = interaction.customId.split(':');
        const handler = ownEntry(command.dmButtons ?? {}, action);
        if (!handler) throw new UserError(OUTSIDE_SERVER);
        await handler(interaction, ctx, args);
      } else if (interaction.inGuild()) {
        throw new UserError(NOT_A_MEMBER);
      } else {
        throw new UserError(OUTSIDE_SERVER);
      }
    } catch (error) {
      inTime.done();
      outcome = error instanceof UserError ? 'user_error' : databaseFault(error) ? 'unavailable' : 'error';
      await inTime.settled();
      await fail(interaction, error, ctx.logger.child(about));
    } finally {
      inTime.done();
      const durationMs = Math.round((performance.now() - started) * 100) / 100;
      ctx.logger.info({ ...about, outcome, durationMs }, 'interaction handled');
      options.onHandled?.({ command: name, kind, outcome, durationMs });
    }
  };
}

/** Runs the handler of an interaction from a cached server, with the context its command declared. */
async function serve<C extends Context>(command: CommandOf<C>, interaction: Interaction<'cached'>, ctx: C): Promise<void> {
  if (interaction.isChatInputCommand()) {
    await command.execute(interaction, ctx);
    await tellDigestDmClosedOnce(interaction, ctx);
  } else if (interaction.isAutocomplete()) {
    await command.autocomplete?.(interaction, ctx);
  } else if (interaction.isMessageComponent() || interaction.isModalSubmit()) {
    const [, action = '', ...args] = interaction.customId.split(':');
    const handler = ownEntry(command.components ?? {}, action);
    if (!handler) throw new UserError('This button has expired. Run the command again.');
    await handler(interaction, ctx, args);
  }
}

const OUTSIDE_SERVER = 'Cohort works inside a server. Use its commands in your study group’s channels.';

/**
 * An interaction from a server whose data the bot does not have: it was added without its bot
 * user (only the commands scope), or Discord has not sent the server yet (an outage, a restart).
 */
const NOT_A_MEMBER =
  'Cohort can’t see this server yet. Either it was added without its bot user (a server manager can add it again with the invite link in the README; nothing is lost), or Discord is still loading the server: try again in a minute.';

/**
 * How long from now the router waits before deferring: `limit` from when Discord created the
 * interaction (its snowflake), so that one that waited in the process (for the database to open at
 * start-up, say) is deferred sooner, and never more than `limit` from now (a clock behind Discord's).
 */
function deferAfter(interaction: Interaction, limit: number): number {
  return Math.max(0, Math.min(limit, interaction.createdTimestamp + limit - Date.now()));
}

/** Whether a slash command's replies are private (the default): its deferral must match. */
function visibilityOf(command: Command | undefined, interaction: Interaction): 'private' | 'public' {
  const declared = command?.replies;
  if (typeof declared !== 'function') return declared ?? 'private';
  return interaction.isChatInputCommand() && interaction.inCachedGuild() ? declared(interaction) : 'private';
}

function describe(interaction: Interaction): { name: string; kind: InteractionRecord['kind'] } {
  if (interaction.isChatInputCommand()) return { name: interaction.commandName, kind: 'command' };
  if (interaction.isAutocomplete()) return { name: interaction.commandName, kind: 'autocomplete' };
  if (interaction.isMessageComponent()) return { name: interaction.customId.split(':')[0] ?? '', kind: 'component' };
  if (interaction.isModalSubmit()) return { name: interaction.customId.split(':')[0] ?? '', kind: 'modal' };
  return { name: 'unknown', kind: 'command' };
}

async function fail(interaction: Interaction, error: unknown, log: Context['logger']): Promise<void> {
  let message: string;
  const fault = databaseFault(error);
  if (error instanceof UserError) {
    message = error.message;
    log.debug({ reason: error.message }, 'user error');
  } else if (fault) {
    // An outage, not a bug: no error id to quote; the health check and the database's own logs tell the operator.
    log.warn({ err: error, fault }, 'database did not answer');
    // The handler had already given its answer (e.g. a check-in confirmed, then its rewards failed):
    // that answer stands, and "nothing was saved" would be false.
    if (interaction.isRepliable() && interaction.replied) return;
    message = DATABASE_FAULT_MESSAGES[fault];
  } else {
    const errorId = randomBytes(4).toString('hex');
    log.error({ err: error, errorId }, 'interaction failed');
    message = `Something went wrong on our side, sorry. If it keeps happening, tell a moderator the error id \`${errorId}\`.`;
  }
  try {
    if (interaction.isAutocomplete()) await respondEmpty(interaction);
    else if (interaction.isRepliable()) await tell(interaction, message);
  } catch (replyError) {
    // The interaction may have expired (10062) or Discord may be down: nothing more to show.
    const code = replyError instanceof DiscordAPIError ? replyError.code : undefined;
    log.warn({ err: replyError, code }, 'could not tell the member about the error');
  }
}

async function respondEmpty(interaction: AutocompleteInteraction): Promise<void> {
  if (!interaction.responded) await interaction.respond([]);
}

async function tell(interaction: RepliableInteraction, content: string): Promise<void> {
  const payload = { content, allowedMentions: { parse: [] } };
  // A deferred slash command shows its "thinking…" placeholder: replace it. A deferred button
  // update must not overwrite the card it belongs to, so it gets a private follow-up instead.
  if (interaction.deferred && !interaction.replied && interaction.isChatInputCommand()) await interaction.editReply({ ...payload, embeds: [], components: [], files: [] });
  else if (interaction.replied || interaction.deferred) await interaction.followUp({ ...payload, flags: MessageFlags.Ephemeral });
  else await interaction.reply({ ...payload, flags: MessageFlags.Ephemeral });
}
