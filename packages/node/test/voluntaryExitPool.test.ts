import {
  computeDomain,
  computeSigningRoot,
  DOMAIN_VOLUNTARY_EXIT,
  produceBlock,
  type SignedVoluntaryExitValue,
  signRandaoReveal,
  VoluntaryExit,
} from "@shardnet/consensus";
import { getBls, interopSecretKey } from "@shardnet/crypto";
import { describe, expect, it } from "vitest";
import { VoluntaryExitPool } from "../src/chain/voluntaryExitPool.js";
import { openBeacon, tempDir } from "./helpers.js";

const key = (i: number) => getBls().secretKeyFromBytes(interopSecretKey(i));

describe("VoluntaryExitPool (real beacon chain on LevelDB)", () => {
  it("holds at most its bound, one exit per validator, and drops an exit once a block schedules it", async () => {
    const { beacon, db } = await openBeacon(tempDir("exit-pool-"));
    // local preset: genesis validators may exit from epoch 8 (2 periods of 4 epochs), slot 64.
    const head = beacon.headStateAt(64);
    const exit = (validatorIndex: number): SignedVoluntaryExitValue => {
      const message = { epoch: 8, validatorIndex };
      const root = computeSigningRoot(
        VoluntaryExit.hashTreeRoot(message),
        computeDomain(DOMAIN_VOLUNTARY_EXIT, head.state.genesisRoot),
      );
      return { message, signature: key(validatorIndex).sign(root).toBytes() };
    };
    const pool = new VoluntaryExitPool(2);
    expect(pool.add(head, exit(1))).toBeNull();
    expect(pool.add(head, exit(1))?.kind).toBe("known");
    expect(pool.add(head, exit(2))).toBeNull();
    expect(pool.add(head, exit(3))).toEqual({
      kind: "full",
      reason: "the exit pool holds 2 exits; try again after the next blocks",
    });
    expect(pool.size).toBe(2);

    const exits = pool.forBlock(head);
    expect(exits.map((e) => e.message.validatorIndex)).toEqual([1, 2]);
    const proposer = head.epochCtx.getBeaconProposer(64);
    const { postState } = produceBlock(head, {
      slot: 64,
      randaoReveal: signRandaoReveal(key(proposer), head.state.genesisRoot, 8),
      voluntaryExits: exits,
    });
    expect(postState.state.validators.getReadonly(1).exitEpoch).toBe(16);
    expect(pool.forBlock(postState)).toEqual([]);
    expect(pool.size).toBe(0);
    expect(pool.add(postState, exit(1))?.kind).toBe("stale");
    await db.close();
  });
});
