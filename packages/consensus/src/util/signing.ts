import { SigningData } from "../types/beacon.js";

/** Domain = domain type (4 bytes) ‖ genesisRoot[0:28]: one per message kind and network. */
export function computeDomain(domainType: Uint8Array, genesisRoot: Uint8Array): Uint8Array {
  const domain = new Uint8Array(32);
  domain.set(domainType.subarray(0, 4), 0);
  domain.set(genesisRoot.subarray(0, 28), 4);
  return domain;
}

/** hash_tree_root(SigningData{objectRoot, domain}). */
export function computeSigningRoot(objectRoot: Uint8Array, domain: Uint8Array): Uint8Array {
  return SigningData.hashTreeRoot({ objectRoot, domain });
}
