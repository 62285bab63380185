import type { BatchOp, NodeDb } from "../db/nodeDb.js";
import { concatKey, uint64Key } from "../db/nodeDb.js";

/** Kinds of signed message that slashing protection tracks. */
export type SignedKind = "beacon_block" | "shard_block" | "attestation";
const KIND_BYTE: Record<SignedKind, number> = { beacon_block: 1, shard_block: 2, attestation: 3 };

export class SlashingProtectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlashingProtectionError";
  }
}

/**
 * Validator-client slashing protection, persisted in the node's database before a signature leaves the
 * process. Refuses:
 * - a second, different block (beacon, or shard per shard) for one validator and slot;
 * - a second, different attestation for one validator and slot (double vote);
 * - an attestation whose source or target epoch goes backwards (which rules out surround votes).
 * Re-signing the identical message is allowed (idempotent after a restart).
 */
export class SlashingProtection {
  constructor(private readonly db: NodeDb) {}

  /**
   * Records that `validator` signs `signingRoot` for (`kind`, `slot`, `shard`); throws if that would be
   * slashable. The record is written (synced) before this returns.
   */
  async checkAndRecord(
    kind: SignedKind,
    validator: number,
    slot: number,
    signingRoot: Uint8Array,
    shard = 0,
    epochs?: { source: number; target: number },
  ): Promise<void> {
    const key = concatKey(
      new Uint8Array([KIND_BYTE[kind]]),
      uint64Key(validator),
      uint64Key(shard),
      uint64Key(slot),
    );
    const previous = await this.db.get("slashingProtection", key);
    if (previous !== undefined) {
      if (Buffer.compare(previous, signingRoot) === 0) return;
      throw new SlashingProtectionError(
        `refusing to sign a second ${kind} for validator ${validator} at slot ${slot}${kind === "shard_block" ? ` shard ${shard}` : ""}: it would be slashable`,
      );
    }
    const ops: BatchOp[] = [{ bucket: "slashingProtection", key, value: signingRoot }];
    if (kind === "attestation" && epochs) {
      const watermarkKey = concatKey(new Uint8Array([0xff]), uint64Key(validator));
      const mark = await this.db.get("slashingProtection", watermarkKey);
      if (mark) {
        const view = new DataView(mark.buffer, mark.byteOffset, mark.byteLength);
        const lastSource = Number(view.getBigUint64(0));
        const lastTarget = Number(view.getBigUint64(8));
        if (epochs.source < lastSource || epochs.target < lastTarget) {
          throw new SlashingProtectionError(
            `refusing attestation for validator ${validator}: source ${epochs.source}/target ${epochs.target} goes behind the signed source ${lastSource}/target ${lastTarget} (possible surround vote)`,
          );
        }
      }
      ops.push({
        bucket: "slashingProtection",
        key: watermarkKey,
        value: concatKey(uint64Key(epochs.source), uint64Key(epochs.target)),
      });
    }
    await this.db.writeBatch(ops);
  }
}
