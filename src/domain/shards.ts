/**
 * Which gateway shards a process runs, and whether two processes' shards overlap (pure; the
 * leases in db/queries/leases.ts apply it). A process without SHARD_COUNT runs the whole bot
 * (`count: null`); with SHARD_COUNT and no SHARD_IDS, every shard of that count (`ids: null`).
 */
export interface ShardSet {
  count: number | null;
  ids: readonly number[] | null;
}

/** The shards named by SHARD_COUNT / SHARD_IDS (discord.js runs all shards of the count without SHARD_IDS). */
export function shardSetOf(config: { SHARD_COUNT?: number | undefined; SHARD_IDS?: readonly number[] | undefined }): ShardSet {
  if (!config.SHARD_COUNT) return { count: null, ids: null };
  return { count: config.SHARD_COUNT, ids: config.SHARD_IDS ? [...new Set(config.SHARD_IDS)].sort((a, b) => a - b) : null };
}

function idsOf(set: ShardSet): readonly number[] | null {
  if (set.count === null) return null;
  return set.ids ?? Array.from({ length: set.count }, (_, i) => i);
}

/**
 * The part of `mine` that `theirs` also runs, in words ("shard 1", "shards 0 and 1", "every
 * shard"), or undefined when they do not overlap. Two processes with different shard counts
 * split the servers differently, so any pair of them overlaps (a server of one's shard 0 may be
 * in the other's shard 1): that is said too.
 */
export function shardOverlap(mine: ShardSet, theirs: ShardSet): string | undefined {
  if (mine.ids?.length === 0 || theirs.ids?.length === 0) return undefined; // leases no shard (see LeaseIdentity.leaseShards)
  const a = idsOf(mine);
  const b = idsOf(theirs);
  if (a === null || b === null) return a === null && b === null ? 'the whole bot (neither process has SHARD_COUNT)' : 'the whole bot (one of the two processes has no SHARD_COUNT, so it runs every shard)';
  if (mine.count !== theirs.count) return `shards ${describeIds(a)} of ${mine.count} (that process splits the bot into ${theirs.count} shards instead; every process needs the same SHARD_COUNT)`;
  const common = a.filter((id) => b.includes(id));
  if (common.length === 0) return undefined;
  return common.length === 1 ? `shard ${common[0]}` : `shards ${describeIds(common)}`;
}

/** "0", "0 and 1", "0, 1 and 2". */
export function describeIds(ids: readonly number[]): string {
  if (ids.length <= 1) return ids.join('');
  return `${ids.slice(0, -1).join(', ')} and ${ids.at(-1)}`;
}

/** How a shard set reads in a log line. */
export function describeShardSet(set: ShardSet): string {
  if (set.count === null) return 'the whole bot';
  return set.ids ? `shard${set.ids.length === 1 ? '' : 's'} ${describeIds(set.ids)} of ${set.count}` : `all ${set.count} shards`;
}
