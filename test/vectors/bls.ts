/**
 * Ethereum-format BLS vectors (ethereum/bls12-381-tests): one JSON file per case, `{input, output}`,
 * `output: null` = the operation must fail with a BlsError. Every handler runs on every backend.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  type BlsBackend,
  BlsError,
  type BlsPublicKey,
  blsBackendNames,
  bytesToHex,
  getBls,
  hexToBytes,
} from "@shardnet/crypto";
import type { VectorReport } from "./report.js";

/** DST of the hash_to_G2 vectors (RFC 9380 test suite), not the signature DST. */
const HASH_TO_G2_DST = "QUUX-V01-CS02-with-BLS12381G2_XMD:SHA-256_SSWU_RO_";

interface VectorCase {
  name: string;
  input: unknown;
  output: unknown;
}

/** Returns whether the backend's result matches `output`; throws only for a crash (non-BlsError). */
type CaseRunner = (bls: BlsBackend, input: unknown, output: unknown) => boolean;

class UnsupportedHandler extends Error {}

function hexField(value: unknown, what: string): Uint8Array {
  if (typeof value !== "string") throw new Error(`vector field ${what} is not a hex string`);
  return hexToBytes(value);
}

function record(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new Error("vector input is not an object");
  return value as Record<string, unknown>;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`vector field ${what} is not a list`);
  return value;
}

/** Runs `operation`; a BlsError counts as the operation failing (returns undefined), anything else is a crash. */
function orFailure<T>(operation: () => T): T | undefined {
  try {
    return operation();
  } catch (error) {
    if (error instanceof BlsError) return undefined;
    throw error;
  }
}

function sameHex(bytes: Uint8Array | undefined, expected: unknown): boolean {
  if (expected === null) return bytes === undefined;
  return (
    bytes !== undefined && typeof expected === "string" && `0x${bytesToHex(bytes)}` === expected.toLowerCase()
  );
}

function decodePublicKeys(bls: BlsBackend, values: unknown[]): BlsPublicKey[] {
  return values.map((v) => bls.publicKeyFromBytes(hexField(v, "pubkey")));
}

const HANDLERS: Record<string, CaseRunner> = {
  sign(bls, input, output) {
    const { privkey, message } = record(input);
    const signature = orFailure(() =>
      bls.secretKeyFromBytes(hexField(privkey, "privkey")).sign(hexField(message, "message")).toBytes(),
    );
    return sameHex(signature, output);
  },

  verify(bls, input, output) {
    const { pubkey, message, signature } = record(input);
    const valid = orFailure(() =>
      bls.verify(
        bls.publicKeyFromBytes(hexField(pubkey, "pubkey")),
        hexField(message, "message"),
        bls.signatureFromBytes(hexField(signature, "signature")),
      ),
    );
    return (valid ?? false) === output;
  },

  aggregate(bls, input, output) {
    const aggregate = orFailure(() =>
      bls
        .aggregateSignatures(
          list(input, "signatures").map((s) => bls.signatureFromBytes(hexField(s, "signature"))),
        )
        .toBytes(),
    );
    return sameHex(aggregate, output);
  },

  aggregate_verify(bls, input, output) {
    const { pubkeys, messages, signature } = record(input);
    const valid = orFailure(() =>
      bls.aggregateVerify(
        decodePublicKeys(bls, list(pubkeys, "pubkeys")),
        list(messages, "messages").map((m) => hexField(m, "message")),
        bls.signatureFromBytes(hexField(signature, "signature")),
      ),
    );
    return (valid ?? false) === output;
  },

  fast_aggregate_verify(bls, input, output) {
    const { pubkeys, message, signature } = record(input);
    const valid = orFailure(() =>
      bls.fastAggregateVerify(
        decodePublicKeys(bls, list(pubkeys, "pubkeys")),
        hexField(message, "message"),
        bls.signatureFromBytes(hexField(signature, "signature")),
      ),
    );
    return (valid ?? false) === output;
  },

  batch_verify(bls, input, output) {
    const { pubkeys, messages, signatures } = record(input);
    const valid = orFailure(() => {
      const publicKeys = decodePublicKeys(bls, list(pubkeys, "pubkeys"));
      const messageList = list(messages, "messages");
      const signatureList = list(signatures, "signatures");
      if (messageList.length !== publicKeys.length || signatureList.length !== publicKeys.length)
        return false;
      return bls.verifyMultipleSignatures(
        publicKeys.map((publicKey, i) => ({
          publicKey,
          message: hexField(messageList[i], "message"),
          signature: bls.signatureFromBytes(hexField(signatureList[i], "signature")),
        })),
      );
    });
    return (valid ?? false) === output;
  },

  hash_to_G2(bls, input, output) {
    if (!bls.hashToG2) throw new UnsupportedHandler();
    const { msg } = record(input);
    if (typeof msg !== "string") throw new Error("hash_to_G2 vector msg is not a string");
    const { x: expectedX, y: expectedY } = record(output);
    const point = bls.hashToG2(new TextEncoder().encode(msg), HASH_TO_G2_DST);
    const fp2 = ([c0, c1]: readonly [bigint, bigint]) =>
      `0x${c0.toString(16).padStart(96, "0")},0x${c1.toString(16).padStart(96, "0")}`;
    return fp2(point.x) === expectedX && fp2(point.y) === expectedY;
  },

  deserialization_G1(bls, input, output) {
    const bytes = hexField(record(input).pubkey, "pubkey");
    let decoded: boolean;
    try {
      bls.publicKeyFromBytes(bytes);
      decoded = true;
    } catch (error) {
      if (!(error instanceof BlsError)) throw error;
      // The infinity point is a valid G1 *encoding*; publicKeyFromBytes refuses it only as a key
      // (KeyValidate). Any malformed infinity encoding fails earlier with INVALID_ENCODING.
      decoded = error.code === "INFINITY_PUBLIC_KEY";
    }
    return decoded === output;
  },

  deserialization_G2(bls, input, output) {
    const bytes = hexField(record(input).signature, "signature");
    return (orFailure(() => bls.signatureFromBytes(bytes)) !== undefined) === output;
  },
};

