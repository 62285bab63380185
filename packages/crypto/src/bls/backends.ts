import { blstBackend } from "./blst.js";
import type { BlsBackend, BlsBackendName } from "./interface.js";
import { nobleBackend } from "./noble.js";

const BACKEND_NAMES: readonly BlsBackendName[] = ["blst", "noble"];
const backends = new Map<BlsBackendName, BlsBackend>([
  ["blst", blstBackend],
  ["noble", nobleBackend],
]);

export function isBlsBackendName(value: string): value is BlsBackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

/** Every backend name, in a stable order (the vector runner and cross-backend tests iterate it). */
export function blsBackendNames(): readonly BlsBackendName[] {
  return BACKEND_NAMES;
}

/**
 * The BLS backend singleton named `name`, else `process.env.SHARDNET_BLS`, else "blst".
 * Throws on an unknown name so a typo in SHARDNET_BLS never silently falls back.
 */
export function getBls(name?: BlsBackendName): BlsBackend {
  const chosen = name ?? process.env.SHARDNET_BLS ?? "blst";
  if (!isBlsBackendName(chosen)) {
    throw new Error(
      `unknown BLS backend "${chosen}": set SHARDNET_BLS to one of ${BACKEND_NAMES.join(", ")}`,
    );
  }
  const backend = backends.get(chosen);
  if (!backend) throw new Error(`BLS backend "${chosen}" is not available in this build`);
  return backend;
}
