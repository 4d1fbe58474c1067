import {
  ApplicationIntegrationType,
  InteractionContextType,
  SlashCommandBuilder,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type MessageComponentInteraction,
  type ModalSubmitInteraction,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { ContentContext, Context } from '../context.js';
import { UserError } from '../errors.js';
import { requireModerator } from './permissions.js';

/**
 * Interactions as handlers receive them: from a server the bot is in and has cached, so that
 * `guildId`, `guild` and `member` are always there (the router narrows with `inCachedGuild()`).
 */
export type GuildChatInput = ChatInputCommandInteraction<'cached'>;
export type GuildAutocomplete = AutocompleteInteraction<'cached'>;
export type GuildComponent = MessageComponentInteraction<'cached'> | ModalSubmitInteraction<'cached'>;

export type ComponentHandler<C extends Context = Context> = (interaction: GuildComponent, ctx: C, args: string[]) => Promise<void>;

/** A button on a DM the bot sent: no guild, so its custom id carries the guild id. */
export type DmButtonHandler = (interaction: ButtonInteraction, ctx: Context, args: string[]) => Promise<void>;

/**
 * One slash command: its definition and its handlers. Buttons, selects and modals it sends
 * carry custom ids `<command name>:<action>:<args…>` and come back to `components[action]`.
 * A command whose handlers read content declares `content: true`: the router then reads its
 * server's content (one database read, src/content/store.ts) before they run and hands them a
 * ContentContext. Without it no content is looked up, and `ctx.content` does not exist (a type error).
 */
export type Command = (CommandOf<Context> & { content?: false }) | (CommandOf<ContentContext> & { content: true });

/** A command whose handlers get a context of type C. */
export interface CommandOf<C extends Context> {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(interaction: GuildChatInput, ctx: C): Promise<void>;
  autocomplete?(interaction: GuildAutocomplete, ctx: C): Promise<void>;
  components?: Record<string, ComponentHandler<C>>;
  /** The only interactions served outside a server: buttons on DMs the bot sends (the digest's Stop these). */
  dmButtons?: Record<string, DmButtonHandler>;
  /**
   * Who sees the command's replies: only the member who ran it ('private', the default) or the
   * channel ('public'); a function when it depends on the subcommand or options. The router's
   * deferral of a slow reply ("thinking…") takes this visibility, which the reply cannot change later.
   */
  replies?: Visibility | ((interaction: GuildChatInput) => Visibility);
}

export type Visibility = 'private' | 'public';

/**
 * The start of every Cohort command: a slash command that exists only inside servers where the
 * bot is installed (Discord hides it in DMs and in other apps' contexts).
 */
export function guildCommand(name: string, description: string): SlashCommandBuilder {
  return new SlashCommandBuilder()
    .setName(name)
    .setDescription(description)
    .setContexts(InteractionContextType.Guild)
    .setIntegrationTypes(ApplicationIntegrationType.GuildInstall);
}

/** Builds a custom id that the router routes back to `command.components[action]`. */
export function customId(command: string, action: string, ...args: (string | number)[]): string {
  const id = [command, action, ...args].join(':');
  if (id.length > 100) throw new Error(`custom id too long (${id.length} > 100): ${id}`);
  return id;
}

/** A subcommand's handler; `extra` is what its command reads once for all of them (e.g. the guild settings). */
export type Subcommand<Extra extends unknown[] = [], C extends Context = Context> = (interaction: GuildChatInput, ctx: C, ...extra: Extra) => Promise<void>;

/** The entry of a dispatch table (subcommands, a command's buttons) for a name, or undefined: never an inherited property such as `toString` (custom ids come from the client). */
export function ownEntry<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * A command's subcommands by name (`group sub` for a subcommand in a group): those anyone in the
 * server may run, and those for moderators only.
 */
export interface SubcommandTables<S> {
  members?: Readonly<Record<string, S>>;
  /** Moderator rights are checked before these run (requireModerator), whatever Discord's command permissions say. */
  moderators?: Readonly<Record<string, S>>;
}

/** The name a subcommand has in a SubcommandTables: `group sub` inside a group, else `sub`. */
export function subcommandName(interaction: GuildChatInput): string {
  const group = interaction.options.getSubcommandGroup();
  const sub = interaction.options.getSubcommand();
  return group ? `${group} ${sub}` : sub;
}

/**
 * The one subcommand dispatch: the handler of the interaction's subcommand, after checking moderator
 * rights when it is a moderator's. An unknown name (an old registration Discord still shows) is a
 * UserError naming the command.
 */
export async function chooseSubcommand<S>(interaction: GuildChatInput, ctx: Context, tables: SubcommandTables<S>): Promise<S> {
  const name = subcommandName(interaction);
  const moderated = tables.moderators && ownEntry(tables.moderators, name);
  if (moderated) {
    await requireModerator(interaction, ctx);
    return moderated;
  }
  const open = tables.members && ownEntry(tables.members, name);
  if (open) return open;
  throw new UserError(`Unknown /${interaction.commandName} option.`);
}

/** chooseSubcommand for subcommands that take nothing more, then runs it. */
export async function runSubcommand<C extends Context>(interaction: GuildChatInput, ctx: C, tables: SubcommandTables<Subcommand<[], C>>): Promise<void> {
  const run = await chooseSubcommand(interaction, ctx, tables);
  return run(interaction, ctx);
}
