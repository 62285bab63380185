import { SignedBeaconBlock, SignedShardBlock, shardOf, signTransaction } from "@shardnet/consensus";
import { addressFromPubkey, devAccountKey, getBls, hexToBytes, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { OperationPools } from "../src/chain/pools.js";
import { ShardChain } from "../src/chain/shardChain.js";
import { concatKey, uint64Key } from "../src/db/nodeDb.js";
import { SlashingProtection } from "../src/validator/slashingProtection.js";
import type { ValidatorKeys } from "../src/validator/validatorKeys.js";
import { ValidatorService } from "../src/validator/validatorService.js";
import { openBeacon, silentLog, tempDir } from "./helpers.js";

const SHARDS = 2;
const bls = getBls();
const accounts = Array.from({ length: 12 }, (_, i) => {
  const key = devAccountKey(i);
  return { ...key, address: addressFromPubkey(key.publicKey) };
});

/** A node's beacon chain and both shard chains over LevelDB, every account funded. */
async function openNode() {
  const opened = await openBeacon(tempDir("shardnet-own-"), {
    shards: SHARDS,
    accounts: accounts.map((a) => ({ address: a.address, balance: 1_000_000n })),
  });
  const chains = new Map<number, ShardChain>();
  for (let s = 0; s < SHARDS; s++)
    chains.set(s, await ShardChain.open(s, opened.beacon, opened.db, silentLog, opened.metrics));
  return { ...opened, chains };
}

describe("the proposer imports its own blocks once", () => {
  it("executes its shard block once (production), checks no signature of it, and stores what it publishes; a peer importing the same block checks everything", async () => {
    const node = await openNode();
    const { beacon, db, chains } = node;
    // Every interop validator is hosted here: this node proposes every beacon and shard block.
    const keys: ValidatorKeys = new Map(
      Array.from({ length: 16 }, (_, i) => [i, bls.secretKeyFromBytes(interopSecretKey(i))]),
    );
    // Transactions in both mempools, so the blocks execute something.
    for (const a of accounts) {
      const tx = signTransaction(
        { from: a.address, to: accounts[0]!.address, amount: 3n, nonce: 0, fee: 1n, pubkey: a.publicKey },
        a.secretKey,
      );
      const chain = chains.get(shardOf(a.address, SHARDS))!;
      expect(chain.mempool.add(tx, chain.head().state, { slot: 1 }).ok).toBe(true);
    }
    const published: Array<{ kind: "beacon" | "shard"; shard?: number; bytes: Uint8Array }> = [];
    const validators = new ValidatorService({
      keys,
      beacon,
      shards: () => chains,
      pools: new OperationPools(bls, 16),
      protection: new SlashingProtection(db),
      metrics: node.metrics,
      log: silentLog,
      publish: {
        beaconBlock: (bytes) => published.push({ kind: "beacon", bytes }),
        shardBlock: (shard, bytes) => published.push({ kind: "shard", shard, bytes }),
        attestation: () => {},
        aggregate: () => {},
        crosslinkCandidate: () => {},
      },
      onOwnAttestation: () => {},
      voluntaryExits: () => [],
    });

    const before = {
      transitions: beacon.stateTransitions,
      executions: [...chains.values()].map((c) => c.executions),
    };
    await validators.onTick(1, "propose");

    // Beacon: one state transition (production), none at import.
    expect(beacon.head().slot).toBe(1);
    expect(beacon.stateTransitions - before.transitions).toBe(1);
    // Each shard: one execution (production), no proposer signature check, every transaction included.
    for (const [shard, chain] of chains) {
      expect(chain.head().slot, `shard ${shard} head`).toBe(1);
      expect(chain.executions - before.executions[shard]!, `shard ${shard} executions`).toBe(1);
      expect(chain.proposerSignatureChecks, `shard ${shard} signature checks`).toBe(0);
      expect(chain.head().txHashes.length).toBe(
        accounts.filter((a) => shardOf(a.address, SHARDS) === shard).length,
      );
      // On disk through the ordinary write batch (published after it): the stored block is the published one.
      const stored = await db.get("shardBlocks", concatKey(uint64Key(shard), hexToBytes(chain.head().root)));
      expect(stored).toBeDefined();
      const sent = published.find((p) => p.kind === "shard" && p.shard === shard);
      expect(sent && Buffer.from(sent.bytes).equals(Buffer.from(stored!))).toBe(true);
    }
    expect(published.map((p) => p.kind)).toEqual(["beacon", "shard", "shard"]);

    // A peer gets the same blocks from gossip: it executes each once and checks each signature.
    const peer = await openNode();
    const beaconBytes = published.find((p) => p.kind === "beacon")!.bytes;
    const peerBefore = peer.beacon.stateTransitions;
    const imported = peer.beacon.importOwnBlock(SignedBeaconBlock.deserialize(beaconBytes));
    expect(imported.status).toBe("imported"); // not produced there: the full path
    expect(peer.beacon.stateTransitions - peerBefore).toBe(1);
    expect(peer.beacon.head().root).toBe(beacon.head().root);
    for (const [shard, chain] of peer.chains) {
      const bytes = published.find((p) => p.kind === "shard" && p.shard === shard)!.bytes;
      // Even through importOwnBlock: a decoded block is never one this chain produced.
      const result = chain.importOwnBlock(SignedShardBlock.deserialize(bytes));
      expect(result.status).toBe("imported");
      await (result as { persisted?: Promise<void> }).persisted;
      expect(chain.executions).toBe(1);
      expect(chain.proposerSignatureChecks).toBe(1);
      // Same post-state as the proposer's reused one.
      expect(chain.head().root).toBe(chains.get(shard)!.head().root);
      expect(
        Buffer.from(chain.head().state.hashTreeRoot()).equals(
          Buffer.from(chains.get(shard)!.head().state.hashTreeRoot()),
        ),
      ).toBe(true);
    }
    for (const chain of [...chains.values(), ...peer.chains.values()]) await chain.settled();
    await peer.db.close();
    await db.close();
  });
});
