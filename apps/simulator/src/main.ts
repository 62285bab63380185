#!/usr/bin/env node
/**
 * shardnet simulator: runs the deterministic beacon-chain simulation (packages/consensus/src/sim) and prints a
 * summary. With --json the last line is one JSON object. Flags: see --help (src/cli.ts).
 */
import { runSimulatorCli } from "./cli.js";

process.exitCode = runSimulatorCli(process.argv.slice(2));
