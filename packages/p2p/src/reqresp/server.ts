import type { Connection, Stream } from "@libp2p/interface";
import type { P2pMetrics } from "../metrics.js";
import { encodeErrorChunk, encodeResponseChunk, RequestReader } from "./framing.js";
import {
  ReqRespError,
  type ReqRespErrorCode,
  type ReqRespLimits,
  type ReqRespProtocol,
  ResponseStatus,
} from "./protocols.js";
import { TokenBucketLimiter } from "./rateLimit.js";
import { abortPromise, sendAll } from "./streamIo.js";

/** Serves one request: returns the success chunks (a list, or an async iterable streamed as produced). */
export type ReqRespHandler = (
  request: Uint8Array,
  peerId: string,
  signal: AbortSignal,
) => AsyncIterable<Uint8Array> | Promise<Uint8Array[]> | Uint8Array[];

function statusOf(code: ReqRespErrorCode): number {
  switch (code) {
    case "INVALID_REQUEST":
      return ResponseStatus.invalidRequest;
    case "RESOURCE_UNAVAILABLE":
      return ResponseStatus.resourceUnavailable;
    default:
      return ResponseStatus.serverError;
  }
}

/** Responder side of one protocol: rate limit, request limits, handler timeout, typed error responses. */
export class ReqRespServer {
  private readonly limiter: TokenBucketLimiter;

  constructor(
    private readonly protocol: ReqRespProtocol,
    private readonly handler: ReqRespHandler,
    private readonly limits: ReqRespLimits,
    private readonly metrics: P2pMetrics,
  ) {
    this.limiter = new TokenBucketLimiter(
      limits.requestsPerSecond,
      limits.burst ?? Math.max(1, limits.requestsPerSecond),
    );
  }

  forgetPeer(peerId: string): void {
    this.limiter.forget(peerId);
  }

  async handleStream(stream: Stream, connection: Connection): Promise<void> {
    const peerId = connection.remotePeer.toString();
    this.metrics.reqrespRequests.inc({ protocol: this.protocol, direction: "inbound" });
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new ReqRespError("TIMEOUT", `request not served within ${this.limits.timeoutMs} ms`),
        ),
      this.limits.timeoutMs,
    );
    const { signal } = controller;
    try {
      if (!this.limiter.tryTake(peerId)) {
        throw new ReqRespError(
          "RESOURCE_UNAVAILABLE",
          `rate limited: more than ${this.limits.requestsPerSecond} ${this.protocol} requests/s from this peer`,
        );
      }
      const request = await this.readRequest(stream, signal);
      await this.respond(stream, request, peerId, signal);
      await stream.close({ signal });
    } catch (err) {
      const rrErr =
        err instanceof ReqRespError
          ? err
          : new ReqRespError("SERVER_ERROR", signal.aborted ? "handler timed out" : (err as Error).message);
      this.metrics.reqrespErrors.inc({ protocol: this.protocol, code: rrErr.code });
      await this.sendError(stream, rrErr);
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
  }

  private async readRequest(stream: Stream, signal: AbortSignal): Promise<Uint8Array> {
    const reader = new RequestReader(this.limits.maxRequestBytes);
    const aborted = abortPromise(signal, () => new ReqRespError("TIMEOUT", "request not received in time"));
    try {
      const iterator = stream[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), aborted.promise]);
        if (next.done === true) break;
        const request = reader.push(next.value);
        if (request !== null) {
          await iterator.return?.();
          return request;
        }
      }
    } finally {
      aborted.dispose();
    }
    throw new ReqRespError("INVALID_REQUEST", "stream ended before a complete request was received");
  }

  private async respond(
    stream: Stream,
    request: Uint8Array,
    peerId: string,
    signal: AbortSignal,
  ): Promise<void> {
    const aborted = abortPromise(
      signal,
      () => new ReqRespError("SERVER_ERROR", `handler timed out after ${this.limits.timeoutMs} ms`),
    );
    try {
      const produced = await Promise.race([
        Promise.resolve(this.handler(request, peerId, signal)),
        aborted.promise,
      ]);
      let count = 0;
      const emit = async (chunk: Uint8Array): Promise<void> => {
        if (++count > this.limits.maxResponseChunks) {
          throw new ReqRespError("SERVER_ERROR", `response exceeds ${this.limits.maxResponseChunks} chunks`);
        }
        if (chunk.length > this.limits.maxChunkBytes) {
          throw new ReqRespError(
            "SERVER_ERROR",
            `response chunk of ${chunk.length} bytes exceeds limit of ${this.limits.maxChunkBytes} bytes`,
          );
        }
        await Promise.race([
          sendAll(stream, encodeResponseChunk(ResponseStatus.success, chunk), signal),
          aborted.promise,
        ]);
      };
      if (Symbol.asyncIterator in produced) {
        const iterator = produced[Symbol.asyncIterator]();
        try {
          for (;;) {
            const next = await Promise.race([iterator.next(), aborted.promise]);
            if (next.done === true) break;
            await emit(next.value);
          }
        } finally {
          // Stop a generator that is still running (timeout or limit); don't wait for a hung one.
          void iterator.return?.()?.catch(() => {});
        }
      } else {
        for (const chunk of produced) await emit(chunk);
      }
    } finally {
      aborted.dispose();
    }
  }

  private async sendError(stream: Stream, err: ReqRespError): Promise<void> {
    try {
      if (stream.writeStatus !== "writable") {
        stream.abort(err);
        return;
      }
      stream.send(encodeErrorChunk(statusOf(err.code), err.message));
      await stream.close({ signal: AbortSignal.timeout(1000) });
    } catch {
      stream.abort(err);
    }
  }
}
