import type { RogueReport } from "./report.js";

/** The rogue's payloads the observer received from honest nodes: must be empty (they relay nothing invalid). */
export function relayedRoguePayloads(
  report: Pick<RogueReport, "payloadHashes">,
  received: ReadonlySet<string>,
): string[] {
  return report.payloadHashes.filter((hash) => received.has(hash));
}
