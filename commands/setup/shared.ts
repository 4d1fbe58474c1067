import { ChannelType, type APIRole, type Role } from 'discord.js';
import { canonicalTimeZone } from '../../src/domain/timezones.js';
import type { GuildChatInput } from '../../src/discord/command.js';
import { postableChannel } from '../../src/discord/channels.js';
import { UserError } from '../../src/errors.js';

/** What several /setup subcommands share: day names, the channel types they take, and the checks of a zone, a channel and a ping role. */

export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export const textChannels = [ChannelType.GuildText, ChannelType.GuildAnnouncement] as const;

/** The ping role as the reply of /setup prompts or challenges names it. */
export const pingedRole = (id: string | null) => (id ? `<@&${id}>` : 'no role');

/** The ping role a /setup prompts or challenges run sets: a role id, null (cleared) or undefined (left as it is). */
export function pingRoleChange(interaction: GuildChatInput, guildId: string): string | null | undefined {
  const role: Role | APIRole | null = interaction.options.getRole('ping_role');
  const clear = interaction.options.getBoolean('clear_ping_role') === true;
  if (role && clear) throw new UserError('Give `ping_role` or `clear_ping_role: True`, not both.');
  if (clear) return null;
  if (!role) return undefined;
  if (role.id === guildId)
    throw new UserError(
      '`@everyone` cannot be the ping role. Discord treats it as a role whose id is the server’s: I would send `<@&' +
        guildId +
        '>`, which pings nobody and shows as “@@everyone”. Pick a role members join to hear about it (e.g. @study-pings), or leave `ping_role` out.',
    );
  return role.id;
}

/** The zone's canonical IANA name (`america/new_york` → `America/New_York`), or a refusal. */
export function checkZone(zone: string): string {
  const canonical = canonicalTimeZone(zone);
  if (!canonical) throw new UserError(`“${zone.slice(0, 64)}” is not a time zone I know. Pick one from the list, e.g. Europe/Berlin or America/New_York.`);
  return canonical;
}

/** Checks that the bot can post in the channel before saving it (the jobs' own check), and says plainly what is missing. */
export async function checkedChannel(interaction: GuildChatInput, channelId: string): Promise<string> {
  const found = await postableChannel(interaction.client, interaction.guildId, { channelId, setupCommand: `/setup ${interaction.options.getSubcommand()}`, resume: 'retry' });
  if (!found.ok) throw new UserError(found.problem);
  return channelId;
}
