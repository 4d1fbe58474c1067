import { DiscordAPIError, MessageFlags, type Interaction } from 'discord.js';
import { UserError } from '../errors.js';
import type { Logger } from '../logger.js';

/**
 * Discord drops an interaction whose first answer comes more than 3 s after it was created (10062).
 * An interaction not answered this long after the bot received it is deferred by the router
 * (answerInTime), leaving the rest of the 3 s for the gateway's delivery and the deferral's round trip.
 */
export const DEFER_AFTER_MS = 1_500;

/** Discord's "Interaction has already been acknowledged". */
const ALREADY_ACKNOWLEDGED = 40_060;

/** How the router deferred: a "thinking…" reply to edit in later, or a component's message to update later. */
type Deferral = 'reply' | 'update';

export interface InTime {
  /** Resolves once no acknowledgement is in flight (the error path answers after it). */
  settled(): Promise<void>;
  /** The handler is done: no deferral from now on. */
  done(): void;
}

export interface InTimeOptions {
  /** Whether the reply will be visible to the member only: a deferred reply keeps the visibility it was deferred with. */
  ephemeral: boolean;
  deferAfterMs?: number;
  logger: Logger;
}

type Method = (...args: unknown[]) => Promise<unknown>;

/**
 * The one deadline rule for every repliable interaction. The handler answers as usual (reply,
 * update, deferReply, deferUpdate, showModal); when it has not answered DEFER_AFTER_MS after the
 * interaction arrived, the router defers in its place, and the handler's answer becomes the
 * follow-on call Discord accepts:
 *
 * | the router deferred with   | handler's reply  | update     | deferReply / deferUpdate | showModal |
 * | deferReply (slash command, modal not on a message) | editReply | editReply | nothing (already done) | impossible |
 * | deferUpdate (button, select, modal on a message)   | followUp  | editReply | nothing / refused      | impossible |
 *
 * A modal must be the first answer, so a handler that shows one shows it before any slow work
 * (a database call): the router cannot defer a modal. One queue per interaction carries the
 * acknowledgements (the router's deferral and the handler's first answer), so a timer firing while
 * the handler's answer is on its way waits for it and then does nothing: never two
 * acknowledgements. A 40060 ("already acknowledged") answering an acknowledgement is a success:
 * discord.js retried a callback after a 5xx that Discord had in fact processed.
 */
