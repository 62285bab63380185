import { writeSync } from "node:fs";

/**
 * A test failpoint (as etcd's gofail or TiKV's fail-rs): with SHARDNET_FAILPOINT_BLOCK_WRITE_DELAY_MS=<ms> in the
 * environment, every write batch that stores a block prints `FAILPOINT block-write` to stderr (synchronously, so a
 * harness reading the pipe sees it before the write happens) and waits <ms> before it is written. The chaos
 * harness kills the node in that window: a kill -9 in the middle of a block import, after the block was accepted
 * in memory and before its batch is on disk (issue 16). Unset (always, outside tests), it costs one comparison.
 */
export const BLOCK_WRITE_FAILPOINT_ENV = "SHARDNET_FAILPOINT_BLOCK_WRITE_DELAY_MS";
export const BLOCK_WRITE_FAILPOINT_MARKER = "FAILPOINT block-write";

function configuredDelayMs(): number {
  const text = process.env[BLOCK_WRITE_FAILPOINT_ENV];
  if (text === undefined || text === "") return 0;
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0 || ms > 10_000)
    throw new Error(`${BLOCK_WRITE_FAILPOINT_ENV} must be whole milliseconds 0..10000, got "${text}"`);
  return ms;
}

const delayMs = configuredDelayMs();

/** Holds a block's write batch when the failpoint is on; resolves at once otherwise. */
export function blockWriteFailpoint(bucket: string): Promise<void> | undefined {
  if (delayMs === 0) return undefined;
  writeSync(2, `${BLOCK_WRITE_FAILPOINT_MARKER} ${bucket} holding the write ${delayMs} ms\n`);
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}
