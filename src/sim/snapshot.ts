/**
 * The fake's world as JSON, and back: users, servers (roles, members), channels (threads, DMs),
 * messages, voice states, private-thread members and closed DMs. The console keeps it beside its
 * database so that a second run finds the channels, members and messages the first one made (the
 * database refers to them). Commands and interactions are left out: the bot registers its commands
 * again at login, and an interaction's token does not outlive its session.
 */
import { clone, type WorldSnapshot } from './model.js';
import type { SimState } from './state.js';

export function snapshotWorld(state: SimState): WorldSnapshot {
  return clone({
    version: 1 as const,
    appId: state.appId,
    users: [...state.users.values()],
    guilds: [...state.guilds.values()],
    channels: [...state.channels.values()],
    messages: [...state.messages].flatMap(([channelId, stored]) => stored.map(({ msg, viaInteraction }) => ({ channelId, msg, viaInteraction }))),
    voiceStates: [...state.voiceStates].map(([guildId, states]) => ({ guildId, states: [...states.values()] })),
    threadMembers: [...state.channels.keys()].map((threadId) => ({ threadId, userIds: state.threadMembers.of(threadId) })).filter((t) => t.userIds.length > 0),
    dmsClosed: [...state.dmsClosed],
  });
}

/**
 * Puts a snapshot's world in place of this one. Only before a bot connects (nothing is dispatched),
 * and only with the snapshot's app id: the bot's own user, role and messages carry it.
 */
export function restoreWorld(state: SimState, snapshot: WorldSnapshot): void {
  if (snapshot.version !== 1) throw new Error(`fake-discord: cannot restore a world snapshot of version ${String(snapshot.version)}`);
  if (snapshot.appId !== state.appId) throw new Error(`fake-discord: the snapshot is of application ${snapshot.appId}, this fake is ${state.appId}`);
  if (state.gateway.connected(undefined)) throw new Error('fake-discord: restore the world before the bot connects');
  const world = clone(snapshot);
  for (const user of world.users) state.users.set(user.id, user);
  state.guilds.clear();
  for (const guild of world.guilds) state.guilds.set(guild.id, guild);
  state.channels.clear();
  state.messages.clear();
  for (const channel of world.channels) {
    state.channels.set(channel.id, channel);
    state.messages.set(channel.id, []);
  }
  for (const { channelId, msg, viaInteraction } of world.messages) state.messages.get(channelId)?.push({ msg, viaInteraction });
  state.voiceStates.clear();
  for (const { guildId, states } of world.voiceStates) state.voiceStates.set(guildId, new Map(states.map((s) => [String(s.user_id), s])));
  for (const { threadId, userIds } of world.threadMembers) state.threadMembers.set(threadId, userIds);
  state.dmsClosed.clear();
  for (const id of world.dmsClosed) state.dmsClosed.add(id);
}
