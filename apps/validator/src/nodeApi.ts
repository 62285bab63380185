/** A node's HTTP API as the commands use it: JSON replies, and errors the user can act on. */
import { GenesisError, genesisHash, parseGenesis } from "@shardnet/consensus";
import { UserError } from "./userError.js";

export interface ApiReply {
  status: number;
  body: Record<string, unknown>;
}

/** GET or POST (with a JSON body) `path` on `node`; any status comes back, no reply or no JSON is a UserError. */
export async function request(node: string, path: string, jsonBody?: unknown): Promise<ApiReply> {
  let res: Response;
  try {
    res = await fetch(`${node}${path}`, {
      signal: AbortSignal.timeout(10_000),
      ...(jsonBody === undefined
        ? {}
        : {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(jsonBody),
          }),
    });
  } catch (err) {
    throw new UserError(
      "NODE_UNREACHABLE",
      `cannot reach node ${node}: ${(err as Error).message}. Is it running? Pass its API with --node URL.`,
    );
  }
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new UserError(
      "NODE_REPLY",
      `node ${node} answered ${path} with ${res.status} and no JSON: is --node a shardnet node API?`,
    );
  }
  return { status: res.status, body };
}

/** The body of a 200 reply to GET `path`; a syncing node or any other status is a UserError. */
export async function getOk(node: string, path: string): Promise<Record<string, unknown>> {
  const { status, body } = await request(node, path);
  if (status === 503 && body.code === "SYNCING")
    throw new UserError(
      "NODE_SYNCING",
      `node ${node} is syncing: retry when it is synced, or ask another --node`,
    );
  if (status !== 200)
    throw new UserError(
      "NODE_REFUSED",
      `node ${node} refused ${path} (${status}): ${String(body.message ?? "")}`,
    );
  return body;
}

/** The node's network: the hash of its genesis (GET /v1/genesis), which signatures of this network bind to. */
export async function genesisRootFromNode(node: string): Promise<Uint8Array> {
  const body = await getOk(node, "/v1/genesis");
  try {
    return genesisHash(parseGenesis(body));
  } catch (err) {
    if (!(err instanceof GenesisError)) throw err;
    throw new UserError("NODE_REPLY", `node ${node} sent a genesis that does not parse: ${err.message}`);
  }
}
