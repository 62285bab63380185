/** Req/resp protocol names of DESIGN.md §5. */
export const REQRESP_PROTOCOLS = [
  "status",
  "beacon_blocks_by_range",
  "shard_blocks_by_range",
  "receipts_by_range",
  "shard_state_snapshot",
] as const;

/**
 * `peer_exchange` is internal to this package (not in DESIGN.md §5): a node asks a peer for the multiaddrs of the
 * peers it is connected to, so nodes that only know the bootstrap node find each other and gossip meshes can form
 * without the bootstrap node relaying every topic.
 */
export type ReqRespProtocol = (typeof REQRESP_PROTOCOLS)[number] | "peer_exchange";

/** libp2p protocol id: `/shardnet/req/{name}/1/ssz`. */
export function protocolId(name: ReqRespProtocol): string {
  return `/shardnet/req/${name}/1/ssz`;
}

/** Result byte of a response chunk. */
export const ResponseStatus = {
  success: 0,
  invalidRequest: 1,
  serverError: 2,
  resourceUnavailable: 3,
} as const;
export type ResponseStatusCode = (typeof ResponseStatus)[keyof typeof ResponseStatus];

/**
 * Error codes a request can fail with. The first three come from the responder's result byte; the rest are
 * detected locally by the requester.
 */
export type ReqRespErrorCode =
  | "INVALID_REQUEST"
  | "SERVER_ERROR"
  | "RESOURCE_UNAVAILABLE"
  | "TIMEOUT"
  | "REQUEST_TOO_LARGE"
  | "RESPONSE_TOO_LARGE"
  | "TOO_MANY_CHUNKS"
  | "MALFORMED_RESPONSE"
  | "UNKNOWN_PROTOCOL"
  | "STREAM_ERROR";

export function errorCodeOfStatus(status: number): ReqRespErrorCode {
  switch (status) {
    case ResponseStatus.invalidRequest:
      return "INVALID_REQUEST";
    case ResponseStatus.serverError:
      return "SERVER_ERROR";
    case ResponseStatus.resourceUnavailable:
      return "RESOURCE_UNAVAILABLE";
    default:
      return "MALFORMED_RESPONSE";
  }
}

/** A failed request: `code` says what class of failure, `message` what exactly (remote text for remote errors). */
export class ReqRespError extends Error {
  override readonly name = "ReqRespError";
  constructor(
    readonly code: ReqRespErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Limits a responder enforces for one protocol; the requester uses the same numbers for what it accepts. */
export interface ReqRespLimits {
  /** Largest request payload accepted, in bytes. */
  maxRequestBytes: number;
  /** Most success chunks in one response. */
  maxResponseChunks: number;
  /** Largest payload of one response chunk, in bytes. */
  maxChunkBytes: number;
  /** Per-peer rate: sustained requests per second (token bucket refill rate). */
  requestsPerSecond: number;
  /** Per-peer burst: bucket capacity (defaults to max(1, requestsPerSecond)). */
  burst?: number;
  /** How long the responder may spend on one request (reading it, running the handler, writing), ms. */
  timeoutMs: number;
}

export const DEFAULT_REQRESP_LIMITS: ReqRespLimits = {
  maxRequestBytes: 1024,
  maxResponseChunks: 1024,
  maxChunkBytes: 10 * 1024 * 1024,
  requestsPerSecond: 50,
  timeoutMs: 10_000,
};
