/**
 * `npm run bench -w packages/crypto`: ops/s of the BLS operations the chain leans on, per backend, the
 * blst/noble ratio, and blst against the expected numbers. noble runs few iterations (it is ~100x slower).
 */
import { createPublicKey, verify } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  type BlsBackend,
  type BlsBackendName,
  devAccountKey,
  ed25519Sign,
  ed25519Verify,
  getBls,
  interopSecretKey,
  type SignatureSet,
} from "../src/index.js";

interface Measurement {
  opsPerSecond: number;
  iterations: number;
}

/** Runs `operation` at least `minIterations` times and until `budgetMs` has passed (capped at maxIterations). */
function measure(
  operation: () => unknown,
  budgetMs: number,
  minIterations: number,
  maxIterations = 1_000_000,
): Measurement {
  operation(); // warm-up
  const start = performance.now();
  let iterations = 0;
  while (iterations < minIterations || (performance.now() - start < budgetMs && iterations < maxIterations)) {
    operation();
    iterations++;
  }
  return { opsPerSecond: (iterations * 1000) / (performance.now() - start), iterations };
}

function assertTrue(result: boolean, what: string): void {
  if (!result) throw new Error(`benchmark setup is wrong: ${what} did not verify`);
}

const SIGNERS = 128;
const BATCH_SETS = 64;
const message = new TextEncoder().encode("shard block header root 0123456789abcdef");

/** Keys and signatures made once with blst, then decoded by each backend (decoding is not measured). */
const secretKeys = Array.from({ length: SIGNERS }, (_, i) =>
  getBls("blst").secretKeyFromBytes(interopSecretKey(i)),
);
const publicKeyBytes = secretKeys.map((sk) => sk.toPublicKey().toBytes());
const sameMessageSignatures = secretKeys.map((sk) => sk.sign(message).toBytes());
const batchMessages = Array.from({ length: BATCH_SETS }, (_, i) =>
  new TextEncoder().encode(`tx batch item ${i}`),
);
const batchSignatures = batchMessages.map(
  (m, i) => (secretKeys[i] ?? secretKeys[0])?.sign(m).toBytes() ?? new Uint8Array(),
);

type Operation = "verify" | "fastAggregateVerify(128)" | "aggregate 128 signatures" | "batch verify 64 sets";
const OPERATIONS: readonly Operation[] = [
  "verify",
  "fastAggregateVerify(128)",
  "aggregate 128 signatures",
  "batch verify 64 sets",
];

/** Expected blst ops/s (from the brief: FAV(128) ≈ 1 ms, batch(64) ≈ 17 ms). */
const EXPECTED_BLST: Partial<Record<Operation, number>> = {
  "fastAggregateVerify(128)": 1000,
  "batch verify 64 sets": 1000 / 17,
};

function benchBackend(bls: BlsBackend, fast: boolean): Record<Operation, Measurement> {
  const publicKeys = publicKeyBytes.map((pk) => bls.publicKeyFromBytes(pk));
  const signatures = sameMessageSignatures.map((s) => bls.signatureFromBytes(s));
  const aggregate = bls.aggregateSignatures(signatures);
  const sets: SignatureSet[] = batchMessages.map((m, i) => ({
    publicKey:
      publicKeys[i] ?? publicKeys[0] ?? bls.publicKeyFromBytes(publicKeyBytes[0] ?? new Uint8Array()),
    message: m,
    signature: bls.signatureFromBytes(batchSignatures[i] ?? new Uint8Array()),
  }));
  const [pk0, sig0] = [publicKeys[0], signatures[0]];
  if (!pk0 || !sig0) throw new Error("benchmark setup produced no keys");
  assertTrue(bls.verify(pk0, message, sig0), "verify");
  assertTrue(bls.fastAggregateVerify(publicKeys, message, aggregate), "fastAggregateVerify");
  assertTrue(bls.verifyMultipleSignatures(sets), "batch");

  const budget = fast ? 1000 : 0;
  const min = (n: number) => (fast ? n : 1);
  return {
    verify: measure(() => bls.verify(pk0, message, sig0), budget, min(20), fast ? 1e6 : 3),
    "fastAggregateVerify(128)": measure(
      () => bls.fastAggregateVerify(publicKeys, message, aggregate),
      budget,
      min(20),
      fast ? 1e6 : 2,
    ),
    "aggregate 128 signatures": measure(
      () => bls.aggregateSignatures(signatures),
      budget,
      min(20),
      fast ? 1e6 : 3,
    ),
    "batch verify 64 sets": measure(() => bls.verifyMultipleSignatures(sets), budget, min(5), fast ? 1e6 : 1),
  };
}

