import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { APP_ENTRY, distEntryOf, entryArgs, REPO_ROOT, runModeOf } from "../src/processes.js";

const saved = process.env.SHARDNET_RUN_FROM;
afterEach(() => {
  if (saved === undefined) delete process.env.SHARDNET_RUN_FROM;
  else process.env.SHARDNET_RUN_FROM = saved;
});

describe("which entry point spawnNode runs", () => {
  it("maps a source entry point to its compiled one", () => {
    expect(distEntryOf(APP_ENTRY.beacon)).toBe(join(REPO_ROOT, "apps/beacon/dist/main.js"));
    expect(distEntryOf("apps/devnet/src/genesisCli.ts")).toBe(
      join(REPO_ROOT, "apps/devnet/dist/genesisCli.js"),
    );
    expect(distEntryOf("test/e2e/helpers/devnet.ts")).toBeUndefined();
  });

  it("SHARDNET_RUN_FROM=source runs the sources through tsx with the source condition", () => {
    process.env.SHARDNET_RUN_FROM = "source";
    expect(entryArgs(APP_ENTRY.shard)).toEqual([
      "--max-semi-space-size=16",
      "--conditions=@shardnet/source",
      "--import",
      "tsx",
      join(REPO_ROOT, "apps/shard-node/src/main.ts"),
    ]);
  });

  it("runs the sources when there is no build, and says so", () => {
    delete process.env.SHARDNET_RUN_FROM;
    const run = runModeOf("apps/no-such-app/src/main.ts");
    expect(run.mode).toBe("source");
    expect(run.reason).toMatch(/apps\/no-such-app\/dist\/main\.js is missing \(npm run build\)/);
  });

  it("SHARDNET_RUN_FROM=dist without a build, or a bad value, is a clear error", () => {
    process.env.SHARDNET_RUN_FROM = "dist";
    expect(() => runModeOf("apps/no-such-app/src/main.ts")).toThrow(/run `npm run build` first/);
    process.env.SHARDNET_RUN_FROM = "compiled";
    expect(() => runModeOf(APP_ENTRY.beacon)).toThrow(/must be "dist" or "source"/);
  });
});
