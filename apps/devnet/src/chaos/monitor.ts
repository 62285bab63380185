/**
 * Watches a chaos devnet while faults run: every slot it reads each reachable node's status, and every
 * epoch the shards' supply ledgers and the epoch's committees. At the end it walks every node's finalized
 * chain. From these it judges the five invariants (checks.ts) and the figures of the report.
 */
import { getJson } from "../processes.js";
import type { NodeStatus } from "../statusTypes.js";
import {
  type ChainBlock,
  conflictingFinalChains,
  conflictingFinalizedCheckpoints,
  crosslinksPerEpoch,
  finalityReverted,
  finalityStallEpochs,
  receiptViolations,
  type ShardSupply,
  type ShardSupplyJson,
  shardSupplyFromJson,
  supplyViolation,
} from "./checks.js";
import type { ChaosCluster } from "./cluster.js";
import type { Firewall } from "./firewall.js";

export type InvariantName = "safety" | "supply" | "receipts" | "liveness" | "durability";
export const INVARIANTS: readonly InvariantName[] = [
  "safety",
  "supply",
  "receipts",
  "liveness",
  "durability",
];

export interface Violation {
  invariant: InvariantName;
  slot: number;
  message: string;
}

interface CommitteesJson {
  epoch: number;
  committees: Array<{ shard: number; validators: number[] }>;
}

interface BlockJson {
  slot: number;
  root: string;
  block: {
    message: {
      parent_root: string;
      body: {
        crosslinks: Array<{ crosslink: { shard: string; slot: string; shard_block_root: string } }>;
        proposer_slashings: unknown[];
        attester_slashings: unknown[];
      };
    };
  } | null;
}

/** A status older than this many slots no longer says a node is healthy. */
const STATUS_FRESH_SLOTS = 3;

export class InvariantMonitor {
  readonly violations: Violation[] = [];
  private readonly last = new Map<string, { slot: number; status: NodeStatus }>();
  private readonly finalizedSeen: Array<{ node: string; epoch: number; root: string }> = [];
  private readonly finalizedHistory: Array<{ node: string; epoch: number; slot: number }> = [];
  /** Per wall-clock slot: the validators online and in the majority group, and the highest finalized epoch. */
  private readonly samples: Array<{ slot: number; online: Set<number>; finalized: number }> = [];
  private readonly committees = new Map<number, number[][]>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private lastEpochChecked = -1;
  private supplyChecks = 0;
  /** Heal instants (wall slots) after which finality must resume within 3 epochs. */
  private readonly heals: number[] = [];

