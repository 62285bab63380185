/** Shapes of the node API responses the explorer reads (packages/node/src/api). */

export interface NetworkJson {
  network: string;
  genesisTime: number;
  shardCount: number;
  slotsPerEpoch: number;
  secondsPerSlot: number;
}

export interface NodeStatusJson {
  name: string;
  slot: number;
  epoch: number;
  head: { slot: number; root: string };
  justified: { epoch: number; root: string };
  finalized: { epoch: number; root: string };
  peers: number;
  trackedShards: number[];
  syncing: boolean;
}

export interface CrosslinksJson {
  headSlot: number;
  crosslinks: Array<{ shard: number; slot: number; shardBlockRoot: string; stateRoot: string }>;
}

export interface ShardHeadJson {
  shard: number;
  slot: number;
  root: string;
  mempool: number;
  pendingReceipts: number;
}

export interface BeaconBlockSummary {
  slot: number;
  root: string;
  parentRoot: string;
  proposerIndex: number | null;
  canonical: boolean | null;
  finalized: boolean;
  crosslinks: Array<{ shard: number; slot: number; shardBlockRoot: string }>;
  attestations: number;
  proposerSlashings: number;
  attesterSlashings: number;
  deposits: number;
  exits: number;
}

export interface BeaconRangeJson {
  from: number;
  count: number;
  headSlot: number;
  finalized: { epoch: number; slot: number };
  /** Per shard, the crosslink in the finalized checkpoint's state (null when that state is not in memory). */
  finalizedCrosslinks: Array<{ shard: number; slot: number }> | null;
  blocks: BeaconBlockSummary[];
}

export interface ShardBlockSummary {
  slot: number;
  root: string;
  parentRoot: string;
  beaconBlockRoot: string;
  proposerIndex: number | null;
  canonical: boolean | null;
  transactions: number;
  incomingReceipts: number;
}

export interface ShardRangeJson {
  shard: number;
  from: number;
  count: number;
  headSlot: number;
  crosslinkedSlot: number;
  blocks: ShardBlockSummary[];
}

export interface CheckpointJson {
  epoch: string;
  root: string;
}

export interface AttestationDataJson {
  slot: string;
  shard: string;
  shard_block_root: string;
  beacon_block_root: string;
  source: CheckpointJson;
  target: CheckpointJson;
}

export interface BeaconBlockJson {
  root: string;
  slot: number;
  canonical: boolean | null;
  block: {
    message: {
      slot: string;
      proposer_index: string;
      parent_root: string;
      state_root: string;
      body: {
        crosslinks: Array<{
          crosslink: {
            shard: string;
            slot: string;
            shard_block_root: string;
            state_root: string;
            outbox_root: string;
          };
          attestation: { aggregation_bits: string };
        }>;
        attestations: Array<{ aggregation_bits: string; data: AttestationDataJson }>;
        proposer_slashings: Array<{
          signed_header_1: { message: { slot: string; proposer_index: string } };
        }>;
        attester_slashings: Array<{
          attestation_1: { attesting_indices: string[]; data: AttestationDataJson };
          attestation_2: { attesting_indices: string[]; data: AttestationDataJson };
        }>;
        deposits: Array<{
          transaction: {
            from: string;
            deposit: { pubkey: string; withdrawal_address: string; amount: string };
          };
        }>;
        voluntary_exits: Array<{ message: { epoch: string; validator_index: string } }>;
      };
    };
  } | null;
}

export interface TransactionJson {
  from: string;
  to: string;
  amount: string;
  nonce: string;
  fee: string;
}

export interface ShardBlockJson {
  shard: number;
  root: string;
  slot: number;
  txHashes: string[];
  block: {
    message: {
      header: {
        shard: string;
        slot: string;
        proposer_index: string;
        parent_root: string;
        beacon_block_root: string;
        state_root: string;
        tx_root: string;
        outbox_root: string;
        receipts_in_root: string;
      };
      body: {
        transactions: TransactionJson[];
        incoming_receipts: Array<{
          receipt: {
            source: string;
            dest: string;
            seq: string;
            from: string;
            to: string;
            amount: string;
            tx_hash: string;
          };
          crosslink_shard: string;
          crosslink_slot: string;
          crosslink_block_root: string;
        }>;
      };
    };
  };
}

export interface StepJson {
  slot: number;
  time: string;
}

export interface TxStatusJson {
  hash: string;
  status: "pending" | "included" | "crosslinked" | "finalized" | "rejected" | "dropped";
  shard: number;
  reason?: { code: string; message: string };
  untracked?: string;
  pending?: { time: string };
  included?: StepJson & { blockRoot: string };
  crosslinked?: StepJson & { crosslinkSlot: number };
  finalized?: StepJson;
  receipt?: { dest: number; seq: number; amount: string; credited?: { slot: number; blockRoot: string } };
}

export interface AccountProofJson {
  crosslink: { shard: number; slot: number; shardBlockRoot: string; stateRoot: string };
  stateRoot: string;
  account: { balance: string; nonce: number; index: number; branch: string[] } | null;
}

export interface AccountJson {
  address: string;
  shard: number;
  balance: string;
  nonce: number;
  headSlot: number;
  proof?: AccountProofJson;
}

export interface ValidatorJson {
  index: number;
  pubkey: string;
  stake: string;
  activationEpoch: number | null;
  exitEpoch: number | null;
  slashed: boolean;
}

export type SearchResult =
  | { kind: "transaction"; hash: string; shard: number; status: string }
  | { kind: "beacon_block"; root: string; slot: number }
  | { kind: "shard_block"; shard: number; root: string; slot: number }
  | { kind: "account"; address: string; shard: number }
  | { kind: "validator"; index: number };

export interface SearchJson {
  query: string;
  results: SearchResult[];
}
