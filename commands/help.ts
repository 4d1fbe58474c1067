import {
  ApplicationCommandOptionType,
  MessageFlags,
  type APIEmbed,
  type APIEmbedField,
  type ApplicationCommand,
  type ApplicationCommandOption,
  type Collection,
} from 'discord.js';
import type { Context } from '../src/context.js';
import { getGuildSettings } from '../src/db/queries/settings.js';
import { missingSetup } from '../src/domain/setup.js';
import { type Command, guildCommand, type GuildChatInput } from '../src/discord/command.js';
import { requireModerator } from '../src/discord/permissions.js';
import { colors } from '../src/discord/views/theme.js';
import { UserError } from '../src/errors.js';

/** Subcommands whose description starts like this are moderator-only inside a member command. */
const MODERATOR_PREFIX = /^moderators?\s*(only)?\s*[:—-]\s*/i;

/**
 * The card is built from the commands Discord has registered for this bot (fetched once, then
 * cached by discord.js), not from commands/index.ts: that avoids an import cycle (index lists
 * help) and gives clickable </command:id> mentions of exactly what members can run.
 */
export const help: Command = {
  data: guildCommand('help', 'Every Cohort command, with one line on what it does').toJSON(),

  async execute(interaction, ctx) {
    const registered = await registeredCommands(interaction, ctx);
    const isModerator = await requireModerator(interaction, ctx).then(
      () => true,
      (error: unknown) => {
        if (error instanceof UserError) return false;
        throw error;
      },
    );

    const forMembers: string[] = [];
    const forModerators: string[] = [];
    for (const command of [...registered.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const mention = (path: string) => `</${path}:${command.id}>`;
      if (command.defaultMemberPermissions && command.defaultMemberPermissions.bitfield !== 0n) {
        forModerators.push(`${mention(command.name)} — ${command.description.replace(MODERATOR_PREFIX, '')}`);
        continue;
      }
      const moderatorSubs = subcommandsOf(command).filter((s) => MODERATOR_PREFIX.test(s.description));
      forMembers.push(`${mention(command.name)} — ${command.description}`);
      for (const sub of moderatorSubs) forModerators.push(`${mention(`${command.name} ${sub.path}`)} — ${sub.description.replace(MODERATOR_PREFIX, '')}`);
    }

    const fields = listFields('For everyone', forMembers);
    if (isModerator) {
      fields.push(...listFields('For moderators', forModerators));
      const missing = missingSetup(await getGuildSettings(ctx.db, interaction.guildId));
      fields.push({
        name: 'Still to set up in this server',
        value: missing.length ? missing.map((m) => `• ${m}`).join('\n') : 'Nothing: every feature is set up. `/setup show` lists the settings.',
      });
    }
    const embed: APIEmbed = {
      color: colors.brand,
      title: 'Cohort commands',
      description: 'Cohort runs this study group: a roadmap with your next step, daily check-ins and streaks, daily prompts and weekly challenges. Replies about you are only visible to you.',
      fields,
    };
    await interaction.reply({ embeds: [embed], flags: MessageFlags.Ephemeral });
  },
};

async function registeredCommands(interaction: GuildChatInput, ctx: Context): Promise<Collection<string, ApplicationCommand>> {
  const devGuild = ctx.config.DISCORD_DEV_GUILD_ID;
  if (devGuild && interaction.guild.id === devGuild) {
    const manager = interaction.guild.commands;
    return manager.cache.size > 0 ? manager.cache : await manager.fetch();
  }
  const manager = interaction.client.application.commands;
  return manager.cache.size > 0 ? manager.cache : await manager.fetch();
}

function subcommandsOf(command: ApplicationCommand): { path: string; description: string }[] {
  const walk = (options: readonly ApplicationCommandOption[], prefix: string): { path: string; description: string }[] =>
    options.flatMap((o) => {
      if (o.type === ApplicationCommandOptionType.Subcommand) return [{ path: `${prefix}${o.name}`, description: o.description }];
      if (o.type === ApplicationCommandOptionType.SubcommandGroup) return walk(o.options ?? [], `${prefix}${o.name} `);
      return [];
    });
  return walk(command.options, '');
}

/** `lines` as one field, split over several when they exceed Discord's 1024-character field limit. */
function listFields(name: string, lines: string[]): APIEmbedField[] {
  const fields: APIEmbedField[] = [];
  if (lines.length === 0) return fields;
  let chunk: string[] = [];
  let first = true;
  const flush = () => {
    fields.push({ name: first ? name : `${name} (more)`, value: chunk.join('\n') });
    first = false;
    chunk = [];
  };
  for (const line of lines) {
    if (chunk.length > 0 && [...chunk, line].join('\n').length > 1024) flush();
    chunk.push(line.length > 1024 ? `${line.slice(0, 1023)}…` : line);
  }
  flush();
  return fields;
}
