// Noise frame encryption benchmark: µs per frame (seal + open) of the library's default crypto and of this
// package's noiseCrypto (session keys imported once), by frame size. In-process, single-threaded.
// Usage: npm run bench:noise -w packages/p2p [-- --frames 20000 --sizes 200,1200,4096,16384,65519]
import { randomBytes } from "node:crypto";
import type { ICryptoInterface } from "@chainsafe/libp2p-noise";
import { defaultCrypto } from "@chainsafe/libp2p-noise/crypto";
import { noiseCrypto } from "../src/noiseCrypto.js";

const args = new Map<string, string>();
for (let i = 2; i + 1 < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ""), process.argv[i + 1]!);
const FRAMES = Number(args.get("frames") ?? 20_000);
const SIZES = (args.get("sizes") ?? "200,1200,4096,16384,65519").split(",").map(Number);
const REPS = 3;

const k = new Uint8Array(randomBytes(32));
const ad = new Uint8Array(0);
const nonce = new Uint8Array(12);

/** µs per frame sealed then opened (the best of REPS runs of FRAMES frames). */
function perFrame(crypto: ICryptoInterface, plaintext: Uint8Array): number {
  let best = Number.POSITIVE_INFINITY;
  for (let rep = 0; rep < REPS; rep++) {
    const start = performance.now();
    for (let i = 0; i < FRAMES; i++) {
      const sealed = crypto.chaCha20Poly1305Encrypt(plaintext, nonce, ad, k).subarray();
      crypto.chaCha20Poly1305Decrypt(sealed, nonce, ad, k);
    }
    best = Math.min(best, ((performance.now() - start) * 1000) / FRAMES);
  }
  return best;
}

console.log(`frame bytes   default µs   noiseCrypto µs   ratio   (seal + open, best of ${REPS} x ${FRAMES})`);
for (const size of SIZES) {
  const plaintext = new Uint8Array(randomBytes(size));
  const before = perFrame(defaultCrypto, plaintext);
  const after = perFrame(noiseCrypto, plaintext);
  console.log(
    `${String(size).padStart(11)}   ${before.toFixed(2).padStart(10)}   ${after.toFixed(2).padStart(14)}   ${(after / before).toFixed(2).padStart(5)}`,
  );
}
console.log(`Node ${process.version}`);
