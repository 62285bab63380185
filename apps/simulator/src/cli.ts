/** Simulator command line: flag parsing, summary formatting, and the run itself (no process exit). */
import { parseArgs } from "node:util";
import {
  DEFAULT_SHARD_TRANSACTIONS,
  isPresetName,
  resolvePreset,
  runSimulation,
  type ShardTransactionsConfig,
  type SimDepositsConfig,
  type SimulationSummary,
} from "@shardnet/consensus";

const USAGE = `usage: simulate [options]
  --validators N     validators at genesis (default 64)
  --shards S         shard count (default: the preset's SHARD_COUNT)
  --epochs E         epochs to simulate (default 4)
  --offline F        fraction of validators offline, 0..1 (default 0)
  --seed X           integer seed: network name, offline set (default 1)
  --preset NAME      local | scale (default local)
  --preset-value K=N a preset value by name, repeatable (e.g. --preset-value SHARD_COMMITTEE_PERIOD=1
                     --preset-value MIN_VALIDATOR_WITHDRAWABILITY_DELAY=1 for a short registry cycle)
  --no-signatures    skip BLS signing and verification (big runs only)
  --txs-per-slot N   transfers submitted per slot over all shards (default 16)
  --cross-shard F    fraction of transfers to another shard, 0..1 (default 0.5)
  --accounts N       funded dev accounts dev:0..N-1 (default 64)
  --no-transactions  placeholder shard blocks, no transfer workload
  --deposits N       new validators join: N deposit transactions (MAX_STAKE each) from dev accounts (default 0)
  --deposit-every S  one deposit every S slots (default 4)
  --exits N          the N highest online genesis validators exit voluntarily once allowed (default 0)
  --exit-deposited N the validators of the first N deposits exit too, once registered and allowed (default 0);
                     exited stake is withdrawn to the withdrawal address (genesis: zero account; deposit: its payer)
  --json             print the summary as one JSON object on the last line
  --help             this text`;

export interface SimulatorCliOptions {
  validators: number;
  shards: number | undefined;
  epochs: number;
  offline: number;
  seed: number;
  preset: "local" | "scale";
  /** --preset-value overrides (SHARD_COUNT comes from --shards). */
  presetOverrides: Record<string, number>;
  signatures: boolean;
  json: boolean;
  /** Transfer workload, or false for placeholder shard blocks. */
  transactions: ShardTransactionsConfig | false;
  /** Validators joining by deposit, or undefined for none. */
  deposits: SimDepositsConfig | undefined;
  /** Genesis validators that exit voluntarily (0: none). */
  exits: number;
  /** Validators of the first N deposits that exit voluntarily (0: none; at most the deposit count). */
  exitDeposited: number;
}

function toNumber(name: string, value: string | undefined, fallback: number, integer: boolean): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || (integer && !Number.isSafeInteger(n))) {
    throw new Error(`--${name} must be ${integer ? "an integer" : "a number"}, got "${value}"`);
  }
  return n;
}

