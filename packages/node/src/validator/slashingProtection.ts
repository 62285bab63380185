import type { BatchOp, NodeDb } from "../db/nodeDb.js";
import { concatKey, uint64Key } from "../db/nodeDb.js";

/** Kinds of signed message that slashing protection tracks. */
export type SignedKind = "beacon_block" | "shard_block" | "attestation";
/** First key byte of a signing record, per kind (part of the on-disk format). */
export const SIGNED_KIND_BYTE: Record<SignedKind, number> = {
  beacon_block: 1,
  shard_block: 2,
  attestation: 3,
};
/** First key byte of a validator's FFG watermark (the last vote it signed). */
export const WATERMARK_KEY_BYTE = 0xff;

/** An attestation's FFG vote: epochs, and a root committing to both checkpoints (source and target roots). */
export interface FfgVote {
  source: number;
  target: number;
  voteRoot?: Uint8Array;
  /** The checkpoint roots themselves, kept so a restarted validator can repeat the vote of the epoch. */
  sourceRoot?: Uint8Array;
  targetRoot?: Uint8Array;
}

/** An FFG vote as signed: source and target checkpoints. */
export interface SignedFfgVote {
  source: { epoch: number; root: Uint8Array };
  target: { epoch: number; root: Uint8Array };
}

export interface SigningRequest {
  kind: SignedKind;
  validator: number;
  slot: number;
  signingRoot: Uint8Array;
  shard?: number;
  /** Attestations: the FFG vote (source and target epochs, and the vote's root when known). */
  epochs?: FfgVote | undefined;
}

/** Key of one signing record: kind (1) | validator (8) | shard (8, 0 but for shard blocks) | slot (8). */
export function signingRecordKey(
  kind: SignedKind,
  validator: number,
  shard: number,
  slot: number,
): Uint8Array {
  return concatKey(
    new Uint8Array([SIGNED_KIND_BYTE[kind]]),
    uint64Key(validator),
    uint64Key(shard),
    uint64Key(slot),
  );
}

/** Key of a validator's FFG watermark: 0xff | validator (8). */
export function watermarkKey(validator: number): Uint8Array {
  return concatKey(new Uint8Array([WATERMARK_KEY_BYTE]), uint64Key(validator));
}

/** Layout: source epoch (8) | target epoch (8) | vote root (32) | source root (32) | target root (32). */
export function encodeWatermark(vote: FfgVote): Uint8Array {
  return concatKey(
    uint64Key(vote.source),
    uint64Key(vote.target),
    ...(vote.voteRoot
      ? [vote.voteRoot, ...(vote.sourceRoot && vote.targetRoot ? [vote.sourceRoot, vote.targetRoot] : [])]
      : []),
  );
}

export function decodeWatermark(mark: Uint8Array): FfgVote {
  const view = new DataView(mark.buffer, mark.byteOffset, mark.byteLength);
  return {
    source: Number(view.getBigUint64(0)),
    target: Number(view.getBigUint64(8)),
    ...(mark.length >= 48 ? { voteRoot: mark.slice(16, 48) } : {}),
    ...(mark.length >= 112 ? { sourceRoot: mark.slice(48, 80), targetRoot: mark.slice(80, 112) } : {}),
  };
}

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
    epochs?: FfgVote,
  ): Promise<void> {
    const [result] = await this.checkAndRecordMany([{ kind, validator, slot, signingRoot, shard, epochs }]);
    if (result instanceof SlashingProtectionError) throw result;
  }

  /**
   * Checks many signing requests and records the safe ones in one synced write (one fsync for all the
   * validators of a slot). Returns, per request, `true` or the error that refuses it.
   */
  async checkAndRecordMany(
    requests: readonly SigningRequest[],
  ): Promise<Array<true | SlashingProtectionError>> {
    const ops: BatchOp[] = [];
    const results: Array<true | SlashingProtectionError> = [];
    const watermarks = new Map<number, FfgVote>();
    for (const r of requests) {
      const shard = r.shard ?? 0;
      const key = signingRecordKey(r.kind, r.validator, shard, r.slot);
      const previous = await this.db.get("slashingProtection", key);
      if (previous !== undefined) {
        results.push(
          Buffer.compare(previous, r.signingRoot) === 0
            ? true
            : new SlashingProtectionError(
                `refusing to sign a second ${r.kind} for validator ${r.validator} at slot ${r.slot}${r.kind === "shard_block" ? ` shard ${shard}` : ""}: it would be slashable`,
              ),
        );
        continue;
      }
      if (r.kind === "attestation" && r.epochs) {
        const mark = watermarks.get(r.validator) ?? (await this.readWatermark(r.validator));
        if (mark && (r.epochs.source < mark.source || r.epochs.target < mark.target)) {
          results.push(
            new SlashingProtectionError(
              `refusing attestation for validator ${r.validator}: source ${r.epochs.source}/target ${r.epochs.target} goes behind the signed source ${mark.source}/target ${mark.target} (possible surround vote)`,
            ),
          );
          continue;
        }
        // Every slot of an epoch repeats the FFG vote; a different one for the same target epoch is slashable.
        if (
          mark?.voteRoot &&
          r.epochs.voteRoot &&
          r.epochs.target === mark.target &&
          Buffer.compare(mark.voteRoot, r.epochs.voteRoot) !== 0
        ) {
          results.push(
            new SlashingProtectionError(
              `refusing attestation for validator ${r.validator}: a different FFG vote (source/target checkpoints) for target epoch ${r.epochs.target} was already signed`,
            ),
          );
          continue;
        }
        watermarks.set(r.validator, r.epochs);
        ops.push({
          bucket: "slashingProtection",
          key: watermarkKey(r.validator),
          value: encodeWatermark(r.epochs),
        });
      }
      ops.push({ bucket: "slashingProtection", key, value: r.signingRoot });
      results.push(true);
    }
    await this.db.writeBatch(ops);
    return results;
  }

  /** The last FFG vote `validator` signed, if its checkpoints were recorded. */
  async signedVote(validator: number): Promise<SignedFfgVote | undefined> {
    const mark = await this.readWatermark(validator);
    if (!mark?.sourceRoot || !mark.targetRoot) return undefined;
    return {
      source: { epoch: mark.source, root: mark.sourceRoot },
      target: { epoch: mark.target, root: mark.targetRoot },
    };
  }

  /** True when this database holds any signing of `validator` (a watermark, a block or an attestation). */
  async hasHistory(validator: number): Promise<boolean> {
    if ((await this.db.get("slashingProtection", watermarkKey(validator))) !== undefined) return true;
    for (const kind of Object.keys(SIGNED_KIND_BYTE) as SignedKind[]) {
      const from = signingRecordKey(kind, validator, 0, 0);
      const to = concatKey(new Uint8Array([SIGNED_KIND_BYTE[kind]]), uint64Key(validator + 1));
      if ((await this.db.range("slashingProtection", from, to, 1)).length > 0) return true;
    }
    return false;
  }

  private async readWatermark(validator: number): Promise<FfgVote | undefined> {
    const mark = await this.db.get("slashingProtection", watermarkKey(validator));
    return mark ? decodeWatermark(mark) : undefined;
  }
}
