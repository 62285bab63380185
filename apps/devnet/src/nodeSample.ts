/**
 * One memory and disk sample of a running node: RSS and heap from its own metrics (shardnet_process_*), and
 * the size of its database folder. Used by the soak and the chaos harness's soak scenario.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parsePrometheusText } from "./benchDevnet.js";

export interface NodeSample {
  rssMb: number;
  heapMb: number;
  /** V8 heap committed, and memory outside the heap (Buffers, ArrayBuffers, WebAssembly is in RSS only). */
  heapTotalMb: number;
  externalMb: number;
  dbMb: number;
  caches: Record<string, number>;
}

const MB = 1024 * 1024;

/** Bytes of every file under `dir` (the node's LevelDB). */
export function dirBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

export async function sampleNode(node: { metrics: string; dataDir: string }): Promise<NodeSample> {
  const res = await fetch(node.metrics, { signal: AbortSignal.timeout(10_000) });
  const samples = parsePrometheusText(await res.text());
  const value = (...names: string[]) => samples.find((s) => names.includes(s.name))?.value ?? Number.NaN;
  const caches: Record<string, number> = {};
  for (const s of samples)
    if (s.name === "shardnet_cache_entries" && s.labels.cache) caches[s.labels.cache] = s.value;
  return {
    rssMb:
      value(
        "shardnet_process_resident_memory_bytes",
        "shardnet_process_process_resident_memory_bytes",
        "process_resident_memory_bytes",
      ) / MB,
    heapMb: value("shardnet_process_nodejs_heap_size_used_bytes", "nodejs_heap_size_used_bytes") / MB,
    heapTotalMb: value("shardnet_process_nodejs_heap_size_total_bytes", "nodejs_heap_size_total_bytes") / MB,
    externalMb: value("shardnet_process_nodejs_external_memory_bytes", "nodejs_external_memory_bytes") / MB,
    dbMb: dirBytes(node.dataDir) / MB,
    caches,
  };
}