export function answerInTime(interaction: Interaction, options: InTimeOptions): InTime {
  if (!interaction.isRepliable()) return { settled: () => Promise.resolve(), done: () => {} };
  const target = interaction;
  const original = {
    reply: target.reply.bind(target) as Method,
    deferReply: target.deferReply.bind(target) as Method,
    editReply: target.editReply.bind(target) as Method,
    followUp: target.followUp.bind(target) as Method,
    deferUpdate: 'deferUpdate' in target ? (target.deferUpdate.bind(target) as Method) : undefined,
    update: 'update' in target ? (target.update.bind(target) as Method) : undefined,
    showModal: 'showModal' in target ? (target.showModal.bind(target) as Method) : undefined,
  };
  const deferral: Deferral = target.isMessageComponent() || (target.isModalSubmit() && target.isFromMessage()) ? 'update' : 'reply';
  let deferredByRouter = false;
  let finished = false;
  let queue: Promise<unknown> = Promise.resolve();
  const acknowledged = () => target.deferred || target.replied;

  /** Runs `op` after every acknowledgement queued before it. */
  const serially = <T>(op: () => Promise<T>): Promise<T> => {
    const run = queue.then(op);
    queue = run.catch(() => undefined);
    return run;
  };

  /** A callback; 40060 means an earlier attempt of it was taken, so mark the interaction as that attempt would have. */
  const acknowledge = async (call: () => Promise<unknown>, after: 'deferred' | 'replied', ephemeral?: boolean): Promise<unknown> => {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof DiscordAPIError && error.code === ALREADY_ACKNOWLEDGED)) throw error;
      options.logger.debug({ interactionId: target.id }, 'acknowledgement already taken by Discord (a retried callback): a success');
      target[after] = true;
      if (ephemeral !== undefined) target.ephemeral = ephemeral;
      return undefined;
    } finally {
      if (acknowledged()) clearTimeout(timer);
    }
  };

  const ephemeralIn = (payload: unknown): boolean | undefined => {
    if (typeof payload !== 'object' || payload === null || !('flags' in payload)) return false;
    const flags = (payload as { flags?: unknown }).flags;
    return typeof flags === 'number' || typeof flags === 'bigint' ? (BigInt(flags) & BigInt(MessageFlags.Ephemeral)) !== 0n : undefined;
  };
  const checkVisibility = (payload: unknown) => {
    const ephemeral = ephemeralIn(payload);
    if (ephemeral !== undefined && ephemeral !== options.ephemeral)
      options.logger.warn({ interactionId: target.id, declared: options.ephemeral ? 'private' : 'public' }, 'reply visibility differs from its command’s declaration (a deferred reply keeps the declared one)');
  };
  const withoutFlags = (payload: unknown): unknown => {
    if (typeof payload !== 'object' || payload === null) return payload;
    const { flags: _flags, ...rest } = payload as Record<string, unknown>;
    return rest;
  };

  const patch = target as unknown as Record<string, Method>;
  patch.reply = (payload: unknown) =>
    serially(() => {
      if (target.isChatInputCommand()) checkVisibility(payload);
      if (!acknowledged()) return acknowledge(() => original.reply(payload), 'replied', ephemeralIn(payload) ?? false);
      if (deferredByRouter && deferral === 'reply') return original.editReply(withoutFlags(payload));
      if (deferredByRouter) return original.followUp(payload);
      return original.reply(payload); // discord.js refuses a second reply, as it should
    });
  patch.deferReply = (payload: unknown) =>
    serially(async () => {
      if (!acknowledged()) return acknowledge(() => original.deferReply(payload), 'deferred', ephemeralIn(payload) ?? false);
      if (deferredByRouter && deferral === 'reply') return undefined;
      if (deferredByRouter) throw new Error('deferReply after the router deferred the update: a component handler answers with update or reply');
      return original.deferReply(payload);
    });
  if (original.deferUpdate) {
    const deferUpdate = original.deferUpdate;
    patch.deferUpdate = (payload: unknown) =>
      serially(async () => {
        if (!acknowledged()) return acknowledge(() => deferUpdate(payload), 'deferred');
        if (deferredByRouter && deferral === 'update') return undefined;
        return deferUpdate(payload);
      });
  }
  if (original.update) {
    const update = original.update;
    patch.update = (payload: unknown) =>
      serially(() => {
        if (!acknowledged()) return acknowledge(() => update(payload), 'replied');
        if (deferredByRouter) return original.editReply(payload);
        return update(payload);
      });
  }
  if (original.showModal) {
    const showModal = original.showModal;
    patch.showModal = (modal: unknown, more: unknown) =>
      serially(() => {
        if (!acknowledged()) return acknowledge(() => showModal(modal, more), 'replied');
        // A handler shows its modal before any slow work; when even that was too slow, the member presses again.
        if (deferredByRouter) throw new UserError('That took too long to open its form. Please press the button again.');
        return showModal(modal, more);
      });
  }

  const defer = () =>
    serially(async () => {
      if (finished || acknowledged()) return;
      deferredByRouter = true;
      if (deferral === 'update' && original.deferUpdate) await acknowledge(() => original.deferUpdate!({}), 'deferred');
      else await acknowledge(() => original.deferReply(options.ephemeral ? { flags: MessageFlags.Ephemeral } : {}), 'deferred', options.ephemeral);
    }).catch((error: unknown) => {
      // Too late already (10062) or Discord is unreachable: the handler's own answer will fail the same way, and the router's error path logs it.
      options.logger.warn({ err: error, interactionId: target.id, code: error instanceof DiscordAPIError ? error.code : undefined }, 'could not defer a slow interaction');
    });
  const timer = setTimeout(() => void defer(), options.deferAfterMs ?? DEFER_AFTER_MS);

  return {
    settled: () => queue.then(() => undefined),
    done() {
      finished = true;
      clearTimeout(timer);
    },
  };
}
