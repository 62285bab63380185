import { createHash } from "node:crypto";
import type { GossipSub, GossipsubMessage, Message, PublishResult } from "@libp2p/gossipsub";
import type { PublishOpts } from "@libp2p/gossipsub/types";
import type { P2pMetrics } from "./metrics.js";
import {
  GLOBAL_TOPIC_KINDS,
  type GossipTopic,
  parseTopicString,
  shardTopicStrings,
  type TopicKind,
  topicName,
  topicString,
} from "./topics.js";
import { ValidationQueue } from "./validationQueue.js";

export type ValidationResult = "accept" | "ignore" | "reject";

/**
 * What a caller registers for one topic kind. The p2p layer size-checks, decodes and validates every incoming
 * message with it before gossipsub may forward the message; it knows nothing about what the bytes mean.
 */
export interface GossipHandler<T> {
  /** Messages larger than this are rejected (the sender is penalised) without decoding. */
  maxBytes: number;
  /** Decodes the bytes, e.g. an SSZ type's `deserialize`; throwing rejects the message. */
  decode(bytes: Uint8Array): T;
  /** Decides whether the message is forwarded ("accept"), dropped ("ignore") or dropped and penalised ("reject"). */
  validate(msg: T, from: string, topic: GossipTopic): ValidationResult | Promise<ValidationResult>;
  /** Called after an accepted message was handed back to gossipsub for forwarding. */
  onAccepted?(msg: T, from: string, topic: GossipTopic): void | Promise<void>;
  /** Validations of this kind running at once (default 16). */
  maxConcurrency?: number;
  /** Messages of this kind waiting for validation before new ones are ignored (default 4096). */
  maxQueueLength?: number;
}

/** The gossipsub router methods we use beyond the `GossipSub` interface (they exist on the router class). */
export interface GossipRouter extends GossipSub {
  publish(topic: string, data: Uint8Array, opts?: PublishOpts): Promise<PublishResult>;
  reportMessageValidationResult(msgId: string, propagationSource: string, acceptance: ValidationResult): void;
  getScore(peerId: string): number;
  getMeshPeers(topic: string): string[];
}

export function asGossipRouter(service: GossipSub): GossipRouter {
  const router = service as Partial<GossipRouter>;
  if (
    typeof router.reportMessageValidationResult !== "function" ||
    typeof router.getScore !== "function" ||
    typeof router.getMeshPeers !== "function"
  ) {
    throw new Error(
      "gossipsub service lacks reportMessageValidationResult/getScore/getMeshPeers; check @libp2p/gossipsub version",
    );
  }
  return service as GossipRouter;
}

/** Gossip message id: first 20 bytes of sha256(data) (messages are unsigned, StrictNoSign). */
export function messageIdOf(msg: Message): Uint8Array {
  return createHash("sha256").update(msg.data).digest().subarray(0, 20);
}

export function messageIdToString(id: Uint8Array): string {
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString("base64");
}

/** Validation glue, publishing and topic subscriptions on top of one gossipsub router. */
export class GossipLayer {
  private readonly handlers = new Map<
    TopicKind,
    { handler: GossipHandler<unknown>; queue: ValidationQueue }
  >();
  private readonly topicCache = new Map<string, { topic: GossipTopic; label: string } | null>();
  private trackedShards = new Set<number>();

  constructor(
    private readonly router: GossipRouter,
    readonly forkDigest: string,
    private readonly metrics: P2pMetrics,
    private readonly onError?: (err: unknown, context: string) => void,
  ) {
    router.addEventListener("gossipsub:message", (evt) => this.onMessage(evt.detail));
  }

  /** Registers (or replaces) the handler for one topic kind; for shard kinds it serves every shard. */
  registerHandler<T>(kind: TopicKind, handler: GossipHandler<T>): void {
    this.handlers.set(kind, {
      handler: handler as GossipHandler<unknown>,
      queue: new ValidationQueue(handler.maxConcurrency ?? 16, handler.maxQueueLength ?? 4096),
    });
  }

  topicString(topic: GossipTopic): string {
    return topicString(this.forkDigest, topic);
  }

  subscribe(topic: GossipTopic): void {
    this.router.subscribe(this.topicString(topic));
  }

  unsubscribe(topic: GossipTopic): void {
    this.router.unsubscribe(this.topicString(topic));
  }

  /** Subscribes the network-wide topics (beacon_block, beacon_aggregate, crosslink, slashing, voluntary_exit). */
  subscribeGlobalTopics(): void {
    for (const kind of GLOBAL_TOPIC_KINDS) this.subscribe({ kind });
  }

  /** Subscribes all `shard_{s}_*` topics of the given shards and unsubscribes those of shards no longer listed. */
  setTrackedShards(shards: Iterable<number>): void {
    const next = new Set(shards);
    const dropped = [...this.trackedShards].filter((s) => !next.has(s));
    const added = [...next].filter((s) => !this.trackedShards.has(s));
    for (const t of shardTopicStrings(this.forkDigest, dropped)) this.router.unsubscribe(t);
    for (const t of shardTopicStrings(this.forkDigest, added)) this.router.subscribe(t);
    this.trackedShards = next;
  }