function benchEd25519(): Measurement {
  const keys = Array.from({ length: 64 }, (_, i) => devAccountKey(i));
  const signed = keys.map((k, i) => {
    const m = new TextEncoder().encode(`transfer ${i}`);
    return { publicKey: k.publicKey, message: m, signature: ed25519Sign(k.secretKey, m) };
  });
  let i = 0;
  const measurement = measure(
    () => {
      const tx = signed[i++ % signed.length];
      if (!tx || !ed25519Verify(tx.publicKey, tx.message, tx.signature))
        throw new Error("Ed25519 bench tx did not verify");
    },
    1000,
    100,
  );
  return measurement;
}

const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/**
 * µs per Ed25519 verification by call shape, over 1,024 dev accounts in turn (the devnet's funded senders):
 * ed25519Verify (its KeyObject cache, keyed by hex), node:crypto's verify on a KeyObject held by the caller
 * (the floor), on a KeyObject imported per call, and on the DER key passed inline (imported per call inside).
 */
function benchEd25519CallShapes(): Array<[string, number]> {
  const signed = Array.from({ length: 1024 }, (_, i) => {
    const k = devAccountKey(i);
    const m = new TextEncoder().encode(`transfer ${i}`);
    const der = Buffer.concat([SPKI_PREFIX, k.publicKey]);
    return {
      publicKey: k.publicKey,
      der,
      key: createPublicKey({ key: der, format: "der", type: "spki" }),
      message: m,
      signature: ed25519Sign(k.secretKey, m),
    };
  });
  const shapes: Array<[string, (tx: (typeof signed)[number]) => boolean]> = [
    ["ed25519Verify (cached KeyObject)", (tx) => ed25519Verify(tx.publicKey, tx.message, tx.signature)],
    ["verify on a held KeyObject", (tx) => verify(null, tx.message, tx.key, tx.signature)],
    [
      "verify, KeyObject imported per call",
      (tx) =>
        verify(null, tx.message, createPublicKey({ key: tx.der, format: "der", type: "spki" }), tx.signature),
    ],
    [
      "verify, DER key inline",
      (tx) => verify(null, tx.message, { key: tx.der, format: "der", type: "spki" }, tx.signature),
    ],
  ];
  return shapes.map(([name, run]) => {
    let i = 0;
    const { opsPerSecond } = measure(
      () => {
        const tx = signed[i++ % signed.length]!;
        if (!run(tx)) throw new Error(`Ed25519 bench (${name}) did not verify`);
      },
      1000,
      2048,
    );
    return [name, 1e6 / opsPerSecond];
  });
}

function formatRate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

function pad(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
    .join("  ");
}

function main(): void {
  const results = new Map<BlsBackendName, Record<Operation, Measurement>>();
  results.set("blst", benchBackend(getBls("blst"), true));
  results.set("noble", benchBackend(getBls("noble"), false));
  const ed25519 = benchEd25519();

  const header = [
    "operation",
    "blst ops/s",
    "blst ms/op",
    "noble ops/s",
    "noble ms/op",
    "blst/noble",
    "expected blst ops/s",
    "blst/expected",
  ];
  const widths = [26, 11, 11, 12, 12, 11, 20, 14];
  console.log(pad(header, widths));
  console.log(
    pad(
      header.map((h) => "-".repeat(h.length)),
      widths,
    ),
  );
  for (const operation of OPERATIONS) {
    const blst = results.get("blst")?.[operation];
    const noble = results.get("noble")?.[operation];
    if (!blst || !noble) continue;
    const expected = EXPECTED_BLST[operation];
    console.log(
      pad(
        [
          operation,
          formatRate(blst.opsPerSecond),
          (1000 / blst.opsPerSecond).toFixed(3),
          formatRate(noble.opsPerSecond),
          (1000 / noble.opsPerSecond).toFixed(1),
          `${(blst.opsPerSecond / noble.opsPerSecond).toFixed(0)}x`,
          expected === undefined ? "-" : formatRate(expected),
          expected === undefined ? "-" : (blst.opsPerSecond / expected).toFixed(2),
        ],
        widths,
      ),
    );
  }
  const expectedEd25519 = 12_000;
  console.log(
    pad(
      [
        "Ed25519 verify (node)",
        formatRate(ed25519.opsPerSecond),
        (1000 / ed25519.opsPerSecond).toFixed(3),
        "-",
        "-",
        "-",
        formatRate(expectedEd25519),
        (ed25519.opsPerSecond / expectedEd25519).toFixed(2),
      ],
      widths,
    ),
  );
  console.log(`noble iterations: few (1-3 per op); blst: ~1 s per op. Node ${process.version}.`);
  console.log("\nEd25519 verify by call shape (1,024 keys in turn)");
  for (const [name, us] of benchEd25519CallShapes())
    console.log(`  ${name.padEnd(38)} ${us.toFixed(1).padStart(7)} µs`);
}

main();
