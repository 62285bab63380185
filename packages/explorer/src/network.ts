import { getJson } from "./api.js";
import type { NetworkJson } from "./types.js";

let cached: Promise<NetworkJson> | undefined;

/** The network's parameters (`/v1/network`), fetched once per page load. */
export function network(): Promise<NetworkJson> {
  cached ??= getJson<NetworkJson>("/v1/network");
  return cached;
}
