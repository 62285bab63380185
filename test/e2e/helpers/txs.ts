/**
 * Transaction helpers for the end-to-end tests: dev accounts with their shard, signed transfers in the
 * API's JSON form (hash computed locally, so a test can watch a transaction before sending it), POST /
 * GET wrappers that return status + body instead of throwing, waits on transaction status, per-shard
 * node lookup, and a small server-sent-events client.
 */
import { shardOf, signTransaction, Transaction, transactionHash } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey, type Ed25519KeyPair } from "@shardnet/crypto";
import { readEventStream } from "@shardnet/node";
import { sleep } from "../../../apps/devnet/src/processes.js";
import type { NodeStatus } from "../../../apps/devnet/src/statusTypes.js";
import { formatStatuses } from "./devnet.js";

export const TX_STATUS_ORDER = ["pending", "included", "crosslinked", "finalized"] as const;
export type TxStatusName = (typeof TX_STATUS_ORDER)[number] | "rejected" | "dropped";

export function statusRank(status: string): number {
  return (TX_STATUS_ORDER as readonly string[]).indexOf(status);
}

/** Shape of `GET /v1/transactions/{hash}` (packages/node/src/tx/txService.ts TxStatusView). */
export interface TxStatusJson {
  hash: string;
  status: TxStatusName;
  shard: number;
  reason?: { code: string; message: string };
  untracked?: string;
  pending?: { time: string };
  included?: { slot: number; time: string; blockRoot: string };
  crosslinked?: { slot: number; time: string; crosslinkSlot: number };
  finalized?: { slot: number; time: string };
  receipt?: { dest: number; seq: number; amount: string; credited?: { slot: number; blockRoot: string } };
}

export interface AccountJson {
  address: string;
  shard: number;
  balance: string;
  nonce: number;
  headSlot: number;
}

export interface DevAccount {
  n: number;
  key: Ed25519KeyPair;
  address: Uint8Array;
  /** 0x-prefixed lowercase hex. */
  hex: string;
  shard: number;
}

export function devAccount(n: number, shardCount: number): DevAccount {
  const key = devAccountKey(n);
  const address = addressFromPubkey(key.publicKey);
  return { n, key, address, hex: `0x${bytesToHex(address)}`, shard: shardOf(address, shardCount) };
}

/** Dev accounts `from, from+1, …` (in order) whose address lives on `shard`, `count` of them. */
export function devAccountsOnShard(
  shard: number,
  count: number,
  shardCount: number,
  from: number,
): DevAccount[] {
  const out: DevAccount[] = [];
  for (let n = from; out.length < count; n++) {
    const a = devAccount(n, shardCount);
    if (a.shard === shard) out.push(a);
  }
  return out;
}

export interface SignedTransfer {
  /** JSON body for POST /v1/transactions. */
  json: Record<string, unknown>;
  /** 0x-prefixed transaction hash. */
  hash: string;
  from: DevAccount;
  to: Uint8Array;
  amount: bigint;
  fee: bigint;
  nonce: number;
}

export function transfer(
  from: DevAccount,
  to: DevAccount | Uint8Array,
  amount: bigint,
  nonce: number,
  fee = 1n,
): SignedTransfer {
  const toAddress = to instanceof Uint8Array ? to : to.address;
  const tx = signTransaction(
    { from: from.address, to: toAddress, amount, nonce, fee, pubkey: from.key.publicKey },
    from.key.secretKey,
  );
  return {
    json: Transaction.toJson(tx) as Record<string, unknown>,
    hash: `0x${bytesToHex(transactionHash(tx))}`,
    from,
    to: toAddress,
    amount,
    fee,
    nonce,
  };
}

export interface HttpResult<T> {
  status: number;
  body: T;
  text: string;
}

/** Any request; never throws on a non-2xx status (network errors still throw). */
export async function request<T = Record<string, unknown>>(
  url: string,
  init: RequestInit = {},
  timeoutMs = 10_000,
): Promise<HttpResult<T>> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T, text };
}

export async function postJson<T = Record<string, unknown>>(
  url: string,
  body: unknown,
  timeoutMs = 30_000,
): Promise<HttpResult<T>> {
  return request<T>(
    url,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    timeoutMs,
  );
}

export interface SubmitOne {
  hash?: string;
  status: "pending" | "rejected";
  shard?: number;
  forwarded?: boolean;
  code?: string;
  message?: string;
}

export interface BatchResult {
  accepted: number;
  rejected: number;
  results: SubmitOne[];
}

export async function submit(api: string, t: SignedTransfer): Promise<HttpResult<SubmitOne>> {
  return postJson<SubmitOne>(`${api}/v1/transactions`, t.json);
}

export async function submitBatch(api: string, ts: SignedTransfer[]): Promise<HttpResult<BatchResult>> {
  return postJson<BatchResult>(
    `${api}/v1/transactions`,
    ts.map((t) => t.json),
    60_000,
  );
}

/** Status of a transaction on one node; undefined on 404 (the node never heard of it). */
export async function txStatus(api: string, hash: string): Promise<TxStatusJson | undefined> {
  const res = await request<TxStatusJson>(`${api}/v1/transactions/${hash}`, {}, 5000);
  if (res.status === 404) return undefined;
  if (res.status !== 200) throw new Error(`GET transaction ${hash} → ${res.status}: ${res.text}`);
  return res.body;
}

