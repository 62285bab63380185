import type { Stream } from "@libp2p/interface";

/** Writes bytes, waiting for the stream to drain when its send buffer is full. */
export async function sendAll(stream: Stream, data: Uint8Array, signal?: AbortSignal): Promise<void> {
  if (!stream.send(data)) {
    await stream.onDrain(signal === undefined ? {} : { signal });
  }
}

/** Rejects with `error()` when the signal aborts; resolves never otherwise (race it against real work). */
export function abortPromise(
  signal: AbortSignal,
  error: () => Error,
): { promise: Promise<never>; dispose: () => void } {
  let onAbort: (() => void) | undefined;
  const promise = new Promise<never>((_, reject) => {
    if (signal.aborted) {
      reject(error());
      return;
    }
    onAbort = () => reject(error());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  promise.catch(() => {});
  return {
    promise,
    dispose: () => {
      if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    },
  };
}
