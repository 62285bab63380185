import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { UserError } from "./userError.js";

/** The text of `path`; a missing or unreadable file is a UserError naming the flag it came from. */
export function readTextFile(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UserError("UNREADABLE_FILE", `cannot read ${flag} ${path}: ${(err as Error).message}`);
  }
}

/** A keystore password: the file's text without its final line break. An empty password is refused. */
export function readPasswordFile(path: string): string {
  const password = readTextFile(path, "--password-file").replace(/\r?\n$/, "");
  if (password === "")
    throw new UserError(
      "EMPTY_PASSWORD",
      `--password-file ${path} is empty: write the keystore password in it`,
    );
  return password;
}

export function readJsonFile(path: string, flag: string): unknown {
  const text = readTextFile(path, flag);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError("NOT_JSON", `${flag} ${path} is not JSON: ${(err as Error).message}`);
  }
}

/** Writes `text` to `path` through a temporary file and a rename, so a reader never sees half a file. */
export function writeFileAtomically(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, text, { mode: 0o600 });
    renameSync(temporary, path);
  } catch (err) {
    throw new UserError("UNWRITABLE_FILE", `cannot write ${path}: ${(err as Error).message}`);
  }
}
