/** An API error with an HTTP status and a machine-readable code; the message says which input is wrong and why. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const notFound = (what: string): ApiError => new ApiError(404, "NOT_FOUND", `${what} not found`);
export const badRequest = (code: string, message: string): ApiError => new ApiError(400, code, message);
export const syncing = (): ApiError =>
  new ApiError(503, "SYNCING", "node is syncing; retry when GET /v1/node/health reports synced");