/** Polls until the transaction reaches `wanted` (or later); throws if it is rejected or time runs out. */
export async function waitTxStatus(
  api: string,
  hash: string,
  wanted: (typeof TX_STATUS_ORDER)[number],
  timeoutMs: number,
  intervalMs = 500,
): Promise<TxStatusJson> {
  const deadline = Date.now() + timeoutMs;
  let last: TxStatusJson | undefined;
  let lastError = "";
  while (Date.now() < deadline) {
    try {
      last = await txStatus(api, hash);
      if (last?.status === "rejected" || last?.status === "dropped")
        throw new Error(`transaction ${hash} ${last.status}: ${JSON.stringify(last.reason)}`);
      if (last && statusRank(last.status) >= statusRank(wanted)) return last;
    } catch (err) {
      if (/ (rejected|dropped): /.test((err as Error).message)) throw err;
      lastError = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${hash} to reach ${wanted} on ${api} (last: ${last ? JSON.stringify(last) : "unknown"}${lastError ? `; ${lastError}` : ""}); ${await nodeSnapshot(api)}`,
  );
}

/** Where a node stands (CI keeps only the failure's message): formatStatuses' line plus its shards. */
async function nodeSnapshot(api: string): Promise<string> {
  const res = await request<NodeStatus>(`${api}/v1/node/status`, {}, 3000).catch((err: Error) => ({
    status: 0,
    body: undefined,
    text: err.message,
  }));
  const s = res.body;
  if (res.status !== 200 || !s) return `node status unavailable (${res.status}: ${res.text.slice(0, 120)})`;
  const shards = s.shardSync
    .map((x) => `${x.shard}: head ${x.headSlot} crosslink ${x.crosslinkSlot} ${x.state}`)
    .join(", ");
  return `${formatStatuses(new Map([[s.name, s]]))}; shards ${shards}`;
}

export async function account(api: string, address: string): Promise<AccountJson> {
  const res = await request<AccountJson>(`${api}/v1/accounts/${address}`, {}, 5000);
  if (res.status !== 200) throw new Error(`GET account ${address} on ${api} → ${res.status}: ${res.text}`);
  return res.body;
}

/** For each shard, the APIs of the given nodes that track it (from /v1/node/status trackedShards). */
export function nodesByShard(
  statuses: Map<string, NodeStatus | undefined>,
  apis: Map<string, string>,
  shardCount: number,
): Array<Array<{ name: string; api: string }>> {
  const out = Array.from({ length: shardCount }, () => [] as Array<{ name: string; api: string }>);
  for (const [name, s] of statuses) {
    const api = apis.get(name);
    if (!s || !api) continue;
    for (const shard of s.trackedShards) out[shard]?.push({ name, api });
  }
  return out;
}

export interface SseEvent {
  event: string;
  data: unknown;
  /** Date.now() when received. */
  at: number;
}

/**
 * A server-sent-events subscription read with fetch. `connected` resolves once the response headers (and the
 * ": connected" comment) arrived, so a test can subscribe before it sends. `close()` aborts the stream.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  readonly connected: Promise<void>;
  private readonly controller = new AbortController();
  private readonly listeners = new Set<() => void>();
  private done = false;
  error: Error | undefined;

  constructor(readonly url: string) {
    let resolveConnected: () => void = () => undefined;
    let rejectConnected: (err: Error) => void = () => undefined;
    this.connected = new Promise<void>((res, rej) => {
      resolveConnected = res;
      rejectConnected = rej;
    });
    this.connected.catch(() => undefined);
    void this.run(resolveConnected, rejectConnected);
  }

  private async run(onConnected: () => void, onError: (err: Error) => void): Promise<void> {
    try {
      const res = await fetch(this.url, { signal: this.controller.signal });
      if (res.status !== 200 || !res.body)
        throw new Error(`GET ${this.url} → ${res.status}: ${await res.text()}`);
      onConnected();
      for await (const { event, data } of readEventStream(res.body as unknown as AsyncIterable<Uint8Array>))
        this.record(event, data);
    } catch (err) {
      if (!this.controller.signal.aborted) {
        this.error = err as Error;
        onError(err as Error);
      }
    } finally {
      this.done = true;
      for (const l of this.listeners) l();
    }
  }

  private record(event: string, data: string): void {
    let parsed: unknown = data;
    try {
      parsed = JSON.parse(data);
    } catch {
      // keep text
    }
    this.events.push({ event, data: parsed, at: Date.now() });
    for (const l of this.listeners) l();
  }

  /** Resolves when `predicate` holds over the events received so far (checked on each new event). */
  async waitUntil(
    what: string,
    predicate: (events: SseEvent[]) => boolean,
    timeoutMs: number,
  ): Promise<void> {
    if (predicate(this.events)) return;
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        rej(new Error(`timed out after ${timeoutMs} ms waiting for ${what} on ${this.url}`));
      }, timeoutMs);
      const check = () => {
        if (predicate(this.events)) {
          clearTimeout(timer);
          this.listeners.delete(check);
          res();
        } else if (this.done) {
          clearTimeout(timer);
          this.listeners.delete(check);
          rej(
            new Error(
              `event stream ${this.url} ended before ${what}${this.error ? `: ${this.error.message}` : ""}`,
            ),
          );
        }
      };
      this.listeners.add(check);
    });
  }

  close(): void {
    this.controller.abort();
  }
}

export { percentile } from "../../../apps/loadgen/src/tracker.js";
