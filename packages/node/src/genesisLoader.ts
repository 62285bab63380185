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

function loadedFrom(genesis: Genesis): LoadedGenesis {
  return { genesis, hashHex: bytesToHex(genesisHash(genesis)), forkDigest: forkDigest(genesis) };
}

/**
 * Downloads the genesis a running node serves (`GET {url}/v1/genesis`) and checks it. With `expectedHashHex`,
 * a different genesis is refused with both hashes named; without, the caller logs the hash it trusted.
 */
export async function fetchGenesis(url: string, expectedHashHex?: string): Promise<LoadedGenesis> {
  const endpoint = `${url.replace(/\/+$/, "")}/v1/genesis`;
  let json: unknown;
  try {
    const res = await fetch(endpoint, { signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    json = await res.json();
  } catch (err) {
    throw new Error(
      `cannot download the genesis from ${endpoint}: ${(err as Error).message}. Check --genesis-url names a running node's API.`,
    );
  }
  let genesis: Genesis;
  try {
    genesis = parseGenesis(json);
  } catch (err) {
    throw new Error(`the genesis served by ${endpoint} is invalid: ${(err as Error).message}`);
  }
  const loaded = loadedFrom(genesis);
  const expected = expectedHashHex?.replace(/^0x/, "").toLowerCase();
  if (expected && expected !== loaded.hashHex) {
    throw new Error(
      `the genesis served by ${endpoint} has hash 0x${loaded.hashHex}, not the 0x${expected} that --genesis-hash pins: that node is on another network, or the pin is wrong`,
    );
  }
  return loaded;
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
  return loadedFrom(genesis);
}
