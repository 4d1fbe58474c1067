/**
 * Private threads (study pods): who is in each thread. A thread's creator is in it; PUT
 * /channels/{thread}/thread-members/{user} adds a member; a message in a private thread that
 * mentions a member (and is allowed to ping them by allowed_mentions) adds them, as Discord does,
 * when they can see the parent channel.
 */
import { HttpError } from './errors.js';
import { THREAD_TYPES, type Channel, type Obj } from './model.js';
import { Perm, permissionsFor, type PermissionState } from './permissions.js';

export class ThreadMembers {
  private readonly members = new Map<string, Set<string>>();

  /** `state` is the fake's world (state.ts, which owns this registry): only its permission and member lookups are used here. */
  constructor(private readonly state: PermissionState & { memberOf(guildId: string, userId: string): unknown }) {}

  of(threadId: string): string[] {
    return [...(this.members.get(threadId) ?? [])];
  }

  /** Adds a user to a thread; refuses a user who is not in the server (10007) or a channel that is not a thread (50024). */
  add(thread: Channel, userId: string): void {
    if (!THREAD_TYPES.has(thread.type)) throw new HttpError(400, 50024);
    if (!thread.guild_id || !this.state.memberOf(thread.guild_id, userId)) throw new HttpError(404, 10007);
    if (thread.thread_metadata?.archived) throw new HttpError(400, 50083);
    let set = this.members.get(thread.id);
    if (!set) this.members.set(thread.id, (set = new Set()));
    set.add(userId);
  }

  /** Sets who is in a thread, as it was (a restored world snapshot). */
  set(threadId: string, userIds: readonly string[]): void {
    this.members.set(threadId, new Set(userIds));
  }

  remove(thread: Channel, userId: string): void {
    this.members.get(thread.id)?.delete(userId);
  }

  /** The creator joins the thread it created. */
  created(thread: Channel, creatorId: string): void {
    this.members.set(thread.id, new Set([creatorId]));
  }

  /** A message posted in a private thread: users it may ping and who can see the parent channel join. */
  mentioned(thread: Channel, body: Obj): void {
    if (thread.type !== 12 || typeof body.content !== 'string') return;
    const ids = [...body.content.matchAll(/<@!?(\d+)>/g)].map((m) => m[1]!);
    const allowed = body.allowed_mentions as { parse?: string[]; users?: string[] } | undefined;
    const pingable = (id: string) => !allowed || (allowed.parse ?? []).includes('users') || (allowed.users ?? []).includes(id);
    for (const id of ids) {
      if (!pingable(id) || !thread.guild_id || !this.state.memberOf(thread.guild_id, id)) continue;
      if (thread.parent_id && (permissionsFor(this.state, thread.parent_id, id) & Perm.ViewChannel) === 0n) continue;
      this.add(thread, id);
    }
  }
}
