/** What a chaos scenario is given and what it declares. */
import type { SeededRandom } from "@shardnet/consensus";
import type { ChaosCluster } from "./cluster.js";
import type { AcknowledgedTransfers } from "./durability.js";
import type { Firewall } from "./firewall.js";
import type { CpuBurners, LightLoad } from "./load.js";
import type { InvariantMonitor } from "./monitor.js";

export interface ScenarioContext {
  cluster: ChaosCluster;
  firewall: Firewall;
  monitor: InvariantMonitor;
  burners: CpuBurners;
  random: SeededRandom;
  /** The short version (npm test) rather than the long one. */
  short: boolean;
  /** --minutes: the soak's length. */
  minutes: number;
  acks: AcknowledgedTransfers;
  log: (msg: string) => void;
  /** A scenario-specific expectation; the scenario passes only if every one holds. */
  expect: (name: string, ok: boolean, detail: string) => void;
  /** Accepted transfers lost in a load the scenario ran itself. */
  lost: (count: number) => void;
  /** Faults as the report lists them ("partition 50|50 for 3 epochs", …). */
  fault: (description: string) => void;
  /** Expectations judged after the end-of-run walk of the finalized chain. */
  after: AfterRun;
  /** Starts a light load of its own for `epochs` (scenarios with `ownLoad`); its report goes under `label`. */
  startLoad: (epochs: number, label: string) => LightLoad;
}

export interface AfterRun {
  /** Every shard crosslinked in every epoch of [from, to]. */
  crosslinksEveryEpoch?: { from: number; to: number; what: string };
  /** Finality never lagged more than this many epochs beyond its normal two. */
  maxStallEpochs?: number;
  /** These validators end slashed, with a proposer slashing and an attester slashing on the finalized chain. */
  slashed?: number[];
}

export interface Scenario {
  name: string;
  summary: string;
  /** Epochs the faults take (the light load runs this long); `minutes` is --minutes (the soak's length). */
  faultEpochs(short: boolean, minutes: number): number;
  /** Only run when asked by name (long scripts such as the soak), never as part of "all". */
  scriptOnly?: boolean;
  /** The scenario runs its own loads (ctx.startLoad) instead of one across all its faults. */
  ownLoad?: boolean;
  /** Runs before the devnet starts: extra nodes (beyond beacon + shard nodes), node environment. */
  beforeStart?: (cluster: ChaosCluster) => void;
  run(ctx: ScenarioContext): Promise<void>;
}
