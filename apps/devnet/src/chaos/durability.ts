/**
 * Invariant 5 across a kill: what a node acknowledged before `kill -9` (its reported beacon and shard heads,
 * which it only reports once on disk, and the transfers it accepted) must all be in its database after the
 * restart. The harness sends its own transfers to the node from dev accounts the load generator leaves alone.
 */
import { shardOf, signTransaction, Transaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import type { NodeStatus } from "../statusTypes.js";

export interface Acknowledged {
  status: NodeStatus;
  /** 0x hashes of transfers the node answered `pending` for. */
  transfers: string[];
}

/** Sends transfers to one node from a dev account on one of its shards; remembers the ones it accepted. */
export class AcknowledgedTransfers {
  private readonly nonces = new Map<number, number>();
  readonly accepted = new Map<string, string[]>();

  /** `accounts`: dev account numbers reserved for the harness (never used by the load generator). */
  constructor(
    private readonly accounts: readonly number[],
    private readonly shardCount: number,
  ) {}

  /** Sends `count` transfers to `api` (node `name`, tracking `shards`); returns the hashes it accepted. */
  async send(name: string, api: string, shards: readonly number[], count: number): Promise<string[]> {
    const n = this.accounts.find((a) =>
      shards.includes(shardOf(addressFromPubkey(devAccountKey(a).publicKey), this.shardCount)),
    );
    if (n === undefined) return [];
    const key = devAccountKey(n);
    const from = addressFromPubkey(key.publicKey);
    const to = addressFromPubkey(
      devAccountKey(this.accounts[0] === n ? this.accounts[1]! : this.accounts[0]!).publicKey,
    );
    let nonce = this.nonces.get(n);
    if (nonce === undefined) nonce = await this.chainNonce(api, from);
    const txs = Array.from({ length: count }, (_, i) =>
      signTransaction(
        { from, to, amount: 1n, nonce: nonce! + i, fee: 1n, pubkey: key.publicKey },
        key.secretKey,
      ),
    );
    const res = await fetch(`${api}/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(txs.map((t) => Transaction.toJson(t))),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    const body = res ? ((await res.json().catch(() => ({}))) as { results?: Array<{ status: string }> }) : {};
    const accepted: string[] = [];
    (body.results ?? []).forEach((r, i) => {
      if (r.status === "pending") accepted.push(`0x${bytesToHex(transactionHash(txs[i]!))}`);
    });
    if (accepted.length === count) this.nonces.set(n, nonce + count);
    else this.nonces.delete(n); // refused (syncing, nonce moved): read the chain's nonce next time
    const list = this.accepted.get(name) ?? [];
    list.push(...accepted);
    this.accepted.set(name, list);
    return accepted;
  }

  private async chainNonce(api: string, address: Uint8Array): Promise<number> {
    const res = await fetch(`${api}/v1/accounts/0x${bytesToHex(address)}`, {
      signal: AbortSignal.timeout(3000),
    });
    if (res.status === 404) return 0;
    const body = (await res.json()) as { nonce?: number };
    return body.nonce ?? 0;
  }
}

/**
 * What of `before` the restarted node at `api` no longer has: its acknowledged beacon head, its tracked
 * shards' heads, and the transfers it had accepted (each must be known: pending, included or later).
 */
export async function missingAfterRestart(
  api: string,
  before: Acknowledged,
  trackedNow: readonly number[],
): Promise<string[]> {
  const missing: string[] = [];
  const get = async (path: string) =>
    (await fetch(`${api}${path}`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined))?.status ?? 0;
  if (before.status.head.slot > 0) {
    const root = before.status.head.root.startsWith("0x")
      ? before.status.head.root
      : `0x${before.status.head.root}`;
    if ((await get(`/v1/beacon/blocks/${root}`)) !== 200)
      missing.push(`beacon block ${before.status.head.slot}:${root}`);
  }
  for (const head of before.status.shardHeads) {
    if (head.slot === 0 || !trackedNow.includes(head.shard)) continue;
    const root = head.root.startsWith("0x") ? head.root : `0x${head.root}`;
    const code = await get(`/v1/shards/${head.shard}/blocks/${root}`);
    if (code !== 200) missing.push(`shard ${head.shard} block ${head.slot}:${root} (${code})`);
  }
  for (const hash of before.transfers) {
    const code = await get(`/v1/transactions/${hash}`);
    if (code !== 200) missing.push(`transaction ${hash} (${code})`);
  }
  return missing;
}
