import { getBls, interopSecretKey } from "@shardnet/crypto";
import { MAX_STAKE } from "../params/constants.js";
import { resolvePreset } from "../params/presets.js";
import { checkPresetLimits, type Genesis, type GenesisAccount } from "./genesis.js";

export interface InteropGenesisOptions {
  network: string;
  genesisTime: number;
  presetName: "local" | "scale";
  presetOverrides?: Record<string, number>;
  validatorCount: number;
  /** Stake per validator (default MAX_STAKE). */
  stake?: bigint;
  accounts?: GenesisAccount[];
}

/** Public key bytes of interop validator `index`. */
export function interopPublicKey(index: number): Uint8Array {
  return getBls().secretKeyFromBytes(interopSecretKey(index)).toPublicKey().toBytes();
}

/** A genesis of `validatorCount` interop validators (DESIGN.md §2 dev keys). */
export function createInteropGenesis(opts: InteropGenesisOptions): Genesis {
  const overrides = opts.presetOverrides ?? {};
  const preset = resolvePreset(opts.presetName, overrides);
  checkPresetLimits(preset);
  const stake = opts.stake ?? MAX_STAKE;
  return {
    network: opts.network,
    genesisTime: opts.genesisTime,
    presetName: opts.presetName,
    presetOverrides: { ...overrides },
    preset,
    validators: Array.from({ length: opts.validatorCount }, (_, i) => ({
      pubkey: interopPublicKey(i),
      stake,
    })),
    accounts: opts.accounts ?? [],
  };
}
