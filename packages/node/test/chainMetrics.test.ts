/**
 * The scrape-time chain gauges and the missed-duty audit on real chains (DevnetDriver: 16 interop validators,
 * 2 shards, every committee voting unless silenced), not on hand-made states.
 */
import { describe, expect, it } from "vitest";
import { chainViewReader } from "../src/metrics/chainView.js";
import { NodeMetrics } from "../src/metrics/nodeMetrics.js";
import { DutyAudit, missedTargetVotes, PROPOSAL_CHECK_SLOTS } from "../src/validator/dutyAudit.js";
import { DevnetDriver, DriverNode, driverGenesis } from "./devnetDriver.js";
import { tempDir } from "./helpers.js";

const S = 8;

async function missed(metrics: NodeMetrics, duty: string): Promise<number> {
  const values = (await metrics.validatorMissedDutiesTotal.get()).values;
  return values.find((v) => v.labels.duty === duty)?.value ?? 0;
}

describe("chain metrics on a driven devnet", () => {
  it("participation is 1 with every committee voting and drops by the silent committee's stake; the audit counts its missed target votes", async () => {
    const node = await DriverNode.open(tempDir("shardnet-chain-metrics-"), driverGenesis(2));
    try {
      const driver = new DevnetDriver([node]);
      let slot = 1;
      for (; slot <= 3 * S - 1; slot++) await driver.slot(slot);
      const view = chainViewReader({ beacon: node.beacon, shards: () => node.shards, dbPath: node.db.path });
      const full = view();
      expect(full.participation).toBe(1);
      expect(full.validators).toEqual({ queued: 0, active: 16, exiting: 0, exited: 0, slashed: 0 });
      expect(full.dbSizeBytes).toBeGreaterThan(0);
      expect(full.shards.map((s) => s.shard)).toEqual([0, 1]);
      for (const s of full.shards) {
        expect(s.headSlot).toBe(3 * S - 1);
        expect(s.headSlot - s.crosslinkedSlot).toBeGreaterThanOrEqual(0);
        expect(s.headSlot - s.crosslinkedSlot).toBeLessThanOrEqual(2);
      }

      // Shard 1's committee stops voting for a whole epoch (epoch 3), read at the last slot of epoch 4.
      driver.silentShards.add(1);
      for (; slot <= 5 * S - 1; slot++) await driver.slot(slot);
      const state = node.beacon.headStateAt(5 * S - 1);
      const silent = Array.from(state.epochCtx.getShardCommittee(1, 4 * S - 1));
      expect(silent.length).toBeGreaterThan(0);
      const silentView = chainViewReader({
        beacon: node.beacon,
        shards: () => node.shards,
        dbPath: node.db.path,
      })();
      expect(silentView.participation).toBeCloseTo((16 - silent.length) / 16, 6);
      const hosted = Array.from({ length: 16 }, (_, i) => i);
      expect(missedTargetVotes(state, hosted, 4)).toBe(silent.length);
      expect(
        missedTargetVotes(
          state,
          hosted.filter((i) => !silent.includes(i)),
          4,
        ),
      ).toBe(0);

      const metrics = new NodeMetrics();
      const audit = new DutyAudit({
        beacon: node.beacon,
        shards: () => new Map(node.shards.map((c) => [c.shard, c])),
        metrics,
      });
      audit.checkAttestations(
        5 * S - 2,
        () => state,
        () => hosted,
      ); // not the last slot of an epoch: nothing yet
      expect(await missed(metrics, "attest")).toBe(0);
      audit.checkAttestations(
        5 * S - 1,
        () => state,
        () => hosted,
      );
      audit.checkAttestations(
        5 * S - 1,
        () => state,
        () => hosted,
      ); // once per epoch
      expect(await missed(metrics, "attest")).toBe(silent.length);
    } finally {
      await node.close();
    }
  });

  it("a proposal counts as missed when the canonical block at its slot is not the one proposed, or none was", async () => {
    const node = await DriverNode.open(tempDir("shardnet-duty-audit-"), driverGenesis(2));
    try {
      const driver = new DevnetDriver([node]);
      for (let slot = 1; slot <= 6; slot++) await driver.slot(slot, { skipBeacon: slot === 4 });
      const metrics = new NodeMetrics();
      const shards = new Map(node.shards.map((c) => [c.shard, c]));
      const audit = new DutyAudit({ beacon: node.beacon, shards: () => shards, metrics });
      const beaconAt = (slot: number) => node.beacon.canonicalAt(slot)!.root;
      audit.proposal("beacon_propose", 3, beaconAt(3)); // on chain
      audit.proposal("beacon_propose", 4, beaconAt(3)); // slot 4 has no block: the root is slot 3's
      audit.proposal("beacon_propose", 5, undefined); // failed or skipped
      audit.proposal("shard_propose", 5, shards.get(0)!.head().root.replace(/^./, "f"), 0); // orphaned
      audit.proposal("shard_propose", 6, shards.get(1)!.head().root, 1); // on chain
      audit.checkProposals(5 + PROPOSAL_CHECK_SLOTS - 1); // too early for slots 5 and 6
      expect(await missed(metrics, "beacon_propose")).toBe(1);
      audit.checkProposals(6 + PROPOSAL_CHECK_SLOTS);
      expect(await missed(metrics, "beacon_propose")).toBe(2);
      expect(await missed(metrics, "shard_propose")).toBe(1);
    } finally {
      await node.close();
    }
  });
});
