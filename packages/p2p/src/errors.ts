/** A configuration or start-up problem the operator must fix (bad key file, bad multiaddr, ...). */
export class P2pConfigError extends Error {
  override readonly name = "P2pConfigError";
}
