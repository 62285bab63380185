/** Gossip topic kinds of DESIGN.md §5 that exist once per network. */
export const GLOBAL_TOPIC_KINDS = [
  "beacon_block",
  "beacon_aggregate",
  "crosslink",
  "slashing",
  "voluntary_exit",
  "deposit",
] as const;
/** Gossip topic kinds that exist once per shard: topic name `shard_{s}_{suffix}`. */
export const SHARD_TOPIC_KINDS = ["shard_block", "shard_tx", "shard_attestation", "shard_receipts"] as const;

export type GlobalTopicKind = (typeof GLOBAL_TOPIC_KINDS)[number];
export type ShardTopicKind = (typeof SHARD_TOPIC_KINDS)[number];
export type TopicKind = GlobalTopicKind | ShardTopicKind;

/** One concrete gossip topic: a global kind, or a shard kind with its shard number. */
export type GossipTopic = { kind: GlobalTopicKind } | { kind: ShardTopicKind; shard: number };

export function isShardTopicKind(kind: string): kind is ShardTopicKind {
  return (SHARD_TOPIC_KINDS as readonly string[]).includes(kind);
}

export function isGlobalTopicKind(kind: string): kind is GlobalTopicKind {
  return (GLOBAL_TOPIC_KINDS as readonly string[]).includes(kind);
}

/** Topic name inside the topic string: `beacon_block`, `shard_3_tx`, ... */
export function topicName(topic: GossipTopic): string {
  if ("shard" in topic) {
    if (!Number.isSafeInteger(topic.shard) || topic.shard < 0) {
      throw new RangeError(`shard must be a non-negative integer, got ${topic.shard}`);
    }
    return `shard_${topic.shard}_${topic.kind.slice("shard_".length)}`;
  }
  return topic.kind;
}

/** `/shardnet/{fork_digest}/{name}/ssz` */
export function topicString(forkDigest: string, topic: GossipTopic): string {
  return `/shardnet/${forkDigest}/${topicName(topic)}/ssz`;
}

const TOPIC_RE = /^\/shardnet\/([0-9a-fA-F]+)\/([a-z_0-9]+)\/ssz$/;
const SHARD_NAME_RE = /^shard_(\d+)_(block|tx|attestation|receipts)$/;

/** Parses a topic string back into fork digest and topic; returns null for anything not ours. */
export function parseTopicString(topic: string): { forkDigest: string; topic: GossipTopic } | null {
  const m = TOPIC_RE.exec(topic);
  if (m === null) return null;
  const forkDigest = m[1]!;
  const name = m[2]!;
  if (isGlobalTopicKind(name)) return { forkDigest, topic: { kind: name } };
  const s = SHARD_NAME_RE.exec(name);
  if (s === null) return null;
  return { forkDigest, topic: { kind: `shard_${s[2]}` as ShardTopicKind, shard: Number(s[1]) } };
}

/** Every topic string of a network with `shardCount` shards (used to set per-topic score parameters). */
export function allTopicStrings(forkDigest: string, shardCount: number): string[] {
  const out = GLOBAL_TOPIC_KINDS.map((kind) => topicString(forkDigest, { kind }));
  for (let shard = 0; shard < shardCount; shard++) {
    for (const kind of SHARD_TOPIC_KINDS) out.push(topicString(forkDigest, { kind, shard }));
  }
  return out;
}

/** The topic strings of all `shard_{s}_*` topics for the given shards. */
export function shardTopicStrings(forkDigest: string, shards: Iterable<number>): string[] {
  const out: string[] = [];
  for (const shard of shards) {
    for (const kind of SHARD_TOPIC_KINDS) out.push(topicString(forkDigest, { kind, shard }));
  }
  return out;
}
