import { setHasher } from "@chainsafe/persistent-merkle-tree";
import { hasher as hashtreeHasher } from "@chainsafe/persistent-merkle-tree/hasher/hashtree";

/**
 * Switches SSZ / Merkle hashing to the native `hashtree` SHA-256 (same roots, several times faster than the
 * default pure-JS hasher). Process-wide: call once at startup in apps, benchmarks and the simulator.
 */
export function useNativeHasher(): void {
  setHasher(hashtreeHasher);
}