export function parseSimulatorArgs(argv: readonly string[]): SimulatorCliOptions | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      validators: { type: "string" },
      shards: { type: "string" },
      epochs: { type: "string" },
      offline: { type: "string" },
      seed: { type: "string" },
      preset: { type: "string" },
      "preset-value": { type: "string", multiple: true },
      "no-signatures": { type: "boolean" },
      "txs-per-slot": { type: "string" },
      "cross-shard": { type: "string" },
      accounts: { type: "string" },
      "no-transactions": { type: "boolean" },
      deposits: { type: "string" },
      "deposit-every": { type: "string" },
      exits: { type: "string" },
      "exit-deposited": { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const preset = values.preset ?? "local";
  if (!isPresetName(preset)) throw new Error(`--preset must be local or scale, got "${preset}"`);
  const presetOverrides: Record<string, number> = {};
  for (const text of values["preset-value"] ?? []) {
    const match = /^([A-Z_]+)=([0-9]+)$/.exec(text);
    if (!match)
      throw new Error(`--preset-value must be NAME=N (e.g. SHARD_COMMITTEE_PERIOD=1), got "${text}"`);
    if (match[1] === "SHARD_COUNT") throw new Error("--preset-value SHARD_COUNT: use --shards");
    presetOverrides[match[1]!] = Number(match[2]);
  }
  resolvePreset(preset, presetOverrides); // unknown names and non-positive values fail here, with their names
  const offline = toNumber("offline", values.offline, 0, false);
  if (offline < 0 || offline > 1) throw new Error(`--offline must be between 0 and 1, got ${offline}`);
  const validators = toNumber("validators", values.validators, 64, true);
  if (validators < 1) throw new Error("--validators must be at least 1");
  const epochs = toNumber("epochs", values.epochs, 4, true);
  if (epochs < 1) throw new Error("--epochs must be at least 1");
  const txsPerSlot = toNumber(
    "txs-per-slot",
    values["txs-per-slot"],
    DEFAULT_SHARD_TRANSACTIONS.txsPerSlot,
    true,
  );
  if (txsPerSlot < 0) throw new Error("--txs-per-slot must be 0 or more");
  const crossShardShare = toNumber(
    "cross-shard",
    values["cross-shard"],
    DEFAULT_SHARD_TRANSACTIONS.crossShardShare,
    false,
  );
  if (crossShardShare < 0 || crossShardShare > 1) {
    throw new Error(`--cross-shard must be between 0 and 1, got ${crossShardShare}`);
  }
  const accounts = toNumber("accounts", values.accounts, DEFAULT_SHARD_TRANSACTIONS.accounts, true);
  if (accounts < 1) throw new Error("--accounts must be at least 1");
  const deposits = toNumber("deposits", values.deposits, 0, true);
  if (deposits < 0) throw new Error("--deposits must be 0 or more");
  const everySlots = toNumber("deposit-every", values["deposit-every"], 4, true);
  if (everySlots < 1) throw new Error("--deposit-every must be at least 1");
  const exits = toNumber("exits", values.exits, 0, true);
  if (exits < 0) throw new Error("--exits must be 0 or more");
  const exitDeposited = toNumber("exit-deposited", values["exit-deposited"], 0, true);
  if (exitDeposited < 0 || exitDeposited > deposits)
    throw new Error(`--exit-deposited must be between 0 and --deposits (${deposits}), got ${exitDeposited}`);
  if (deposits > 0 && values["no-transactions"])
    throw new Error("--deposits needs the transaction workload (drop --no-transactions)");
  return {
    validators,
    shards: values.shards === undefined ? undefined : toNumber("shards", values.shards, 0, true),
    epochs,
    offline,
    seed: toNumber("seed", values.seed, 1, true),
    preset,
    presetOverrides,
    signatures: !values["no-signatures"],
    json: values.json ?? false,
    transactions: values["no-transactions"] ? false : { txsPerSlot, crossShardShare, accounts },
    deposits: deposits > 0 ? { count: deposits, everySlots } : undefined,
    exits,
    exitDeposited,
  };
}

export function formatSummary(s: SimulationSummary, seconds: number): string {
  return [
    `validators ${s.validators} (${s.offlineValidators} offline), shards ${s.shards}, epochs ${s.epochs}, BLS ${s.signatures ? "on" : "off"}`,
    `head slot ${s.headSlot}: ${s.blocksProposed} blocks, ${s.slotsMissed} missed slots`,
    `justified epoch ${s.justifiedEpoch}, finalized epoch ${s.finalizedEpoch}, safety violations ${s.safetyViolations}`,
    `crosslinks per shard [${s.crosslinksPerShard.join(", ")}], shard-epochs without a crosslink ${s.epochsWithoutCrosslink}`,
    `transactions: ${s.txsIncluded}/${s.txsSubmitted} included, shard→shard receipts ${s.receiptsCredited}/${s.receiptsSent} credited, supply ${s.supplyConserved ? "conserved" : "NOT CONSERVED"}`,
    ...(s.deposits
      ? [
          `deposits: ${s.deposits.sent} sent, ${s.deposits.included} in shard blocks, ${s.deposits.registered} registered, ${s.deposits.activated} new validators active, ${s.deposits.attested} attested, ${s.deposits.blocksProposed} beacon blocks by them`,
        ]
      : []),
    ...(s.exits
      ? [`exits: ${s.exits.scheduled}/${s.exits.requested} scheduled, ${s.exits.exited} exited`]
      : []),
    ...(s.withdrawals
      ? [
          `withdrawals: ${s.withdrawals.sent} sent (${s.withdrawals.sentGwei} gwei), ${s.withdrawals.credited} credited on shards (${s.withdrawals.creditedGwei} gwei)`,
        ]
      : []),
    `state root ${s.stateRoot}`,
    `ran in ${seconds.toFixed(1)} s`,
  ].join("\n");
}

/** Runs the CLI with `argv`; returns the exit code. */
export function runSimulatorCli(argv: readonly string[]): number {
  let options: SimulatorCliOptions | "help";
  try {
    options = parseSimulatorArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const shards = options.shards ?? (options.preset === "scale" ? 64 : 4);
  const started = performance.now();
  const summary = runSimulation({
    validators: options.validators,
    shards,
    epochs: options.epochs,
    offline: options.offline,
    seed: options.seed,
    preset: options.preset,
    presetOverrides: options.presetOverrides,
    signatures: options.signatures,
    transactions: options.transactions,
    ...(options.deposits ? { deposits: options.deposits } : {}),
    ...(options.exits > 0 || options.exitDeposited > 0
      ? { exits: { count: options.exits, deposited: options.exitDeposited } }
      : {}),
  });
  console.log(formatSummary(summary, (performance.now() - started) / 1000));
  if (options.json) console.log(JSON.stringify(summary));
  return 0;
}
