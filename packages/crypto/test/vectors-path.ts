import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (packages/crypto/test → ../../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** Shared external vectors, read at run time (never copied into the repo). */
export const SHARED_VECTORS = path.resolve(REPO_ROOT, "../shared/vectors");

export interface InteropKeyVector {
  index: number;
  privkey: string;
  pubkey: string;
}

export function loadInteropKeys(): InteropKeyVector[] {
  const file = JSON.parse(readFileSync(path.join(SHARED_VECTORS, "interop-keys.json"), "utf8")) as {
    keys: InteropKeyVector[];
  };
  return file.keys;
}
