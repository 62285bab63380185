import {
  type AttesterSlashingValue,
  attesterSlashingProblem,
  type CachedBeaconState,
  MAX_ATTESTER_SLASHINGS,
  MAX_PROPOSER_SLASHINGS,
  type ProposerSlashingValue,
} from "@shardnet/consensus";

/**
 * The pooled slashings one block can carry on `pre` (the state it builds on), as Lodestar's op pool picks
 * them: block processing slashes validators one operation after another, so an operation whose validators
 * an earlier one of the same block already slashes is invalid there (a twin's validator that both proposed
 * twice and voted twice: the proposer slashing comes first and the attester slashing then slashes nobody,
 * which made the whole block invalid and every proposer leave all evidence out). Each operation is taken
 * only if it slashes someone not slashed yet, in the state or earlier in the block.
 */
export function selectSlashingsForBlock(
  pre: CachedBeaconState,
  proposer: readonly ProposerSlashingValue[],
  attester: readonly AttesterSlashingValue[],
): { proposerSlashings: ProposerSlashingValue[]; attesterSlashings: AttesterSlashingValue[] } {
  const toBeSlashed = new Set<number>();
  const proposerSlashings: ProposerSlashingValue[] = [];
  for (const evidence of proposer) {
    if (proposerSlashings.length >= MAX_PROPOSER_SLASHINGS) break;
    const index = evidence.signedHeader1.message.proposerIndex;
    if (toBeSlashed.has(index) || pre.state.validators.getReadonly(index).slashed) continue;
    toBeSlashed.add(index);
    proposerSlashings.push(evidence);
  }
  const attesterSlashings: AttesterSlashingValue[] = [];
  for (const evidence of attester) {
    if (attesterSlashings.length >= MAX_ATTESTER_SLASHINGS) break;
    const checked = attesterSlashingProblem(pre, evidence);
    if ("problem" in checked) continue;
    const fresh = checked.slashable.filter((i) => !toBeSlashed.has(i));
    if (fresh.length === 0) continue;
    for (const i of fresh) toBeSlashed.add(i);
    attesterSlashings.push(evidence);
  }
  return { proposerSlashings, attesterSlashings };
}
