import { defineConfig } from "vitest/config";

// One vitest run for the whole monorepo. Workspace packages resolve to their TypeScript sources through
// the "@shardnet/source" export condition, so tests never depend on a stale dist/.
export default defineConfig({
  resolve: { conditions: ["@shardnet/source"] },
  ssr: { resolve: { conditions: ["@shardnet/source"] } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "test/**/*.test.ts"],
    setupFiles: ["packages/p2p/src/polyfill.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // End-to-end files start whole devnets on a 2-core machine: one test file at a time keeps slot timing honest.
    fileParallelism: false,
    reporters: ["default"],
  },
});
