import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeDb } from "../src/db/nodeDb.js";
import { SlashingProtection, SlashingProtectionError } from "../src/validator/slashingProtection.js";

let dir: string;
let db: NodeDb;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "shardnet-sp-"));
  db = await NodeDb.open(join(dir, "db"), "aa");
});
afterEach(async () => {
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

const root = (b: number) => new Uint8Array(32).fill(b);

describe("slashing protection", () => {
  it("refuses a second different block for the same slot, allows the same one, and survives restart", async () => {
    const sp = new SlashingProtection(db);
    await sp.checkAndRecord("beacon_block", 3, 10, root(1));
    await sp.checkAndRecord("beacon_block", 3, 10, root(1));
    await expect(sp.checkAndRecord("beacon_block", 3, 10, root(2))).rejects.toBeInstanceOf(
      SlashingProtectionError,
    );
    await sp.checkAndRecord("beacon_block", 4, 10, root(2));
    await db.close();
    db = await NodeDb.open(join(dir, "db"), "aa");
    await expect(new SlashingProtection(db).checkAndRecord("beacon_block", 3, 10, root(3))).rejects.toThrow(
      /slashable/,
    );
  });

  it("keeps shard blocks of different shards apart", async () => {
    const sp = new SlashingProtection(db);
    await sp.checkAndRecord("shard_block", 1, 5, root(1), 0);
    await sp.checkAndRecord("shard_block", 1, 5, root(2), 1);
    await expect(sp.checkAndRecord("shard_block", 1, 5, root(3), 0)).rejects.toThrow(/shard 0/);
  });

  it("refuses double votes and attestations whose source or target goes backwards", async () => {
    const sp = new SlashingProtection(db);
    await sp.checkAndRecord("attestation", 7, 16, root(1), 0, { source: 1, target: 2 });
    await expect(
      sp.checkAndRecord("attestation", 7, 16, root(9), 0, { source: 1, target: 2 }),
    ).rejects.toThrow(/second attestation/);
    await sp.checkAndRecord("attestation", 7, 17, root(2), 0, { source: 1, target: 2 });
    await expect(
      sp.checkAndRecord("attestation", 7, 18, root(3), 0, { source: 0, target: 3 }),
    ).rejects.toThrow(/surround/);
    await expect(
      sp.checkAndRecord("attestation", 7, 18, root(3), 0, { source: 1, target: 1 }),
    ).rejects.toThrow(/surround/);
  });

  it("refuses a different FFG vote for a target epoch it already voted in (e.g. after a restart with another view)", async () => {
    const sp = new SlashingProtection(db);
    const vote = (b: number) => ({ source: 1, target: 2, voteRoot: root(b) });
    await sp.checkAndRecord("attestation", 9, 16, root(1), 0, vote(7));
    await sp.checkAndRecord("attestation", 9, 17, root(2), 0, vote(7)); // same FFG vote, next slot
    await db.close();
    db = await NodeDb.open(join(dir, "db"), "aa");
    await expect(
      new SlashingProtection(db).checkAndRecord("attestation", 9, 18, root(3), 0, vote(8)),
    ).rejects.toThrow(/different FFG vote/);
    await new SlashingProtection(db).checkAndRecord("attestation", 9, 24, root(4), 0, {
      source: 2,
      target: 3,
      voteRoot: root(8),
    });
  });

  it("gives a restarted validator back the FFG vote it signed last, so it can repeat it in that epoch", async () => {
    const sp = new SlashingProtection(db);
    expect(await sp.signedVote(9)).toBeUndefined();
    await sp.checkAndRecord("attestation", 9, 16, root(1), 0, {
      source: 1,
      target: 2,
      voteRoot: root(7),
      sourceRoot: root(5),
      targetRoot: root(6),
    });
    await db.close();
    db = await NodeDb.open(join(dir, "db"), "aa");
    expect(await new SlashingProtection(db).signedVote(9)).toEqual({
      source: { epoch: 1, root: root(5) },
      target: { epoch: 2, root: root(6) },
    });
    // A record without the checkpoint roots (written before they were kept) yields no vote to repeat.
    await new SlashingProtection(db).checkAndRecord("attestation", 10, 16, root(1), 0, {
      source: 1,
      target: 2,
      voteRoot: root(7),
    });
    expect(await new SlashingProtection(db).signedVote(10)).toBeUndefined();
  });
});
