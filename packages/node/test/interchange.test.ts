/**
 * EIP-3076 export and import over real LevelDB databases in temp dirs: signings recorded through the real
 * SlashingProtection, exported from one node database and imported into another, which then refuses
 * what the first node's history makes slashable.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createInteropGenesis, type Genesis, genesisHash } from "@shardnet/consensus";
import { bytesToHex } from "@shardnet/crypto";
import { afterEach, describe, expect, it } from "vitest";
import { NodeDb } from "../src/db/nodeDb.js";
import {
  EXTENSION_FIELD,
  ffgVoteRoot,
  InterchangeError,
  type InterchangeFile,
  mergeWatermarks,
  type NetworkIdentity,
  networkIdentityOf,
  UNKNOWN_SIGNING_ROOT,
} from "../src/validator/interchange.js";
import {
  exportProtection,
  importProtection,
  openStoppedNodeDb,
  readProtectionHistory,
} from "../src/validator/interchangeStore.js";
import { type FfgVote, SlashingProtection } from "../src/validator/slashingProtection.js";
import { tempDir } from "./helpers.js";

const genesisOf = (network: string): Genesis =>
  createInteropGenesis({ network, validatorCount: 16, genesisTime: 0, presetName: "local" });
const GENESIS = genesisOf("test");
const NETWORK: NetworkIdentity = networkIdentityOf(GENESIS);
const HASH_HEX = bytesToHex(genesisHash(GENESIS));

const open: NodeDb[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

/** A fresh node database (as a node would create it) in a temp dir. */
async function freshDb(genesis: Genesis = GENESIS): Promise<NodeDb> {
  const db = await NodeDb.open(
    join(tempDir("shardnet-interchange-"), "db"),
    bytesToHex(genesisHash(genesis)),
  );
  open.push(db);
  return db;
}

const root = (b: number) => new Uint8Array(32).fill(b);

/** The FFG vote a validator service records: checkpoints, and the root committing to both. */
function vote(source: number, target: number, rootByte = 7): Required<FfgVote> {
  const sourceRoot = root(rootByte);
  const targetRoot = root(rootByte + 1);
  return {
    source,
    target,
    sourceRoot,
    targetRoot,
    voteRoot: ffgVoteRoot({ epoch: source, root: sourceRoot }, { epoch: target, root: targetRoot }),
  };
}

/** Every key and value of the slashing-protection bucket, as hex (to show that nothing changed). */
async function dump(db: NodeDb): Promise<string[]> {
  const rows = await db.range("slashingProtection", new Uint8Array([0]), new Uint8Array(10).fill(0xff));
  return rows.map(([k, v]) => `${bytesToHex(k)}=${bytesToHex(v)}`);
}

/** Validator 3 signs a beacon block (slot 10), a shard block (slot 11, shard 1) and attests at 16 and 17. */
async function signOnNodeA(db: NodeDb): Promise<void> {
  const sp = new SlashingProtection(db);
  await sp.checkAndRecord("beacon_block", 3, 10, root(1));
  await sp.checkAndRecord("shard_block", 3, 11, root(2), 1);
  await sp.checkAndRecord("attestation", 3, 16, root(3), 0, vote(1, 2));
  await sp.checkAndRecord("attestation", 3, 17, root(4), 0, vote(1, 2));
}

/** Exports `db` and round-trips the file through JSON text, as a file on disk would. */
async function exportedFile(db: NodeDb, network = NETWORK): Promise<InterchangeFile> {
  return JSON.parse(JSON.stringify(await exportProtection(db, network))) as InterchangeFile;
}

