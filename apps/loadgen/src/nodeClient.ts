/** The node HTTP API as the load generator uses it (DESIGN.md §7). */
import { readFileSync } from "node:fs";
import { followEventStream } from "@shardnet/node";
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

/** API URLs of the shard nodes listed in a devnet's endpoints.json (written by `npm run devnet`). */
export function apisFromEndpointsFile(path: string): string[] {
  let json: { nodes?: Array<{ role?: string; api?: string }> };
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
  return apis;
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

/** POSTs a batch of transactions; one outcome per transaction, in order. */
export async function submitBatch(api: string, txs: readonly unknown[]): Promise<SubmitOutcome[]> {
  const { status, body } = await request<{ results?: SubmitOutcome[]; code?: string; message?: string }>(
    `${api}/v1/transactions`,
    { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(txs) },
    60_000,
  );
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
