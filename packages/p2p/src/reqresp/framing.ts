import * as varint from "uint8-varint";
import { Uint8ArrayList } from "uint8arraylist";
import { ReqRespError } from "./protocols.js";

/**
 * Wire format (like Ethereum req/resp without snappy):
 * - request: `varint(len) ‖ payload`, then the requester closes its write side;
 * - response: zero or more chunks `result byte ‖ varint(len) ‖ payload`; result 0 = success, else the payload is a
 *   UTF-8 error message and it is the last chunk; the responder closes its write side after the last chunk.
 */
const MAX_VARINT_BYTES = 10;

/** Bytes as a stream yields them: a Uint8Array or a Uint8ArrayList (of whichever copy of that package). */
export type StreamBytes = Uint8Array | { subarray(): Uint8Array };

function toBytes(data: StreamBytes): Uint8Array {
  return data instanceof Uint8Array ? data : data.subarray();
}

export function encodeRequest(payload: Uint8Array): Uint8Array {
  const len = varint.encode(payload.length);
  const out = new Uint8Array(len.length + payload.length);
  out.set(len, 0);
  out.set(payload, len.length);
  return out;
}

export function encodeResponseChunk(status: number, payload: Uint8Array): Uint8Array {
  const len = varint.encode(payload.length);
  const out = new Uint8Array(1 + len.length + payload.length);
  out[0] = status;
  out.set(len, 1);
  out.set(payload, 1 + len.length);
  return out;
}

export function encodeErrorChunk(status: number, message: string): Uint8Array {
  return encodeResponseChunk(status, new TextEncoder().encode(message.slice(0, 256)));
}

/** Returns [value, bytesUsed] of the varint at `offset`, or null when more bytes are needed. */
function tryReadVarint(buf: Uint8ArrayList, offset: number): [number, number] | null {
  for (let i = 0; i < MAX_VARINT_BYTES && offset + i < buf.length; i++) {
    if ((buf.get(offset + i) & 0x80) === 0) {
      const value = varint.decode(buf.sublist(offset, offset + i + 1));
      return [value, i + 1];
    }
  }
  if (buf.length - offset >= MAX_VARINT_BYTES) {
    throw new ReqRespError("MALFORMED_RESPONSE", "length varint longer than 10 bytes");
  }
  return null;
}

/** Incremental parser for a request: feed bytes, get the payload once complete. */
export class RequestReader {
  private readonly buf = new Uint8ArrayList();
  constructor(private readonly maxBytes: number) {}

  /** Returns the payload once complete; throws ReqRespError("INVALID_REQUEST") if it exceeds maxBytes. */
  push(data: StreamBytes): Uint8Array | null {
    this.buf.append(toBytes(data));
    let header: [number, number] | null;
    try {
      header = tryReadVarint(this.buf, 0);
    } catch {
      throw new ReqRespError("INVALID_REQUEST", "request length prefix is not a valid varint");
    }
    if (header === null) return null;
    const [len, used] = header;
    if (len > this.maxBytes) {
      throw new ReqRespError(
        "INVALID_REQUEST",
        `request of ${len} bytes exceeds limit of ${this.maxBytes} bytes`,
      );
    }
    if (this.buf.length < used + len) return null;
    if (this.buf.length > used + len) {
      throw new ReqRespError("INVALID_REQUEST", "trailing bytes after the request payload");
    }
    return this.buf.subarray(used, used + len);
  }
}

export interface ResponseChunk {
  status: number;
  payload: Uint8Array;
}

/** Incremental parser for response chunks with limits on chunk size. */
export class ResponseReader {
  private readonly buf = new Uint8ArrayList();
  constructor(private readonly maxChunkBytes: number) {}

  /** Appends bytes and returns every chunk now complete. */
  push(data: StreamBytes): ResponseChunk[] {
    this.buf.append(toBytes(data));
    const out: ResponseChunk[] = [];
    for (;;) {
      if (this.buf.length < 2) return out;
      const status = this.buf.get(0);
      const header = tryReadVarint(this.buf, 1);
      if (header === null) return out;
      const [len, used] = header;
      // Error messages are short; success chunks are bounded by maxChunkBytes.
      const limit = status === 0 ? this.maxChunkBytes : 1024;
      if (len > limit) {
        throw new ReqRespError(
          "RESPONSE_TOO_LARGE",
          `response chunk of ${len} bytes exceeds limit of ${limit} bytes`,
        );
      }
      const end = 1 + used + len;
      if (this.buf.length < end) return out;
      out.push({ status, payload: this.buf.subarray(1 + used, end) });
      this.buf.consume(end);
    }
  }

  /** True if bytes of an incomplete chunk are pending (the stream ended mid-chunk). */
  hasPartialChunk(): boolean {
    return this.buf.length > 0;
  }
}