  getTrackedShards(): number[] {
    return [...this.trackedShards].sort((a, b) => a - b);
  }

  /** Topic strings this node is subscribed to. */
  subscribedTopics(): string[] {
    return this.router.getTopics();
  }

  /** Peers currently in our mesh for the topic. */
  meshPeers(topic: GossipTopic): string[] {
    return this.router.getMeshPeers(this.topicString(topic));
  }

  /** Peers known to be subscribed to the topic. */
  topicPeers(topic: GossipTopic): string[] {
    return this.router.getSubscribers(this.topicString(topic)).map((p) => p.toString());
  }

  /**
   * Publishes bytes on a topic and returns the number of peers they were sent to (0 when no peer is subscribed
   * yet, or when the same bytes were already published). Throws RangeError if the bytes exceed the registered
   * handler's maxBytes, because every peer would reject them.
   *
   * `retryable`: with no subscribed peer, nothing is published at all (returns 0) and the same bytes can be
   * published again later; otherwise they enter the seen-cache at once and a later publish of them is a
   * duplicate (for messages that must reach someone, such as slashing evidence, which no later event
   * re-creates).
   */
  async publish(topic: GossipTopic, data: Uint8Array, opts: { retryable?: boolean } = {}): Promise<number> {
    const handler = this.handlers.get(topic.kind)?.handler;
    if (handler !== undefined && data.length > handler.maxBytes) {
      throw new RangeError(
        `message of ${data.length} bytes exceeds maxBytes ${handler.maxBytes} of topic ${topicName(topic)}; peers would reject it`,
      );
    }
    let recipients: number;
    try {
      const result = await this.router.publish(this.topicString(topic), data, {
        allowPublishToZeroTopicPeers: opts.retryable !== true,
        ignoreDuplicatePublishError: true,
      });
      recipients = result.recipients.length;
    } catch (err) {
      if (opts.retryable && (err as Error).message === "PublishError.NoPeersSubscribedToTopic") return 0;
      throw err;
    }
    this.metrics.gossipPublished.inc({ topic: topicName(topic) });
    return recipients;
  }

  private resolveTopic(topicStr: string): { topic: GossipTopic; label: string } | null {
    let entry = this.topicCache.get(topicStr);
    if (entry === undefined) {
      const parsed = parseTopicString(topicStr);
      entry =
        parsed === null || parsed.forkDigest !== this.forkDigest
          ? null
          : { topic: parsed.topic, label: topicName(parsed.topic) };
      this.topicCache.set(topicStr, entry);
    }
    return entry;
  }

  private onMessage(detail: GossipsubMessage): void {
    const { msgId, msg } = detail;
    const from = detail.propagationSource.toString();
    const resolved = this.resolveTopic(msg.topic);
    const label = resolved?.label ?? "unknown";
    this.metrics.gossipReceived.inc({ topic: label });
    const entry = resolved === null ? undefined : this.handlers.get(resolved.topic.kind);
    if (resolved === null || entry === undefined) {
      this.metrics.gossipDropped.inc({ topic: label, reason: "no_handler" });
      this.report(msgId, from, label, "ignore");
      return;
    }
    if (msg.data.length > entry.handler.maxBytes) {
      this.metrics.gossipDropped.inc({ topic: label, reason: "oversize" });
      this.report(msgId, from, label, "reject");
      return;
    }
    const queued = entry.queue.tryEnqueue(() =>
      this.process(entry.handler, resolved.topic, label, msgId, from, msg.data),
    );
    if (!queued) {
      this.metrics.gossipDropped.inc({ topic: label, reason: "queue_full" });
      this.report(msgId, from, label, "ignore");
    }
  }

  private async process(
    handler: GossipHandler<unknown>,
    topic: GossipTopic,
    label: string,
    msgId: string,
    from: string,
    data: Uint8Array,
  ): Promise<void> {
    let decoded: unknown;
    try {
      decoded = handler.decode(data);
    } catch {
      this.metrics.gossipDropped.inc({ topic: label, reason: "undecodable" });
      this.report(msgId, from, label, "reject");
      return;
    }
    let result: ValidationResult;
    try {
      result = await handler.validate(decoded, from, topic);
    } catch (err) {
      // A validator that throws has a bug or lacks data; don't penalise the sender for it.
      this.onError?.(err, `validate ${label}`);
      this.metrics.gossipDropped.inc({ topic: label, reason: "validator_error" });
      result = "ignore";
    }
    this.report(msgId, from, label, result);
    if (result === "accept" && handler.onAccepted !== undefined) {
      try {
        await handler.onAccepted(decoded, from, topic);
      } catch (err) {
        // The message was valid for the network; an import failure is the caller's to handle.
        this.onError?.(err, `onAccepted ${label}`);
      }
    }
  }

  private report(msgId: string, from: string, label: string, result: ValidationResult): void {
    this.router.reportMessageValidationResult(msgId, from, result);
    this.metrics.gossipValidated.inc({ topic: label, result });
  }
}