export const BLS_HANDLERS: readonly string[] = Object.keys(HANDLERS);

function readCases(directory: string): VectorCase[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => {
      const parsed = JSON.parse(readFileSync(path.join(directory, file), "utf8")) as {
        input?: unknown;
        output?: unknown;
      };
      if (!("input" in parsed) || !("output" in parsed))
        throw new Error(`${file}: not an {input, output} vector`);
      return { name: file.replace(/\.json$/, ""), input: parsed.input, output: parsed.output };
    });
}

function runHandler(handler: string, runner: CaseRunner, cases: VectorCase[], bls: BlsBackend): VectorReport {
  const failures: string[] = [];
  for (const vector of cases) {
    try {
      if (!runner(bls, vector.input, vector.output))
        failures.push(`  FAIL ${handler} ${bls.name} ${vector.name}`);
    } catch (error) {
      if (error instanceof UnsupportedHandler) {
        return { lines: [`${handler} ${bls.name} skipped: not exposed`], failed: 0, total: 0 };
      }
      const detail = error instanceof Error ? error.message : String(error);
      failures.push(`  FAIL ${handler} ${bls.name} ${vector.name}: crashed: ${detail}`);
    }
  }
  const passed = cases.length - failures.length;
  return {
    lines: [`${handler} ${bls.name} ${passed}/${cases.length}`, ...failures],
    failed: failures.length,
    total: cases.length,
  };
}

/**
 * Runs every handler directory under `vectorDir` on every backend (or `backends`). A directory with no
 * cases, an unknown handler directory, or a root with no handler directory counts as a failure.
 */
export function runBlsVectors(
  vectorDir: string,
  backends: readonly BlsBackend[] = blsBackendNames().map((n) => getBls(n)),
): VectorReport {
  const lines: string[] = [];
  let failed = 0;
  let total = 0;
  const handlerDirs = readdirSync(vectorDir)
    .filter((entry) => statSync(path.join(vectorDir, entry)).isDirectory())
    .sort();
  if (handlerDirs.length === 0) {
    return { lines: [`no handler directories under ${vectorDir}`], failed: 1, total: 0 };
  }
  for (const handler of handlerDirs) {
    const runner = HANDLERS[handler];
    if (!runner) {
      lines.push(`${handler}: unknown BLS handler (known: ${BLS_HANDLERS.join(", ")})`);
      failed += 1;
      continue;
    }
    const cases = readCases(path.join(vectorDir, handler));
    if (cases.length === 0) {
      lines.push(`${handler}: no cases in ${path.join(vectorDir, handler)}`);
      failed += 1;
      continue;
    }
    for (const bls of backends) {
      const report = runHandler(handler, runner, cases, bls);
      lines.push(...report.lines);
      failed += report.failed;
      total += report.total;
    }
  }
  return { lines, failed, total };
}
