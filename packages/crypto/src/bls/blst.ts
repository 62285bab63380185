/** BLS backend on supranational/blst through @chainsafe/blst (native, default). */
import blst from "@chainsafe/blst";
import { checkPublicKeyBytes, checkSecretKeyBytes, checkSignatureBytes } from "./encoding.js";
import {
  type BlsBackend,
  BlsError,
  type BlsPublicKey,
  type BlsSecretKey,
  type BlsSignature,
  type SignatureSet,
} from "./interface.js";

type NativeSecretKey = InstanceType<typeof blst.SecretKey>;
type NativePublicKey = InstanceType<typeof blst.PublicKey>;
type NativeSignature = InstanceType<typeof blst.Signature>;

const BLST_ERROR_CODES: Record<string, BlsError["code"]> = {
  BLST_BAD_ENCODING: "INVALID_ENCODING",
  BLST_POINT_NOT_ON_CURVE: "POINT_NOT_ON_CURVE",
  BLST_POINT_NOT_IN_GROUP: "POINT_NOT_IN_SUBGROUP",
  BLST_PK_IS_INFINITY: "INFINITY_PUBLIC_KEY",
};

function translateBlstError(error: unknown, what: string): BlsError {
  const blstCode = (error as { code?: unknown }).code;
  const code = typeof blstCode === "string" ? BLST_ERROR_CODES[blstCode] : undefined;
  const detail = error instanceof Error ? error.message : String(error);
  return new BlsError(code ?? "INVALID_ENCODING", `${what} rejected by blst: ${detail}`);
}

function nativePublicKey(key: BlsPublicKey): NativePublicKey {
  if (key instanceof blst.PublicKey) return key;
  throw new BlsError(
    "WRONG_BACKEND",
    "public key was not created by the blst backend: decode it with getBls('blst')",
  );
}

function nativeSignature(signature: BlsSignature): NativeSignature {
  if (signature instanceof blst.Signature) return signature;
  throw new BlsError(
    "WRONG_BACKEND",
    "signature was not created by the blst backend: decode it with getBls('blst')",
  );
}

/** blst's own objects already match the interface (toBytes() defaults to compressed). */
function wrapSecretKey(native: NativeSecretKey): BlsSecretKey {
  return {
    toBytes: () => native.toBytes(),
    toPublicKey: () => native.toPublicKey(),
    sign: (message: Uint8Array) => native.sign(message),
  };
}

export const blstBackend: BlsBackend = {
  name: "blst",

  secretKeyFromBytes(bytes) {
    checkSecretKeyBytes(bytes);
    try {
      return wrapSecretKey(blst.SecretKey.fromBytes(bytes));
    } catch (error) {
      throw translateBlstError(error, "BLS secret key");
    }
  },

  publicKeyFromBytes(bytes) {
    checkPublicKeyBytes(bytes);
    try {
      return blst.PublicKey.fromBytes(bytes, true);
    } catch (error) {
      throw translateBlstError(error, "BLS public key");
    }
  },

  signatureFromBytes(bytes) {
    checkSignatureBytes(bytes);
    try {
      return blst.Signature.fromBytes(bytes, true, false);
    } catch (error) {
      throw translateBlstError(error, "BLS signature");
    }
  },

  verify(publicKey, message, signature) {
    return blst.verify(message, nativePublicKey(publicKey), nativeSignature(signature), false, false);
  },

  aggregatePublicKeys(publicKeys) {
    if (publicKeys.length === 0)
      throw new BlsError("EMPTY_AGGREGATE", "cannot aggregate an empty list of public keys");
    return blst.aggregatePublicKeys(publicKeys.map(nativePublicKey), false);
  },

  aggregateSignatures(signatures) {
    if (signatures.length === 0)
      throw new BlsError("EMPTY_AGGREGATE", "cannot aggregate an empty list of signatures");
    return blst.aggregateSignatures(signatures.map(nativeSignature), false);
  },

  fastAggregateVerify(publicKeys, message, signature) {
    if (publicKeys.length === 0) return false;
    return blst.fastAggregateVerify(
      message,
      publicKeys.map(nativePublicKey),
      nativeSignature(signature),
      false,
    );
  },

  aggregateVerify(publicKeys, messages, signature) {
    if (publicKeys.length === 0 || publicKeys.length !== messages.length) return false;
    return blst.aggregateVerify(
      [...messages],
      publicKeys.map(nativePublicKey),
      nativeSignature(signature),
      false,
      false,
    );
  },

  verifyMultipleSignatures(sets: readonly SignatureSet[]) {
    if (sets.length === 0) return false;
    return blst.verifyMultipleAggregateSignatures(
      sets.map((set) => ({
        pk: nativePublicKey(set.publicKey),
        msg: set.message,
        sig: nativeSignature(set.signature),
      })),
      false,
      false,
    );
  },
};
