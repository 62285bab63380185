/**
 * The account proof check of packages/consensus (shard/accountProof.ts verifyAccountProof), in the browser:
 * SSZ hash_tree_root of the Account container, then the Merkle branch up to the shard state root along the
 * account's generalized index. SHA-256 comes from WebCrypto.
 *
 * Layout (packages/consensus/src/shard/types.ts): ShardState has 7 fields, so 8 leaves and `accounts` (field
 * 2) at gindex 10; `accounts` is List[Account, 2^40]: its data subtree at 10·2 = 20, element i at
 * 20·2^40 + i. The branch holds 40 siblings inside the list, the length chunk, then 3 siblings up to the root.
 */
import { bytesToHex, hexToBytes } from "./hex.js";

export const ACCOUNTS_LIST_DEPTH = 40;
const ACCOUNTS_DATA_GINDEX = 20n;
export const ACCOUNT_BRANCH_LENGTH = ACCOUNTS_LIST_DEPTH + 1 + 3;

export function accountGindex(index: number): bigint {
  return (ACCOUNTS_DATA_GINDEX << BigInt(ACCOUNTS_LIST_DEPTH)) + BigInt(index);
}

export type Sha256 = (data: Uint8Array) => Promise<Uint8Array>;

/** SHA-256 from WebCrypto, or undefined outside a secure context (plain http to a host other than localhost). */
export function webCryptoSha256(): Sha256 | undefined {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle) return undefined;
  return async (data) => new Uint8Array(await subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>));
}

async function hashPair(sha256: Sha256, a: Uint8Array, b: Uint8Array): Promise<Uint8Array> {
  const joined = new Uint8Array(64);
  joined.set(a, 0);
  joined.set(b, 32);
  return sha256(joined);
}

function chunk(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  out.set(bytes.subarray(0, 32));
  return out;
}

function uint64Chunk(value: bigint): Uint8Array {
  if (value < 0n || value >= 1n << 64n) throw new RangeError(`not a uint64: ${value}`);
  const out = new Uint8Array(32);
  let v = value;
  for (let i = 0; i < 8; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** hash_tree_root(Account{address: Bytes20, balance: uint64, nonce: uint64}). */
export async function accountRoot(
  sha256: Sha256,
  address: Uint8Array,
  balance: bigint,
  nonce: bigint,
): Promise<Uint8Array> {
  const left = await hashPair(sha256, chunk(address), uint64Chunk(balance));
  const right = await hashPair(sha256, uint64Chunk(nonce), new Uint8Array(32));
  return hashPair(sha256, left, right);
}

/** The root reached by hashing `leaf` up through `branch` (bottom first) along `gindex`; as rootFromBranch. */
export async function rootFromBranch(
  sha256: Sha256,
  leaf: Uint8Array,
  branch: readonly Uint8Array[],
  gindex: bigint,
): Promise<Uint8Array | undefined> {
  let node = leaf;
  let index = gindex;
  for (const sibling of branch) {
    if (index <= 1n || sibling.length !== 32) return undefined;
    node = index & 1n ? await hashPair(sha256, sibling, node) : await hashPair(sha256, node, sibling);
    index >>= 1n;
  }
  return index === 1n ? node : undefined;
}

export interface AccountProofInput {
  address: string;
  balance: string;
  nonce: number | string;
  index: number;
  branch: readonly string[];
  stateRoot: string;
}

export interface ProofVerdict {
  ok: boolean;
  /** The root the branch leads to (hex), when it leads anywhere. */
  computedRoot?: string;
  reason?: string;
}

/** Checks that `stateRoot` commits to the account (address, balance, nonce) at `index`. */
export async function verifyAccountProof(sha256: Sha256, p: AccountProofInput): Promise<ProofVerdict> {
  try {
    if (!Number.isSafeInteger(p.index) || p.index < 0) return { ok: false, reason: "bad account index" };
    if (p.branch.length !== ACCOUNT_BRANCH_LENGTH)
      return { ok: false, reason: `branch has ${p.branch.length} nodes, expected ${ACCOUNT_BRANCH_LENGTH}` };
    const address = hexToBytes(p.address);
    if (address.length !== 20) return { ok: false, reason: "address is not 20 bytes" };
    const leaf = await accountRoot(sha256, address, BigInt(p.balance), BigInt(p.nonce));
    const root = await rootFromBranch(sha256, leaf, p.branch.map(hexToBytes), accountGindex(p.index));
    if (!root) return { ok: false, reason: "the branch does not fit the account's position" };
    const computedRoot = bytesToHex(root);
    const ok = computedRoot === p.stateRoot.toLowerCase();
    return ok
      ? { ok, computedRoot }
      : { ok, computedRoot, reason: "the branch leads to another root than the crosslinked state_root" };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}
