#!/usr/bin/env node
/**
 * shardnet simulator: runs the deterministic beacon-chain simulation (packages/consensus/src/sim) and prints a
 * summary. With --json the last line is one JSON object. Flags: see --help (src/cli.ts).
 */
import { useNativeHasher } from "@shardnet/consensus";
import { runSimulatorCli } from "./cli.js";

useNativeHasher();

process.exitCode = runSimulatorCli(process.argv.slice(2));