describe("slashing-protection interchange (EIP-3076 v5)", () => {
  it("exports what the node signed in the EIP-3076 shape, with shard blocks and per-slot attestations in the extension", async () => {
    const a = await freshDb();
    await signOnNodeA(a);
    const file = await exportedFile(a);
    const v = vote(1, 2);
    expect(file).toEqual({
      metadata: { interchange_format_version: "5", genesis_validators_root: `0x${HASH_HEX}` },
      data: [
        {
          pubkey: `0x${bytesToHex(GENESIS.validators[3]!.pubkey)}`,
          signed_blocks: [{ slot: "10", signing_root: `0x${bytesToHex(root(1))}` }],
          signed_attestations: [{ source_epoch: "1", target_epoch: "2" }],
          [EXTENSION_FIELD]: {
            signed_shard_blocks: [{ shard: "1", slot: "11", signing_root: `0x${bytesToHex(root(2))}` }],
            signed_attestation_slots: [
              { slot: "16", signing_root: `0x${bytesToHex(root(3))}` },
              { slot: "17", signing_root: `0x${bytesToHex(root(4))}` },
            ],
            last_ffg_vote: {
              source_epoch: "1",
              target_epoch: "2",
              vote_root: `0x${bytesToHex(v.voteRoot)}`,
              source_root: `0x${bytesToHex(v.sourceRoot)}`,
              target_root: `0x${bytesToHex(v.targetRoot)}`,
            },
          },
        },
      ],
    });
  });

  it("a node that imported the file refuses a conflicting vote for an epoch already voted, a double vote and a double block", async () => {
    const a = await freshDb();
    await signOnNodeA(a);
    const file = await exportedFile(a);

    const b = await freshDb();
    const summary = await importProtection(b, file, NETWORK);
    expect(summary).toEqual({
      validators: 1,
      validatorsChanged: 1,
      recordsWritten: 4,
      conflicts: 0,
      watermarksChanged: 1,
    });
    const sp = new SlashingProtection(b);
    // Another FFG vote for target epoch 2, at a slot of that epoch node A did not attest in.
    await expect(sp.checkAndRecord("attestation", 3, 18, root(5), 0, vote(1, 2, 40))).rejects.toThrow(
      /different FFG vote .* target epoch 2/,
    );
    // Another attestation for slot 16 (a double vote), even with the same FFG vote.
    await expect(sp.checkAndRecord("attestation", 3, 16, root(6), 0, vote(1, 2))).rejects.toThrow(
      /second attestation for validator 3 at slot 16/,
    );
    // A vote whose target goes back behind epoch 2.
    await expect(sp.checkAndRecord("attestation", 3, 24, root(6), 0, vote(1, 1))).rejects.toThrow(/surround/);
    // Double blocks, beacon and shard.
    await expect(sp.checkAndRecord("beacon_block", 3, 10, root(9))).rejects.toThrow(/second beacon_block/);
    await expect(sp.checkAndRecord("shard_block", 3, 11, root(9), 1)).rejects.toThrow(/second shard_block/);
    // What A signed may be signed again, and B can repeat A's vote for the rest of epoch 2.
    await sp.checkAndRecord("beacon_block", 3, 10, root(1));
    expect(await sp.signedVote(3)).toEqual({
      source: { epoch: 1, root: root(7) },
      target: { epoch: 2, root: root(8) },
    });
    await sp.checkAndRecord("attestation", 3, 19, root(7), 0, vote(1, 2));
    // The next epoch is free.
    await sp.checkAndRecord("attestation", 3, 24, root(8), 0, vote(2, 3));
  });

  it("importing an older file never lowers a watermark", async () => {
    const a = await freshDb();
    await signOnNodeA(a); // watermark source 1 / target 2
    const older = await exportedFile(a);

    const b = await freshDb();
    const sp = new SlashingProtection(b);
    await sp.checkAndRecord("attestation", 3, 40, root(11), 0, vote(4, 5, 20));
    const summary = await importProtection(b, older, NETWORK);
    expect(summary.watermarksChanged).toBe(0);
    const mark = (await readProtectionHistory(b)).get(3)!.watermark!;
    expect([mark.source, mark.target]).toEqual([4, 5]);
    expect(bytesToHex(mark.voteRoot!)).toBe(bytesToHex(vote(4, 5, 20).voteRoot));
    await expect(sp.checkAndRecord("attestation", 3, 48, root(12), 0, vote(3, 6))).rejects.toThrow(
      /surround/,
    );
    await expect(sp.checkAndRecord("attestation", 3, 41, root(12), 0, vote(4, 5, 30))).rejects.toThrow(
      /different FFG vote/,
    );
    // The older file's own records arrived (slot 16's attestation is now protected on B too).
    await expect(sp.checkAndRecord("attestation", 3, 16, root(99), 0, vote(4, 5, 20))).rejects.toThrow(
      /second attestation/,
    );
    // Importing it again changes nothing.
    const before = await dump(b);
    expect(await importProtection(b, older, NETWORK)).toMatchObject({
      validatorsChanged: 0,
      recordsWritten: 0,
    });
    expect(await dump(b)).toEqual(before);
  });

  it("where the file and the database signed different blocks for one slot, the node then refuses both", async () => {
    const a = await freshDb();
    await signOnNodeA(a); // beacon block at slot 10: root(1)
    const file = await exportedFile(a);
    const b = await freshDb();
    const sp = new SlashingProtection(b);
    await sp.checkAndRecord("beacon_block", 3, 10, root(5));
    const summary = await importProtection(b, file, NETWORK);
    expect(summary.conflicts).toBe(1);
    await expect(sp.checkAndRecord("beacon_block", 3, 10, root(1))).rejects.toThrow(/slashable/);
    await expect(sp.checkAndRecord("beacon_block", 3, 10, root(5))).rejects.toThrow(/slashable/);
    // Exported again, the slot has no signing_root: "something was signed there, unknown what".
    const again = await exportedFile(b);
    expect(again.data[0]!.signed_blocks).toEqual([{ slot: "10" }]);
  });

  it("another tool's file (no extension, no signing roots) refuses the target epoch it reached and the slots it names", async () => {
    const b = await freshDb();
    const foreign = {
      metadata: { interchange_format_version: "5", genesis_validators_root: `0x${HASH_HEX}` },
      data: [
        {
          pubkey: `0x${bytesToHex(GENESIS.validators[5]!.pubkey)}`,
          signed_blocks: [{ slot: "30" }],
          signed_attestations: [
            { source_epoch: "2", target_epoch: "3" },
            { source_epoch: "3", target_epoch: "4", signing_root: `0x${"ab".repeat(32)}` },
          ],
        },
      ],
    };
    await importProtection(b, foreign, NETWORK);
    const sp = new SlashingProtection(b);
    await expect(sp.checkAndRecord("beacon_block", 5, 30, root(1))).rejects.toThrow(/slashable/);
    await expect(sp.checkAndRecord("attestation", 5, 32, root(1), 0, vote(3, 4))).rejects.toThrow(
      /different FFG vote/,
    );
    await expect(sp.checkAndRecord("attestation", 5, 40, root(1), 0, vote(2, 5))).rejects.toThrow(/surround/);
    await sp.checkAndRecord("attestation", 5, 40, root(1), 0, vote(3, 5));
  });

  it("refuses another network's file, a malformed file, another format version and an unknown pubkey, writing nothing", async () => {
    const other = await freshDb(genesisOf("elsewhere"));
    const otherNetwork = networkIdentityOf(genesisOf("elsewhere"));
    await signOnNodeA(other);
    const otherFile = await exportedFile(other, otherNetwork);

    const a = await freshDb();
    await signOnNodeA(a);
    const good = await exportedFile(a);
    const b = await freshDb();
    await new SlashingProtection(b).checkAndRecord("attestation", 3, 40, root(11), 0, vote(4, 5));
    const before = await dump(b);

    const unknownPubkey = structuredClone(good);
    unknownPubkey.data[0]!.pubkey = `0x${"11".repeat(48)}`;
    const badRoot = structuredClone(good);
    badRoot.data[0]!.signed_blocks[0]!.signing_root = "0x1234";
    const numericSlot = JSON.parse(JSON.stringify(good).replace('"slot":"10"', '"slot":10')) as unknown;
    const forgedVote = structuredClone(good);
    forgedVote.data[0]![EXTENSION_FIELD]!.last_ffg_vote!.target_root = `0x${"00".repeat(32)}`;
    const cases: Array<[string, unknown, string, RegExp]> = [
      ["another network", otherFile, "OTHER_NETWORK", /another network.*genesis_validators_root/],
      [
        "version 4",
        { ...good, metadata: { ...good.metadata, interchange_format_version: "4" } },
        "UNSUPPORTED_VERSION",
        /"4" is not supported/,
      ],
      ["unknown pubkey", unknownPubkey, "UNKNOWN_PUBKEY", /not a validator of this network/],
      [
        "short signing root",
        badRoot,
        "MALFORMED",
        /data\[0\]\.signed_blocks\[0\]\.signing_root must be 0x-prefixed hex of 32 bytes/,
      ],
      ["numeric slot", numericSlot, "MALFORMED", /slot must be a decimal string/],
      ["vote root not matching its checkpoints", forgedVote, "MALFORMED", /vote_root/],
      ["no data", { metadata: good.metadata }, "MALFORMED", /has no "data"/],
      ["not an object", [1, 2], "MALFORMED", /top level must be an object/],
    ];
    for (const [name, json, code, message] of cases) {
      const error = await importProtection(b, json, NETWORK).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(InterchangeError);
      expect((error as InterchangeError).code, name).toBe(code);
      expect((error as InterchangeError).message, name).toMatch(message);
      expect(await dump(b), name).toEqual(before);
    }
  });

  it("opens only a stopped node's existing database, and never creates a data dir", async () => {
    const missing = join(tempDir("shardnet-interchange-"), "nope");
    for (const allowEmpty of [false, true]) {
      await expect(openStoppedNodeDb(missing, HASH_HEX, { allowEmpty })).rejects.toMatchObject({
        code: "NO_DATABASE",
      });
    }
    expect(existsSync(missing)).toBe(false);
    const empty = tempDir("shardnet-interchange-");
    await expect(openStoppedNodeDb(empty, HASH_HEX)).rejects.toThrow(/holds no node database/);
    const created = await openStoppedNodeDb(empty, HASH_HEX, { allowEmpty: true });
    await created.close();

    const running = await freshDb(); // held open, as by a running node
    await expect(openStoppedNodeDb(running.path, HASH_HEX)).rejects.toThrow(/stop the node first/);
  });
});

describe("mergeWatermarks", () => {
  it("keeps the highest epochs, and the vote only when both sides agree on it", () => {
    const a = vote(1, 2);
    expect(mergeWatermarks(a, undefined)).toBe(a);
    expect(mergeWatermarks(a, vote(1, 2))).toEqual(a);
    expect(mergeWatermarks(a, vote(3, 4))).toEqual(vote(3, 4));
    const differing = mergeWatermarks(a, vote(1, 2, 50))!;
    expect(differing).toEqual({ source: 1, target: 2, voteRoot: UNKNOWN_SIGNING_ROOT });
    // A higher source from the side with the lower target: the other side's vote does not have it.
    expect(mergeWatermarks(vote(3, 3), vote(1, 5))).toEqual({
      source: 3,
      target: 5,
      voteRoot: UNKNOWN_SIGNING_ROOT,
    });
  });
});
