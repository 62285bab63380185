/**
 * A V8 CPU profile (`.cpuprofile`) summarised: busy time by component (libp2p's layers, BLS, SSZ hashing,
 * LevelDB, the HTTP API, shardnet's own packages…) and the functions with the most self time. Idle time is left
 * out of the shares.
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const NODE_CRYPTO = "node:crypto";

/**
 * node:crypto serves several callers, told apart by the outermost node:crypto frame of the stack: its module
 * (sig: transactions' Ed25519 verify; keys: their public key import; cipher: noise's ChaCha20-Poly1305 on
 * every libp2p frame, which builds a Cipheriv and its key object per frame; hash: SHA-256 of gossip message
 * ids and addresses). By self frame alone, a Cipheriv's key-object work (node:internal/crypto/keys) would
 * count as Ed25519: in node-1's profile at 400/s, 2.6 s of the 6.3 s once counted as Ed25519 were noise's.
 */
const NODE_CRYPTO_CALLERS: Array<[string, RegExp]> = [
  ["Ed25519 (node:crypto)", /internal\/crypto\/(sig|keys)$/],
  ["ChaCha20-Poly1305 (node:crypto)", /internal\/crypto\/cipher$/],
  ["SHA-256 (node:crypto)", /internal\/crypto\/hash$/],
];

function nodeCryptoComponent(
  node: ProfileNode,
  byId: Map<number, ProfileNode>,
  parentOf: Map<number, number>,
) {
  let outer = node;
  for (let up = byId.get(parentOf.get(node.id) ?? -1); up && /internal\/crypto\//.test(up.callFrame.url); ) {
    outer = up;
    up = byId.get(parentOf.get(up.id) ?? -1);
  }
  return (
    NODE_CRYPTO_CALLERS.find(([, module]) => module.test(outer.callFrame.url))?.[0] ?? "node:crypto, other"
  );
}

/** Components by the script URL of a frame, first match wins. */
const COMPONENTS: Array<[string, (f: CallFrame) => boolean]> = [
  ["idle", (f) => f.functionName === "(idle)"],
  ["garbage collector", (f) => f.functionName === "(garbage collector)"],
  ["(program)", (f) => f.functionName === "(program)"],
  ["gossipsub", (f) => /gossipsub/.test(f.url)],
  ["noise (encryption)", (f) => /noise|chacha|@noble\/ciphers|stablelib/.test(f.url)],
  ["yamux (streams)", (f) => /yamux/.test(f.url)],
  [
    "libp2p, other",
    (f) => /libp2p|\/it-|uint8arraylist|protons|multiformats|race-signal|p-queue|abortable/.test(f.url),
  ],
  ["BLS", (f) => /blst|bls12|\/bls\//.test(f.url)],
  [
    "SSZ and Merkle hashing",
    (f) => /@chainsafe\/(ssz|persistent-merkle-tree|as-sha256|hashtree)/.test(f.url),
  ],
  ["LevelDB", (f) => /classic-level|abstract-level|level-transcoder/.test(f.url)],
  ["HTTP API (fastify)", (f) => /fastify|avvio|find-my-way|light-my-request|_http_|node:http/.test(f.url)],
  ["logging (pino)", (f) => /pino|sonic-boom/.test(f.url)],
  ["metrics (prom-client)", (f) => /prom-client/.test(f.url)],
  ["shardnet consensus", (f) => /packages\/consensus\//.test(f.url)],
  ["shardnet node: transactions", (f) => /packages\/node\/(src|dist)\/tx\//.test(f.url)],
  ["shardnet node: chains", (f) => /packages\/node\/(src|dist)\/chain\//.test(f.url)],
  ["shardnet node: other", (f) => /packages\/node\//.test(f.url)],
  ["shardnet p2p", (f) => /packages\/p2p\//.test(f.url)],
  ["shardnet crypto", (f) => /packages\/crypto\//.test(f.url)],
  // Refined by caller (nodeCryptoComponent): transactions' Ed25519 signatures are only part of it.
  [NODE_CRYPTO, (f) => /internal\/crypto\//.test(f.url)],
  [
    "socket writes",
    (f) => f.url === "" && /^(writeBuffer|writev|writeUtf8String|writeLatin1String)$/.test(f.functionName),
  ],
  ["Node.js internals", (f) => /^node:|^internal\/|^$/.test(f.url)],
  ["other", () => true],
];

function componentOf(frame: CallFrame): string {
  return COMPONENTS.find(([, matches]) => matches(frame))![0];
}

/** Self time (ms) per node id of a profile. */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const out = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    out.set(id, (out.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return out;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  busyMs: number;
  components: Array<{ component: string; ms: number; share: number }>;
  functions: Array<{ name: string; ms: number; share: number }>;
}

export function summarizeProfile(file: string, profile: CpuProfile, top: number): ProfileSummary {
  const times = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const byComponent = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let sampled = 0;
  for (const node of profile.nodes) {
    const ms = times.get(node.id) ?? 0;
    if (ms === 0) continue;
    sampled += ms;
    const byUrl = componentOf(node.callFrame);
    const component = byUrl === NODE_CRYPTO ? nodeCryptoComponent(node, byId, parentOf) : byUrl;
    byComponent.set(component, (byComponent.get(component) ?? 0) + ms);
    if (component === "idle") continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const name = `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
  }
  const busy = sampled - (byComponent.get("idle") ?? 0);
  const share = (ms: number) => (busy > 0 ? ms / busy : 0);
  return {
    file,
    sampledMs: sampled,
    busyMs: busy,
    components: [...byComponent]
      .filter(([c]) => c !== "idle")
      .sort((a, b) => b[1] - a[1])
      .map(([component, ms]) => ({ component, ms, share: share(ms) })),
    functions: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: share(ms) })),
  };
}
