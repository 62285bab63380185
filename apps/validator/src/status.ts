/** `status <pubkey|index>`: a validator's state from a node's API. */
import { getOk, request } from "./nodeApi.js";
import { UserError } from "./userError.js";
import {
  describeState,
  type ValidatorEntry,
  type ValidatorState,
  validatorState,
} from "./validatorStatus.js";

/** Lookups by pubkey read the registry this many entries at a time. */
const SCAN_BATCH = 16;

/** `12` → index 12; `0x` + 96 hex → that pubkey (lower case); anything else is a UserError. */
export function parseValidatorId(text: string): { index: number } | { pubkey: string } {
  if (/^[0-9]+$/.test(text) && Number.isSafeInteger(Number(text))) return { index: Number(text) };
  if (/^0x[0-9a-fA-F]{96}$/.test(text)) return { pubkey: text.toLowerCase() };
  throw new UserError(
    "BAD_VALIDATOR_ID",
    `"${text}" is neither a validator index nor a pubkey (0x followed by 96 hex digits)`,
  );
}

async function entryAt(node: string, index: number): Promise<ValidatorEntry | undefined> {
  const { status, body } = await request(node, `/v1/beacon/validators/${index}`);
  if (status === 404) return undefined;
  if (status !== 200)
    throw new UserError(
      "NODE_REFUSED",
      `node ${node} refused validator ${index} (${status}): ${String(body.message ?? "")}`,
    );
  return body as unknown as ValidatorEntry;
}

/** The node API has no lookup by pubkey: reads the registry in order until the pubkey or its end. */
async function entryOfPubkey(node: string, pubkey: string): Promise<ValidatorEntry> {
  for (let start = 0; ; start += SCAN_BATCH) {
    const batch = await Promise.all(Array.from({ length: SCAN_BATCH }, (_, i) => entryAt(node, start + i)));
    for (const entry of batch) {
      if (entry === undefined) {
        throw new UserError(
          "UNKNOWN_VALIDATOR",
          `no validator with pubkey ${pubkey} in the registry of node ${node} (${start + batch.indexOf(undefined)} validators): a deposit is registered once a crosslink of the shard that paid it is in a beacon block; follow the deposit transaction with GET /v1/transactions/<hash>`,
        );
      }
      if (entry.pubkey.toLowerCase() === pubkey) return entry;
    }
  }
}

export interface StatusResult {
  index: number;
  pubkey: string;
  status: ValidatorState;
  activationEpoch: number | null;
  exitEpoch: number | null;
  withdrawableEpoch: number | null;
  withdrawalAddress: string | null;
  slashed: boolean;
  stake: string;
  headSlot: number;
  headEpoch: number;
  description: string;
}

export async function validatorStatusFromNode(node: string, id: string): Promise<StatusResult> {
  const wanted = parseValidatorId(id);
  const network = await getOk(node, "/v1/network");
  const head = await getOk(node, "/v1/beacon/head");
  const slotsPerEpoch = Number(network.slotsPerEpoch);
  const headSlot = Number(head.slot);
  if (!Number.isSafeInteger(slotsPerEpoch) || slotsPerEpoch <= 0 || !Number.isSafeInteger(headSlot))
    throw new UserError(
      "NODE_REPLY",
      `node ${node} sent no slotsPerEpoch or head slot: is --node a shardnet node API?`,
    );
  let entry: ValidatorEntry | undefined;
  if ("index" in wanted) {
    entry = await entryAt(node, wanted.index);
    if (!entry)
      throw new UserError(
        "UNKNOWN_VALIDATOR",
        `validator ${wanted.index} is not in the registry of node ${node}`,
      );
  } else {
    entry = await entryOfPubkey(node, wanted.pubkey);
  }
  const headEpoch = Math.floor(headSlot / slotsPerEpoch);
  const status = validatorState(entry, headEpoch);
  return {
    index: entry.index,
    pubkey: entry.pubkey,
    status,
    activationEpoch: entry.activationEpoch,
    exitEpoch: entry.exitEpoch,
    withdrawableEpoch: entry.withdrawableEpoch ?? null,
    withdrawalAddress: entry.withdrawalAddress ?? null,
    slashed: entry.slashed,
    stake: entry.stake,
    headSlot,
    headEpoch,
    description: describeState(status, entry, headEpoch),
  };
}
