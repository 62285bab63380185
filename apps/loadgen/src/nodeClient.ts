/** The node HTTP API as the load generator uses it (DESIGN.md §7). */
import { readFileSync } from "node:fs";
import { type Genesis, parseGenesis, Transaction } from "@shardnet/consensus";
import { addressFromPubkey, bytesToHex, devAccountKey } from "@shardnet/crypto";
import { followEventStream } from "@shardnet/node";
import { encodeTransactionBatch } from "./sszBatch.js";
import type { TxStatusJson } from "./tracker.js";

export class LoadgenError extends Error {}

export interface NodeInfo {
  name: string;
  api: string;
  trackedShards: number[];
  /** Shards in the network (one crosslink counter per shard in the status). */
  shardCount: number;
}

async function request<T>(
  url: string,
  init?: RequestInit,
  timeoutMs = 10_000,
): Promise<{ status: number; body: T }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new LoadgenError(
      `cannot reach ${url}: ${(err as Error).message}. Is the devnet running (npm run devnet)?`,
    );
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as T };
  } catch {
    throw new LoadgenError(
      `${url} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`,
    );
  }
}

/** What a devnet's endpoints.json (written by `npm run devnet`) says: its shard node APIs and its genesis. */
export function readEndpointsFile(path: string): { apis: string[]; genesis: string | undefined } {
  let json: { genesis?: unknown; nodes?: Array<{ role?: string; api?: string }> };
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new LoadgenError(
      `cannot read ${path}: ${(err as Error).message}. Start a devnet (npm run devnet) or pass --apis URL,URL`,
    );
  }
  const apis = (json.nodes ?? [])
    .filter((n) => n.role === "shard" && typeof n.api === "string")
    .map((n) => n.api!);
  if (apis.length === 0) throw new LoadgenError(`${path} lists no shard node`);
  return { apis, genesis: typeof json.genesis === "string" ? json.genesis : undefined };
}

/** What the load generator needs from a genesis file. */
export interface GenesisFacts {
  slotSeconds: number;
  /** Dev accounts funded at genesis from dev:0 on, without a gap: dev:0 .. dev:N-1. */
  fundedDevAccounts: number;
}

/** Reads a genesis file: the slot length and how many dev accounts it funds (see fundedDevAccounts). */
export function readGenesisFacts(path: string): GenesisFacts {
  let genesis: Genesis;
  try {
    genesis = parseGenesis(JSON.parse(readFileSync(path, "utf8")));
  } catch (err) {
    throw new LoadgenError(`cannot read the genesis ${path}: ${(err as Error).message}`);
  }
  return { slotSeconds: genesis.preset.SECONDS_PER_SLOT, fundedDevAccounts: fundedDevAccounts(genesis) };
}

/**
 * N when the genesis funds dev:0 .. dev:N-1 (a positive balance each) and not dev:N. Senders are chosen from
 * dev:0 up, so the first unfunded one ends what may send.
 */
export function fundedDevAccounts(genesis: Pick<Genesis, "accounts">): number {
  const funded = new Set(genesis.accounts.filter((a) => a.balance > 0n).map((a) => bytesToHex(a.address)));
  let n = 0;
  while (n < funded.size && funded.has(bytesToHex(addressFromPubkey(devAccountKey(n).publicKey)))) n++;
  return n;
}

/** Name, tracked shards and the network's shard count of each node (GET /v1/node/status). */
export async function nodeInfos(apis: readonly string[]): Promise<NodeInfo[]> {
  return Promise.all(
    apis.map(async (api) => {
      const { status, body } = await request<{
        name?: string;
        trackedShards?: number[];
        crosslinkCounts?: number[];
      }>(`${api}/v1/node/status`);
      if (status !== 200 || !Array.isArray(body.trackedShards) || !Array.isArray(body.crosslinkCounts)) {
        throw new LoadgenError(`${api}/v1/node/status answered ${status}: is it a shardnet shard node?`);
      }
      return {
        name: body.name ?? api,
        api,
        trackedShards: body.trackedShards,
        shardCount: body.crosslinkCounts.length,
      };
    }),
  );
}

/** Balance and next nonce of an account (GET /v1/accounts/{address}). */
export async function accountState(
  api: string,
  addressHex: string,
): Promise<{ balance: bigint; nonce: number }> {
  const { status, body } = await request<{ balance?: string; nonce?: number; message?: string }>(
    `${api}/v1/accounts/0x${addressHex}`,
  );
  if (status === 404) return { balance: 0n, nonce: 0 };
  if (status !== 200 || body.balance === undefined || body.nonce === undefined) {
    throw new LoadgenError(`${api}/v1/accounts/0x${addressHex} answered ${status}: ${body.message ?? ""}`);
  }
  return { balance: BigInt(body.balance), nonce: body.nonce };
}

export type SubmitOutcome = { status: "pending" } | { status: "rejected"; code: string; message: string };

/** APIs that answered 415 to SSZ: nodes from before SSZ submission, sent JSON from then on. */
const jsonOnly = new Set<string>();

/**
 * POSTs a batch of transactions as SSZ List[Transaction] (application/octet-stream): the node then neither
 * parses JSON nor decodes hex, and the load generator skips the JSON conversion. A node that does not take
 * SSZ (415) gets the batch, and every later one, as JSON. One outcome per transaction, in order.
 */
export async function submitBatch(api: string, txs: readonly Transaction[]): Promise<SubmitOutcome[]> {
  type Answer = { results?: SubmitOutcome[]; code?: string; message?: string };
  const url = `${api}/v1/transactions`;
  let answer: { status: number; body: Answer } | undefined;
  if (!jsonOnly.has(api)) {
    answer = await request<Answer>(
      url,
      {
        method: "POST",
        headers: { "content-type": "application/octet-stream" },
        body: encodeTransactionBatch(txs),
      },
      60_000,
    );
    if (answer.status === 415) {
      jsonOnly.add(api);
      answer = undefined;
    }
  }
  answer ??= await request<Answer>(
    url,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(txs.map((tx) => Transaction.toJson(tx))),
    },
    60_000,
  );
  const { status, body } = answer;
  if (!Array.isArray(body.results) || body.results.length !== txs.length) {
    const why = `${status} ${body.code ?? ""} ${body.message ?? ""}`.trim();
    return txs.map(() => ({ status: "rejected", code: "batch_refused", message: why }));
  }
  return body.results;
}

/** A transaction's status (GET /v1/transactions/{hash}), or undefined when the node does not know it. */
export async function transactionStatus(api: string, hash: string): Promise<TxStatusJson | undefined> {
  const { status, body } = await request<TxStatusJson>(`${api}/v1/transactions/0x${hash}`);
  return status === 200 ? body : undefined;
}

/** Follows a node's `transaction` and `shard_head` events until `signal` aborts (reconnecting after errors). */
export function followEvents(
  api: string,
  handlers: { transaction: (view: TxStatusJson) => void; shardHead: (head: { root: string }) => void },
  signal: AbortSignal,
): Promise<void> {
  return followEventStream(
    `${api}/v1/events?topics=transaction,shard_head`,
    ({ event, data }) => {
      if (event === "transaction") handlers.transaction(JSON.parse(data) as TxStatusJson);
      else if (event === "shard_head") handlers.shardHead(JSON.parse(data) as { root: string });
    },
    signal,
  );
}
