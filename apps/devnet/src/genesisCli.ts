import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { DEFAULT_DEV_ACCOUNTS, writeGenesisFile } from "./genesisFile.js";

const options = {
  validators: { kind: "number", description: "interop validators 0..N-1", default: 64 },
  shards: { kind: "number", description: "shard count (SHARD_COUNT override)", default: 4 },
  preset: { kind: "string", description: "preset: local | scale", default: "local" },
  "slot-seconds": {
    kind: "number",
    description: "SECONDS_PER_SLOT override (0 keeps the preset's)",
    default: 0,
  },
  "genesis-delay": { kind: "number", description: "seconds from now to genesis time", default: 10 },
  accounts: { kind: "number", description: "funded dev accounts dev:0..N-1", default: DEFAULT_DEV_ACCOUNTS },
  network: { kind: "string", description: "network name", default: "shardnet-devnet" },
  out: { kind: "string", description: "output file", default: ".devnet/genesis.json" },
} as const;

try {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(formatHelp("npm run genesis --", "write a dev genesis file", options));
  } else {
    const out = resolve(values.out);
    mkdirSync(dirname(out), { recursive: true });
    const json = writeGenesisFile(out, {
      validators: values.validators,
      shards: values.shards,
      preset: values.preset,
      genesisDelaySec: values["genesis-delay"],
      devAccounts: values.accounts,
      network: values.network,
      ...(values["slot-seconds"] > 0 ? { secondsPerSlot: values["slot-seconds"] } : {}),
    });
    process.stdout.write(
      `wrote ${out}: ${json.validators.length} validators, genesis time ${json.genesisTime}\n`,
    );
  }
} catch (err) {
  process.stderr.write(`genesis: ${(err as Error).message}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
