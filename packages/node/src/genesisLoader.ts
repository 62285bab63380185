import { readFileSync } from "node:fs";
import { forkDigest, type Genesis, genesisHash, parseGenesis } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";

export interface LoadedGenesis {
  genesis: Genesis;
  /** Hex of the genesis hash: the network's identity in the database and the status handshake. */
  hashHex: string;
  /** Fork digest (hex) used in gossip topic names. */
  forkDigest: string;
}

/** Reads and validates a genesis file; errors name the file and say what is wrong. */
export function loadGenesisFile(path: string): LoadedGenesis {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(
      `cannot read genesis file ${path}: ${(err as Error).message}. Write one with \`npm run genesis\`.`,
    );
  }
  let genesis: Genesis;
  try {
    genesis = parseGenesis(json);
  } catch (err) {
    throw new Error(`genesis file ${path}: ${(err as Error).message}`);
  }
  return { genesis, hashHex: bytesToHex(genesisHash(genesis)), forkDigest: forkDigest(genesis) };
}
