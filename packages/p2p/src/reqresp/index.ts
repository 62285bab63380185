export { type RequestOptions, sendRequest } from "./client.js";
export {
  encodeErrorChunk,
  encodeRequest,
  encodeResponseChunk,
  RequestReader,
  ResponseReader,
} from "./framing.js";
export {
  DEFAULT_REQRESP_LIMITS,
  errorCodeOfStatus,
  protocolId,
  REQRESP_PROTOCOLS,
  ReqRespError,
  type ReqRespErrorCode,
  type ReqRespLimits,
  type ReqRespProtocol,
  ResponseStatus,
  type ResponseStatusCode,
} from "./protocols.js";
export { TokenBucketLimiter } from "./rateLimit.js";
export { type ReqRespHandler, ReqRespServer } from "./server.js";
