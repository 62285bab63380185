import { BeaconBlockBody, BeaconBlockHeader } from "../../types/beacon.js";
import { bytesEqual, toHex, ZERO_ROOT } from "../../util/bytes.js";
import { BlockError } from "../errors.js";
import type { BlockContext } from "./context.js";

/** Phase 0 `process_block_header`: slot, proposer, parent; caches the header with a zero state root. */
export function processBlockHeader(ctx: BlockContext): void {
  const { state, epochCtx } = ctx.cached;
  const { block } = ctx;
  if (block.slot !== state.slot) {
    throw new BlockError(
      "WRONG_SLOT",
      `block slot ${block.slot} != state slot ${state.slot}: process slots first`,
    );
  }
  if (block.slot <= state.latestBlockHeader.slot) {
    throw new BlockError(
      "NOT_NEWER_THAN_PARENT",
      `block slot ${block.slot} is not after its parent's ${state.latestBlockHeader.slot}`,
    );
  }
  const expectedProposer = epochCtx.getBeaconProposer(block.slot);
  if (block.proposerIndex !== expectedProposer) {
    throw new BlockError(
      "WRONG_PROPOSER",
      `slot ${block.slot} belongs to validator ${expectedProposer}, not ${block.proposerIndex}`,
    );
  }
  const parentRoot = state.latestBlockHeader.hashTreeRoot();
  if (!bytesEqual(block.parentRoot, parentRoot)) {
    throw new BlockError(
      "WRONG_PARENT_ROOT",
      `parent root ${toHex(block.parentRoot)} != latest block ${toHex(parentRoot)}`,
    );
  }
  if (state.validators.getReadonly(block.proposerIndex).slashed) {
    throw new BlockError("PROPOSER_SLASHED", `proposer ${block.proposerIndex} is slashed`);
  }
  state.latestBlockHeader = BeaconBlockHeader.toViewDU({
    slot: block.slot,
    proposerIndex: block.proposerIndex,
    parentRoot: block.parentRoot,
    stateRoot: ZERO_ROOT,
    bodyRoot: BeaconBlockBody.hashTreeRoot(block.body),
  });
}
