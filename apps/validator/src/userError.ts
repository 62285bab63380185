/** An error the user can fix (bad input, a file, the node's state): printed as its message, exit code 1. */
export class UserError extends Error {
  constructor(
    /** Machine-readable, in `--json` output. */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}
