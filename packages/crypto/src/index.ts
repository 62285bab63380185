export { blsBackendNames, getBls, isBlsBackendName } from "./bls/backends.js";
export { CURVE_ORDER, FIELD_MODULUS } from "./bls/encoding.js";
export * from "./bls/interface.js";
export { interopSecretKey } from "./bls/interop.js";
export { PublicKeyCache } from "./bls/public-key-cache.js";
export { bigIntToBytesBE, bytesToBigIntBE, bytesToHex, concatBytes, hexToBytes } from "./bytes.js";
export {
  ADDRESS_LENGTH,
  addressFromPubkey,
  devAccountKey,
  ED25519_PUBLIC_KEY_LENGTH,
  ED25519_SEED_LENGTH,
  ED25519_SIGNATURE_LENGTH,
  type Ed25519KeyPair,
  ed25519KeyPairFromSeed,
  ed25519Sign,
  ed25519Verify,
  generateEd25519KeyPair,
} from "./ed25519.js";
export { sha256 } from "./hash.js";
export {
  decryptKeystore,
  type Eip2335Keystore,
  encryptKeystore,
  KeystoreError,
  type KeystoreErrorCode,
  type KeystoreOptions,
} from "./keystore.js";
