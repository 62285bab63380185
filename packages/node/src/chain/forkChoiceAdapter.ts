import {
  type BeaconBlockValue,
  type CachedBeaconState,
  ForkChoice,
  getAttestingIndices,
  ZERO_ROOT,
} from "@shardnet/consensus";
import { bytesToHex, hexToBytes } from "@shardnet/crypto";

export interface ForkChoiceBlock {
  root: string;
  parentRoot: string;
  slot: number;
  post: CachedBeaconState;
}

export interface Vote {
  validatorIndex: number;
  blockRoot: string;
  targetEpoch: number;
}

/** What the chain service needs from fork choice. */
export interface BeaconForkChoice {
  onBlock(block: ForkChoiceBlock): void;
  onAttestation(validatorIndex: number, blockRoot: string, targetEpoch: number): void;
  getHead(): string;
  prune(finalizedRoot: string): void;
  /** LMD votes carried by a block's attestations. */
  votesOfBlock(post: CachedBeaconState, block: BeaconBlockValue): Vote[];
}

export function createBeaconForkChoice(
  genesisRoot: string,
  genesisState: CachedBeaconState,
): BeaconForkChoice {
  return new ProtoArrayForkChoice(genesisRoot, genesisState);
}

/** The chain's view of consensus' proto-array ForkChoice (hex roots in, hex roots out). */
class ProtoArrayForkChoice implements BeaconForkChoice {
  private readonly fc: ForkChoice;
  private balancesEpoch = 0;

  constructor(genesisRoot: string, genesisState: CachedBeaconState) {
    const state = genesisState.state;
    this.fc = new ForkChoice(
      {
        root: hexToBytes(genesisRoot),
        parentRoot: ZERO_ROOT,
        slot: state.slot,
        justifiedCheckpoint: state.currentJustifiedCheckpoint.toValue(),
        finalizedCheckpoint: state.finalizedCheckpoint.toValue(),
      },
      genesisState.epochCtx.stakes,
    );
  }

  onBlock(block: ForkChoiceBlock): void {
    const state = block.post.state;
    const justified = state.currentJustifiedCheckpoint.toValue();
    this.fc.onBlock({
      root: hexToBytes(block.root),
      parentRoot: hexToBytes(block.parentRoot),
      slot: block.slot,
      justifiedCheckpoint: justified,
      finalizedCheckpoint: state.finalizedCheckpoint.toValue(),
    });
    if (block.post.epochCtx.epoch > this.balancesEpoch) {
      this.balancesEpoch = block.post.epochCtx.epoch;
      this.fc.updateBalances(block.post.epochCtx.stakes);
    }
  }

  onAttestation(validatorIndex: number, blockRoot: string, targetEpoch: number): void {
    this.fc.onAttestation(validatorIndex, hexToBytes(blockRoot), targetEpoch);
  }

  getHead(): string {
    return bytesToHex(this.fc.getHead());
  }

  prune(_finalizedRoot: string): void {
    this.fc.prune();
  }

  votesOfBlock(post: CachedBeaconState, block: BeaconBlockValue): Vote[] {
    const votes: Vote[] = [];
    for (const attestation of block.body.attestations) {
      let indices: number[];
      try {
        indices = getAttestingIndices({ cached: post }, attestation);
      } catch {
        continue;
      }
      const blockRoot = bytesToHex(attestation.data.beaconBlockRoot);
      for (const validatorIndex of indices) {
        votes.push({ validatorIndex, blockRoot, targetEpoch: attestation.data.target.epoch });
      }
    }
    return votes;
  }
}
