/** `slashing-protection export|import`: EIP-3076 interchange files ↔ a stopped node's database. */
import {
  exportProtection,
  type ImportSummary,
  importProtection,
  loadGenesisFile,
  type NetworkIdentity,
  type NodeDb,
  networkIdentityOf,
  openStoppedNodeDb,
} from "@shardnet/node";
import { readJsonFile, writeFileAtomically } from "./files.js";
import { UserError } from "./userError.js";

export interface ProtectionTarget {
  dataDir: string;
  genesisFile: string;
  file: string;
}

function loadNetwork(genesisFile: string): { network: NetworkIdentity; genesisHashHex: string } {
  let loaded: ReturnType<typeof loadGenesisFile>;
  try {
    loaded = loadGenesisFile(genesisFile);
  } catch (err) {
    throw new UserError("BAD_GENESIS", (err as Error).message);
  }
  return { network: networkIdentityOf(loaded.genesis), genesisHashHex: loaded.hashHex };
}

async function withDb<T>(db: NodeDb, use: (db: NodeDb) => Promise<T>): Promise<T> {
  try {
    return await use(db);
  } finally {
    await db.close();
  }
}

export interface ExportSummary {
  file: string;
  genesisValidatorsRoot: string;
  validators: number;
  beaconBlocks: number;
  shardBlocks: number;
  attestationSlots: number;
}

export async function exportSlashingProtection(target: ProtectionTarget): Promise<ExportSummary> {
  const { network, genesisHashHex } = loadNetwork(target.genesisFile);
  const db = await openStoppedNodeDb(target.dataDir, genesisHashHex);
  const file = await withDb(db, (db) => exportProtection(db, network));
  writeFileAtomically(target.file, `${JSON.stringify(file, null, 2)}\n`);
  let beaconBlocks = 0;
  let shardBlocks = 0;
  let attestationSlots = 0;
  for (const entry of file.data) {
    beaconBlocks += entry.signed_blocks.length;
    shardBlocks += entry.shardnet_extension?.signed_shard_blocks.length ?? 0;
    attestationSlots += entry.shardnet_extension?.signed_attestation_slots.length ?? 0;
  }
  return {
    file: target.file,
    genesisValidatorsRoot: file.metadata.genesis_validators_root,
    validators: file.data.length,
    beaconBlocks,
    shardBlocks,
    attestationSlots,
  };
}

export async function importSlashingProtection(
  target: ProtectionTarget,
): Promise<ImportSummary & { file: string }> {
  const { network, genesisHashHex } = loadNetwork(target.genesisFile);
  const json = readJsonFile(target.file, "--file");
  const db = await openStoppedNodeDb(target.dataDir, genesisHashHex, { allowEmpty: true });
  const summary = await withDb(db, (db) => importProtection(db, json, network));
  return { file: target.file, ...summary };
}
