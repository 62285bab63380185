import type { BlsSecretKey } from "@shardnet/crypto";
import type { CachedBeaconState } from "../cache/cachedState.js";
import { DOMAIN_RANDAO } from "../params/constants.js";
import { randaoSigningRoot } from "../stateTransition/block/randao.js";
import { blockSigningRoot } from "../stateTransition/stateTransition.js";
import type { AttestationDataValue, BeaconBlockValue, SignedBeaconBlockValue } from "../types/index.js";
import { computeDomain } from "../util/signing.js";
import { computeAttestationSigningRoot } from "./attestation.js";

/** Validator-client helpers: what each duty signs (signing roots come from the state's network domain). */
export function signBlock(
  secretKey: BlsSecretKey,
  cached: CachedBeaconState,
  block: BeaconBlockValue,
): SignedBeaconBlockValue {
  return { message: block, signature: secretKey.sign(blockSigningRoot(cached, block)).toBytes() };
}

export function signRandaoReveal(
  secretKey: BlsSecretKey,
  genesisRoot: Uint8Array,
  epoch: number,
): Uint8Array {
  return secretKey.sign(randaoSigningRoot(computeDomain(DOMAIN_RANDAO, genesisRoot), epoch)).toBytes();
}

export function signAttestationData(
  secretKey: BlsSecretKey,
  genesisRoot: Uint8Array,
  data: AttestationDataValue,
): Uint8Array {
  return secretKey.sign(computeAttestationSigningRoot(genesisRoot, data)).toBytes();
}
