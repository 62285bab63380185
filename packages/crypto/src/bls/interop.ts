/** Ethereum interop (dev) validator keys: sk_i = int.from_bytes(sha256(i.to_bytes(32, "little")), "little") mod r. */
import { bigIntToBytesBE } from "../bytes.js";
import { sha256 } from "../hash.js";
import { CURVE_ORDER } from "./encoding.js";

/** 32-byte big-endian secret key of interop validator `index` (a non-negative safe integer). */
export function interopSecretKey(index: number): Uint8Array {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new RangeError(`interop validator index must be a non-negative safe integer, got ${index}`);
  }
  const indexLe = new Uint8Array(32);
  new DataView(indexLe.buffer).setBigUint64(0, BigInt(index), true);
  const digest = sha256(indexLe);
  let valueLe = 0n;
  for (let i = digest.length - 1; i >= 0; i--) valueLe = (valueLe << 8n) | BigInt(digest[i] ?? 0);
  return bigIntToBytesBE(valueLe % CURVE_ORDER, 32);
}
