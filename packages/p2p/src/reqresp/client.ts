import type { Libp2p } from "@libp2p/interface";
import { peerIdFromString } from "@libp2p/peer-id";
import type { P2pMetrics } from "../metrics.js";
import { encodeRequest, ResponseReader } from "./framing.js";
import {
  errorCodeOfStatus,
  protocolId,
  ReqRespError,
  type ReqRespProtocol,
  ResponseStatus,
} from "./protocols.js";
import { abortPromise, sendAll } from "./streamIo.js";

export interface RequestOptions {
  /** Whole-request deadline (dial, send, every response chunk), ms. Default 10 s. */
  timeoutMs?: number;
  /** Most success chunks accepted. Default 1024. */
  maxResponseChunks?: number;
  /** Largest chunk payload accepted, bytes. Default 10 MiB. */
  maxChunkBytes?: number;
  /** Largest request payload we send, bytes. Default 1 MiB. */
  maxRequestBytes?: number;
}

/** Sends one request and collects the success chunks; throws ReqRespError on any failure. */
export async function sendRequest(
  libp2p: Libp2p,
  metrics: P2pMetrics,
  peerId: string,
  protocol: ReqRespProtocol,
  request: Uint8Array,
  opts: RequestOptions = {},
): Promise<Uint8Array[]> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const maxChunks = opts.maxResponseChunks ?? 1024;
  metrics.reqrespRequests.inc({ protocol, direction: "outbound" });
  try {
    const maxRequestBytes = opts.maxRequestBytes ?? 1024 * 1024;
    if (request.length > maxRequestBytes) {
      throw new ReqRespError(
        "REQUEST_TOO_LARGE",
        `request of ${request.length} bytes exceeds ${maxRequestBytes} bytes`,
      );
    }
    const signal = AbortSignal.timeout(timeoutMs);
    const timedOut = () =>
      new ReqRespError("TIMEOUT", `${protocol} request to ${peerId} timed out after ${timeoutMs} ms`);
    const aborted = abortPromise(signal, timedOut);
    let target: ReturnType<typeof peerIdFromString>;
    try {
      target = peerIdFromString(peerId);
    } catch {
      throw new ReqRespError("STREAM_ERROR", `not a peer id: ${peerId}`);
    }
    const stream = await libp2p.dialProtocol(target, protocolId(protocol), { signal }).catch((err: Error) => {
      if (signal.aborted) throw timedOut();
      const code = err.name === "UnsupportedProtocolError" ? "UNKNOWN_PROTOCOL" : "STREAM_ERROR";
      throw new ReqRespError(code, `cannot open ${protocol} stream to ${peerId}: ${err.message}`);
    });
    try {
      await Promise.race([sendAll(stream, encodeRequest(request), signal), aborted.promise]);
      await Promise.race([stream.close({ signal }), aborted.promise]);
      const reader = new ResponseReader(opts.maxChunkBytes ?? 10 * 1024 * 1024);
      const chunks: Uint8Array[] = [];
      const iterator = stream[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted.promise]);
        if (next.done === true) break;
        for (const chunk of reader.push(next.value)) {
          if (chunk.status !== ResponseStatus.success) {
            throw new ReqRespError(errorCodeOfStatus(chunk.status), new TextDecoder().decode(chunk.payload));
          }
          if (chunks.length >= maxChunks) {
            throw new ReqRespError("TOO_MANY_CHUNKS", `response has more than ${maxChunks} chunks`);
          }
          chunks.push(chunk.payload);
        }
      }
      if (reader.hasPartialChunk()) {
        throw new ReqRespError("MALFORMED_RESPONSE", "stream ended in the middle of a response chunk");
      }
      return chunks;
    } catch (err) {
      const rrErr =
        err instanceof ReqRespError
          ? err
          : signal.aborted
            ? timedOut()
            : new ReqRespError(
                "STREAM_ERROR",
                `${protocol} stream to ${peerId} failed: ${(err as Error).message}`,
              );
      stream.abort(rrErr);
      throw rrErr;
    } finally {
      aborted.dispose();
    }
  } catch (err) {
    const code = err instanceof ReqRespError ? err.code : "STREAM_ERROR";
    metrics.reqrespErrors.inc({ protocol, code });
    throw err instanceof ReqRespError ? err : new ReqRespError("STREAM_ERROR", (err as Error).message);
  }
}
