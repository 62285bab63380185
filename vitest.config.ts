import { defineConfig } from "vitest/config";

/**
 * Tests that start processes: devnets, the CLI, the load generator, node scripts. Everything else is a
 * unit test (in-process, real LevelDB in temp dirs and real libp2p on 127.0.0.1 included).
 */
const E2E = ["test/e2e/**/*.test.ts", "apps/*/test/**/*.e2e.test.ts"];

/**
 * How the e2e project starts nodes (apps/devnet/src/processes.ts runModeOf): SHARDNET_RUN_FROM when set, else
 * compiled once built (npm test builds first), as the containers run them.
 */
// biome-ignore lint/suspicious/noUndeclaredEnvVars: read by vitest's config only, not an input of a turbo task
const RUN_FROM = process.env.SHARDNET_RUN_FROM;

// One vitest run for the whole monorepo, as two projects: `npm run test:unit` (--project unit) and
// `npm run test:e2e` (--project e2e); `npm test` runs both, unit first. Workspace packages resolve to
// their TypeScript sources through the "@shardnet/source" export condition, so tests never depend on a
// stale dist/.
export default defineConfig({
  resolve: { conditions: ["@shardnet/source"] },
  ssr: { resolve: { conditions: ["@shardnet/source"] } },
  test: {
    // Prints the Node.js the tests run on and refuses one older than 22 (package.json engines).
    globalSetup: ["test/globalSetup.ts"],
    setupFiles: ["packages/p2p/src/polyfill.ts"],
    pool: "forks",
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/test/**/*.test.ts", "apps/*/test/**/*.test.ts", "test/vectors/**/*.test.ts"],
          exclude: E2E,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: E2E,
          // Nodes, the CLI and the load generator start as spawnNode decides: compiled when dist/ is current.
          // (The durability test passed compiled once 6ae34e1 fixed the transfers lost on a stale fork.)
          env: RUN_FROM === undefined ? {} : { SHARDNET_RUN_FROM: RUN_FROM },
          // Deadlines inside the tests are counted in slots; these only stop a hung test.
          testTimeout: 300_000,
          hookTimeout: 180_000,
          // End-to-end files start whole devnets on a 2-core machine: one file at a time keeps slot timing
          // honest, and the group runs after the unit tests, never beside them.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
