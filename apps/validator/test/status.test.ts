/**
 * `status`: the state derivation for every case, and the command against the node's real API routes over a
 * real beacon chain (LevelDB, 16 interop validators active from genesis, blocks up to slot 17: epoch 2).
 */
import {
  blockSigningRoot,
  interopPublicKey,
  produceBlock,
  type SignedBeaconBlockValue,
  signRandaoReveal,
} from "@shardnet/consensus";
import { bytesToHex, getBls, interopSecretKey } from "@shardnet/crypto";
import type { BeaconChain, ShardnetNode } from "@shardnet/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerNodeRoutes } from "../../../packages/node/src/api/nodeRoutes.js";
import { createApiServer } from "../../../packages/node/src/api/server.js";
import { openBeacon, silentLog, tempDir } from "../../../packages/node/test/helpers.js";
import { parseValidatorId, validatorStatusFromNode } from "../src/status.js";
import { UserError } from "../src/userError.js";
import { type ValidatorEntry, validatorState } from "../src/validatorStatus.js";

describe("validatorState", () => {
  const entry = (over: Partial<ValidatorEntry>): ValidatorEntry => ({
    index: 0,
    pubkey: "0x",
    stake: "1",
    activationEpoch: 0,
    exitEpoch: null,
    slashed: false,
    ...over,
  });
  it.each([
    ["queued: no activation epoch", { activationEpoch: null }, 5, "queued"],
    ["queued: activation after the head epoch", { activationEpoch: 6 }, 5, "queued"],
    ["active from its activation epoch", { activationEpoch: 5 }, 5, "active"],
    ["exiting: exit epoch set, not reached", { exitEpoch: 9, withdrawableEpoch: 13 }, 5, "exiting"],
    [
      "withdrawable from its exit epoch while it holds stake",
      { exitEpoch: 5, withdrawableEpoch: 9 },
      5,
      "withdrawable",
    ],
    [
      "withdrawn once its stake is sent back",
      { exitEpoch: 5, withdrawableEpoch: 9, stake: "0" },
      9,
      "withdrawn",
    ],
    ["slashed, whatever the epochs", { slashed: true, exitEpoch: 9 }, 5, "slashed"],
  ] as const)("%s", (_name, over, headEpoch, state) => {
    expect(validatorState(entry(over), headEpoch)).toBe(state);
  });

  it("parses an index or a pubkey, and refuses anything else", () => {
    expect(parseValidatorId("12")).toEqual({ index: 12 });
    expect(parseValidatorId(`0x${"AB".repeat(48)}`)).toEqual({ pubkey: `0x${"ab".repeat(48)}` });
    for (const bad of ["-1", "0x1234", "dev:1", ""]) expect(() => parseValidatorId(bad)).toThrow(UserError);
  });
});

/** The next beacon block at `slot`, by its proposer's interop key (RANDAO reveal of the slot's epoch). */
function proposeAt(chain: BeaconChain, slot: number): SignedBeaconBlockValue {
  const pre = chain.headStateAt(slot);
  const proposer = pre.epochCtx.getBeaconProposer(slot);
  const sk = getBls().secretKeyFromBytes(interopSecretKey(proposer));
  const epoch = Math.floor(slot / chain.preset.SLOTS_PER_EPOCH);
  const { block } = produceBlock(pre, {
    slot,
    randaoReveal: signRandaoReveal(sk, pre.state.genesisRoot, epoch),
  });
  return { message: block, signature: sk.sign(blockSigningRoot(pre, block)).toBytes() };
}

describe("status against a node's API", () => {
  let url = "";
  let close: () => Promise<void> = async () => {};
  beforeAll(async () => {
    const { db, beacon, genesis, metrics } = await openBeacon(tempDir("shardnet-status-"));
    for (const slot of [1, 9, 17]) {
      const result = beacon.importBlock(proposeAt(beacon, slot));
      expect(result.status).toBe("imported");
      await result.persisted;
    }
    await beacon.settled();
    const app = createApiServer({ host: "127.0.0.1", port: 0, log: silentLog, registry: metrics.registry });
    const node = { beacon, opts: { loaded: { genesis } }, sync: { isSyncing: () => false } };
    registerNodeRoutes(app, node as unknown as ShardnetNode);
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    close = async () => {
      await app.close();
      await db.close();
    };
  });
  afterAll(() => close());

  it("reports a genesis validator active, by index and by pubkey, with the head epoch", async () => {
    const pubkey = `0x${bytesToHex(interopPublicKey(11))}`;
    const byIndex = await validatorStatusFromNode(url, "11");
    expect(byIndex).toMatchObject({
      index: 11,
      pubkey,
      status: "active",
      activationEpoch: 0,
      exitEpoch: null,
      slashed: false,
      headSlot: 17,
      headEpoch: 2, // local preset: 8 slots per epoch
    });
    expect(byIndex.description).toBe("active since epoch 0, no exit scheduled (head epoch 2)");
    expect(await validatorStatusFromNode(url, pubkey)).toEqual(byIndex);
  });

  it("says which validator the registry does not hold", async () => {
    await expect(validatorStatusFromNode(url, "16")).rejects.toThrow(/validator 16 is not in the registry/);
    await expect(validatorStatusFromNode(url, `0x${"11".repeat(48)}`)).rejects.toThrow(
      /no validator with pubkey 0x1111.* \(16 validators\)/,
    );
  });
});