  constructor(
    private readonly cluster: ChaosCluster,
    private readonly firewall: Firewall,
    private readonly genesisSupply: bigint,
    private readonly shards: number,
    private readonly log: (msg: string) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.cluster.slotMs / 2);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    while (this.polling) await new Promise((res) => setTimeout(res, 50));
  }

  violate(invariant: InvariantName, message: string): void {
    const slot = this.cluster.currentSlot();
    if (this.violations.some((v) => v.invariant === invariant && v.message === message)) return;
    this.violations.push({ invariant, slot, message });
    this.log(`VIOLATION ${invariant} at slot ${slot}: ${message}`);
  }

  /** A fault ended at the current slot: finality must resume within 3 epochs. */
  healed(): void {
    this.heals.push(this.cluster.currentSlot());
  }

  /** Names of nodes running, not frozen and healthy at their last status (≤ 3 slots old). */
  onlineNodes(): string[] {
    const slot = this.cluster.currentSlot();
    return [...this.cluster.nodes.values()]
      .filter((n) => {
        const last = this.last.get(n.name);
        return (
          this.cluster.isUp(n.name) &&
          last !== undefined &&
          slot - last.slot <= STATUS_FRESH_SLOTS &&
          last.status.health.status === "ok"
        );
      })
      .map((n) => n.name);
  }

  /**
   * Names of nodes whose validators count as online for liveness: running, not frozen, and started at least
   * an epoch ago (a restarted node may take that long to catch up). Not their health: a node that is up and
   * connected but never catches up is the protocol's failure, not an excuse for it.
   */
  participatingNodes(): string[] {
    const now = Date.now();
    return [...this.cluster.nodes.values()]
      .filter((n) => this.cluster.isUp(n.name) && now - n.startedAt >= this.cluster.epochs(1))
      .map((n) => n.name);
  }

  /** The last status `name` answered a poll with (undefined: it never answered). */
  lastStatus(name: string): NodeStatus | undefined {
    return this.last.get(name)?.status;
  }

  /** The finalized checkpoints `name` reported (one entry per epoch and root). */
  finalizedSeenBy(name: string): Array<{ epoch: number; root: string }> {
    return this.finalizedSeen.filter((f) => f.node === name).map(({ epoch, root }) => ({ epoch, root }));
  }

  /** The highest finalized epoch any node reported so far. */
  maxFinalized(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.finalized), 0);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const slot = this.cluster.currentSlot();
      const up = [...this.cluster.nodes.values()].filter((n) => this.cluster.isUp(n.name));
      const answers = await Promise.all(
        up.map(
          async (n) => [n.name, await this.cluster.status(n.name, 1000).catch(() => undefined)] as const,
        ),
      );
      for (const [node, status] of answers) {
        if (!status) continue;
        this.last.set(node, { slot, status });
        this.finalizedSeen.push({ node, epoch: status.finalized.epoch, root: status.finalized.root });
        this.finalizedHistory.push({ node, epoch: status.finalized.epoch, slot });
      }
      this.compactFinalized();
      this.samples.push({
        slot,
        online: this.onlineValidators(),
        finalized: Math.max(0, ...answers.map(([, s]) => s?.finalized.epoch ?? 0)),
      });
      const epoch = this.cluster.currentEpoch();
      if (epoch !== this.lastEpochChecked) {
        this.lastEpochChecked = epoch;
        await this.everyEpoch(epoch);
      }
    } catch (err) {
      this.log(`monitor poll failed: ${(err as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  /** Keeps one entry per node and finalized root (the lists would otherwise grow by a node per poll). */
  private compactFinalized(): void {
    for (const v of conflictingFinalizedCheckpoints(this.finalizedSeen)) this.violate("safety", v);
    for (const v of finalityReverted(this.finalizedHistory)) this.violate("safety", v);
    const keep = new Map<string, { node: string; epoch: number; root: string }>();
    for (const f of this.finalizedSeen) keep.set(`${f.node}|${f.epoch}|${f.root}`, f);
    this.finalizedSeen.splice(0, this.finalizedSeen.length, ...keep.values());
    const best = new Map<string, { node: string; epoch: number; slot: number }>();
    for (const h of this.finalizedHistory) {
      const b = best.get(h.node);
      if (!b || h.epoch >= b.epoch) best.set(h.node, h);
    }
    this.finalizedHistory.splice(0, this.finalizedHistory.length, ...best.values());
  }

  /**
   * Validators hosted by participating nodes of the group with the most validators (the majority side);
   * none when that side holds less than 2/3 of all validators (equal stakes). Invariant 4 asks for a
   * crosslink per shard and epoch only while ≥ 2/3 of the stake is online and connected: below that the
   * beacon chain cannot settle which branch is canonical (a 50|50 split), so a side's crosslinks may be
   * orphaned when the other side's branch wins, whatever the shard's committee did.
   */
  private onlineValidators(): Set<number> {
    const online = this.participatingNodes();
    const groups = this.firewall.current();
    let side = online;
    if (groups.length > 0) {
      const count = (names: string[]) => new Set(names.flatMap((n) => this.cluster.node(n).validators)).size;
      const sides = groups.map((g) => online.filter((n) => g.includes(n)));
      const outside = online.filter((n) => !groups.some((g) => g.includes(n)));
      sides.sort((a, b) => count(b) - count(a));
      side = [...(sides[0] ?? []), ...outside];
    }
    const onSide = new Set(side.flatMap((n) => this.cluster.node(n).validators));
    const all = new Set([...this.cluster.nodes.values()].flatMap((n) => n.validators));
    return 3 * onSide.size >= 2 * all.size ? onSide : new Set();
  }

  private async everyEpoch(epoch: number): Promise<void> {
    const reference = this.onlineNodes()[0];
    if (!reference) return;
    const api = this.cluster.node(reference).api;
    for (const e of [epoch, epoch + 1]) {
      if (this.committees.has(e)) continue;
      const c = await getJson<CommitteesJson>(`${api}/v1/beacon/committees?epoch=${e}`, 2000).catch(
        () => undefined,
      );
      if (c)
        this.committees.set(
          e,
          c.committees.map((x) => x.validators),
        );
    }
    await this.checkSupplyAndReceipts();
  }

  /** Invariants 2 and 3 from one healthy node per shard: credited read first, then sent. */
  async checkSupplyAndReceipts(): Promise<boolean> {
    const online = this.onlineNodes();
    const trackerOf = (shard: number) =>
      online.find((n) => this.last.get(n)?.status.trackedShards.includes(shard));
    const trackers: string[] = [];
    for (let shard = 0; shard < this.shards; shard++) {
      const t = trackerOf(shard);
      if (!t) return false;
      trackers.push(t);
    }
    const read = () =>
      Promise.all(
        trackers.map(async (node, shard) =>
          shardSupplyFromJson(
            node,
            await getJson<ShardSupplyJson>(`${this.cluster.node(node).api}/v1/shards/${shard}/supply`, 2000),
          ),
        ),
      );
    let credited: ShardSupply[];
    let sent: ShardSupply[];
    try {
      credited = await read();
      sent = await read();
    } catch {
      return false; // a node went away between the status and the read: next epoch
    }
    this.supplyChecks++;
    for (const supplies of [credited, sent]) {
      const v = supplyViolation(supplies, this.genesisSupply);
      if (v) this.violate("supply", v);
    }
    for (const v of receiptViolations(credited, sent)) this.violate("receipts", v);
    return true;
  }

  /** Supply and receipt checks that ran (each over every shard). */
  supplyCheckCount(): number {
    return this.supplyChecks;
  }

  /** A node's canonical chain from its finalized block down to genesis, with each block's crosslinks. */
  async finalizedChain(name: string): Promise<ChainBlock[]> {
    const api = this.cluster.node(name).api;
    const status = await this.cluster.status(name, 3000);
    const out: ChainBlock[] = [];
    let root = status.finalized.root.startsWith("0x") ? status.finalized.root : `0x${status.finalized.root}`;
    for (let guard = 0; guard < 100_000; guard++) {
      const res = await fetch(`${api}/v1/beacon/blocks/${root}`, { signal: AbortSignal.timeout(3000) });
      if (res.status === 404) break; // below the oldest block kept (genesis has no stored block)
      if (!res.ok) throw new Error(`GET ${api}/v1/beacon/blocks/${root} → ${res.status}`);
      const b = (await res.json()) as BlockJson;
      if (!b.block || b.slot === 0) break;
      out.push({
        slot: b.slot,
        root: b.root,
        crosslinks: b.block.message.body.crosslinks.map((c) => ({
          shard: Number(c.crosslink.shard),
          slot: Number(c.crosslink.slot),
          shardBlockRoot: c.crosslink.shard_block_root,
        })),
        proposerSlashings: b.block.message.body.proposer_slashings.length,
        attesterSlashings: b.block.message.body.attester_slashings.length,
      });
      root = b.block.message.parent_root;
    }
    return out.reverse();
  }

  /**
   * The end-of-run judgement: every node's finalized chain agrees (invariant 1), every shard whose
   * committee had ≥ 2/3 of its stake online and connected for a whole epoch was crosslinked in it, and
   * finality resumed within 3 epochs of each heal (invariant 4). Returns the report's figures.
   */
  async finish(opts: { fromEpoch: number; toEpoch: number }): Promise<{
    chain: ChainBlock[];
    finalityStallEpochs: number;
    longestCrosslinkGapSlots: number;
    crosslinkedEpochs: Record<number, number[]>;
    finalizedEpoch: number;
  }> {
    const chains = new Map<string, ChainBlock[]>();
    for (const n of this.cluster.nodes.values()) {
      if (!this.cluster.isUp(n.name)) continue;
      try {
        chains.set(n.name, await this.finalizedChain(n.name));
      } catch (err) {
        this.log(`could not walk ${n.name}'s finalized chain: ${(err as Error).message}`);
      }
    }
    for (const v of conflictingFinalChains(chains)) this.violate("safety", v);
    const longest = [...chains.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    const spe = this.cluster.slotsPerEpoch();
    const { byEpoch, longestGapSlots } = crosslinksPerEpoch(longest, spe, this.shards);
    const finalizedSlot = longest[longest.length - 1]?.slot ?? 0;
    const lastJudged = Math.min(opts.toEpoch, Math.floor(finalizedSlot / spe) - 1);
    for (let epoch = opts.fromEpoch; epoch <= lastJudged; epoch++) {
      const committees = this.committees.get(epoch);
      if (!committees) continue;
      const inEpoch = this.samples.filter((s) => Math.floor(s.slot / spe) === epoch);
      if (inEpoch.length === 0) continue;
      // The epoch a fault healed in (or at whose first slot) is not judged: a validator's first vote of an
      // epoch fixes its FFG vote (source, target) for the epoch, since a second one for the same target is
      // slashable, and votes cast before the two sides synced name different epoch-boundary blocks as
      // target. A crosslink's aggregate needs one AttestationData (DESIGN.md §4), so a committee split that
      // way cannot reach 2/3 until the next epoch. Finality after the heal is judged below.
      if (this.heals.some((h) => h >= epoch * spe - 1 && h < (epoch + 1) * spe)) continue;
      for (let shard = 0; shard < this.shards; shard++) {
        const committee = committees[shard] ?? [];
        const enough = inEpoch.every(
          (s) => 3 * committee.filter((v) => s.online.has(v)).length >= 2 * committee.length,
        );
        if (enough && !byEpoch.get(epoch)?.has(shard))
          this.violate(
            "liveness",
            `shard ${shard} was not crosslinked in epoch ${epoch} although ≥ 2/3 of its committee was online and connected all epoch`,
          );
      }
    }
    for (const heal of this.heals) {
      const healEpoch = Math.floor(heal / spe);
      const deadline = (healEpoch + 4) * spe + spe / 2;
      if (deadline > this.cluster.currentSlot()) continue;
      const by = this.samples.filter((s) => s.slot <= deadline).reduce((m, s) => Math.max(m, s.finalized), 0);
      if (by < healEpoch + 1)
        this.violate(
          "liveness",
          `finality did not resume within 3 epochs of the heal at slot ${heal}: finalized epoch ${by} by slot ${deadline}`,
        );
    }
    const secondHalf = this.samples
      .filter((s) => s.slot % spe >= spe / 2 && Math.floor(s.slot / spe) >= opts.fromEpoch)
      .map((s) => ({ wallEpoch: Math.floor(s.slot / spe), finalized: s.finalized }));
    return {
      chain: longest,
      finalityStallEpochs: finalityStallEpochs(secondHalf),
      longestCrosslinkGapSlots: longestGapSlots,
      crosslinkedEpochs: Object.fromEntries([...byEpoch].map(([e, s]) => [e, [...s].sort((a, b) => a - b)])),
      finalizedEpoch: Math.floor(finalizedSlot / spe),
    };
  }

  /** Highest finalized epoch reported between two wall slots (inclusive), by any node. */
  finalizedBetween(fromSlot: number, toSlot: number): number {
    return this.samples
      .filter((s) => s.slot >= fromSlot && s.slot <= toSlot)
      .reduce((m, s) => Math.max(m, s.finalized), 0);
  }
}
