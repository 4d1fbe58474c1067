import { OAuth2Scopes, PermissionFlagsBits, PermissionsBitField } from 'discord.js';

/**
 * The least permissions Cohort's features need, each with the reason. Nothing else is asked for:
 * no Manage * except Manage Roles (only to hand out the milestone roles moderators configure), no Mention Everyone (pings go through a role the moderators chose), no privileged intents.
 */
export const INVITE_PERMISSIONS: readonly { flag: bigint; name: string; why: string }[] = [
  { flag: PermissionFlagsBits.ViewChannel, name: 'View Channel', why: 'see the channels moderators pick for prompts, challenges and resources' },
  { flag: PermissionFlagsBits.SendMessages, name: 'Send Messages', why: 'post daily prompts, challenge announcements, resources and the welcome message' },
  { flag: PermissionFlagsBits.EmbedLinks, name: 'Embed Links', why: 'every card Cohort posts is an embed' },
  { flag: PermissionFlagsBits.AttachFiles, name: 'Attach Files', why: 'progress and streak images are uploaded as attachments' },
  { flag: PermissionFlagsBits.ReadMessageHistory, name: 'Read Message History', why: 'fetch and edit its own earlier posts (challenge and resource cards) after a restart' },
  { flag: PermissionFlagsBits.CreatePublicThreads, name: 'Create Public Threads', why: 'open a discussion thread under each prompt and challenge' },
  { flag: PermissionFlagsBits.SendMessagesInThreads, name: 'Send Messages in Threads', why: 'post reminders and results inside those threads' },
  { flag: PermissionFlagsBits.CreateEvents, name: 'Create Events', why: 'put the study sessions moderators schedule with /event in the server’s events list, and keep them up to date' },
  { flag: PermissionFlagsBits.Connect, name: 'Connect', why: 'Discord asks for it to hold a scheduled event in a voice channel (the bot never joins voice)' },
  {
    flag: PermissionFlagsBits.ManageRoles,
    name: 'Manage Roles',
    why: 'only to hand out (and, when set to, take back) the milestone roles moderators configure with /setup rewards; Discord lets it touch roles below its own role only',
  },
];

export const INVITE_SCOPES = [OAuth2Scopes.Bot, OAuth2Scopes.ApplicationsCommands] as const;

/** The permissions bitfield of the invite link. */
export function invitePermissions(): bigint {
  return INVITE_PERMISSIONS.reduce((all, p) => all | p.flag, 0n);
}

/** `https://discord.com/oauth2/authorize?client_id=…&scope=bot+applications.commands&permissions=N`. */
export function inviteUrl(clientId: string): string {
  const permissions = new PermissionsBitField(invitePermissions()).bitfield.toString();
  return `https://discord.com/oauth2/authorize?client_id=${encodeURIComponent(clientId)}&scope=${INVITE_SCOPES.join('+')}&permissions=${permissions}`;
}
