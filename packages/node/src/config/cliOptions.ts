import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

/**
 * Declarative CLI options: every flag has an env var (`SHARDNET_<FLAG>`) and a config-file key (the flag
 * name), with precedence flag > env > config file > default. `--help` is generated from the same table.
 */
export type OptionKind = "string" | "number" | "boolean";

export interface OptionSpec {
  kind: OptionKind;
  description: string;
  default?: string | number | boolean;
}

export type OptionTable = Record<string, OptionSpec>;

export type OptionValues<T extends OptionTable> = {
  [K in keyof T]: T[K]["kind"] extends "number" ? number : T[K]["kind"] extends "boolean" ? boolean : string;
};

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export function envName(flag: string): string {
  return `SHARDNET_${flag.toUpperCase().replace(/-/g, "_")}`;
}

export function formatHelp(command: string, summary: string, table: OptionTable): string {
  const rows = Object.entries({ ...table, config: configSpec, help: helpSpec }).map(([flag, spec]) => {
    const value = spec.kind === "boolean" ? "" : ` <${spec.kind}>`;
    const def = spec.default === undefined ? "" : ` (default: ${String(spec.default)})`;
    const env = flag === "help" || flag === "config" ? "" : `  [env ${envName(flag)}]`;
    return `  --${flag}${value}\n      ${spec.description}${def}${env}`;
  });
  return `${command}: ${summary}\n\nUsage: ${command} [options]\n\nOptions:\n${rows.join("\n")}\n`;
}

const configSpec: OptionSpec = { kind: "string", description: "JSON config file; keys are flag names" };
const helpSpec: OptionSpec = { kind: "boolean", description: "print this help and exit" };

export interface ParsedOptions<T extends OptionTable> {
  help: boolean;
  values: OptionValues<T>;
}

/** Parses argv + env + config file against `table`. Throws UsageError naming the bad flag and why. */
export function parseOptions<T extends OptionTable>(
  table: T,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): ParsedOptions<T> {
  const parseSpec: Record<string, { type: "string" | "boolean" }> = {
    config: { type: "string" },
    help: { type: "boolean" },
  };
  for (const [flag, spec] of Object.entries(table)) {
    parseSpec[flag] = { type: spec.kind === "boolean" ? "boolean" : "string" };
  }
  let parsed: Record<string, string | boolean | undefined>;
  try {
    parsed = parseArgs({ args: argv, options: parseSpec, strict: true, allowPositionals: false })
      .values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError(`${(err as Error).message}. Run with --help to see every flag.`);
  }
  if (parsed.help === true) return { help: true, values: {} as OptionValues<T> };

  const configPath = typeof parsed.config === "string" ? parsed.config : env.SHARDNET_CONFIG;
  const fileValues = configPath ? readConfigFile(configPath, table) : {};

  const values: Record<string, string | number | boolean> = {};
  for (const [flag, spec] of Object.entries(table)) {
    const raw = parsed[flag] ?? env[envName(flag)] ?? fileValues[flag] ?? spec.default;
    if (raw === undefined) throw new UsageError(`--${flag} is required: ${spec.description}`);
    values[flag] = coerce(flag, spec, raw);
  }
  return { help: false, values: values as OptionValues<T> };
}

function coerce(flag: string, spec: OptionSpec, raw: string | number | boolean): string | number | boolean {
  switch (spec.kind) {
    case "string":
      return String(raw);
    case "number": {
      const n = typeof raw === "number" ? raw : Number(raw);
      if (!Number.isFinite(n)) throw new UsageError(`--${flag} must be a number, got "${String(raw)}"`);
      return n;
    }
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0" || raw === "") return false;
      throw new UsageError(`--${flag} must be true or false, got "${String(raw)}"`);
  }
}

function readConfigFile(path: string, table: OptionTable): Record<string, string | number | boolean> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError(`config file ${path} must hold a JSON object whose keys are flag names`);
  }
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!(key in table)) throw new UsageError(`config file ${path}: unknown key "${key}"`);
    if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") {
      throw new UsageError(`config file ${path}: "${key}" must be a string, number or boolean`);
    }
    out[key] = value;
  }
  return out;
}

/** Parses "0..15,20,22..23" into sorted unique integers. */
export function parseIndexList(text: string, what: string): number[] {
  if (text.trim() === "") return [];
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^\s*(\d+)\s*(?:\.\.\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UsageError(`${what}: "${part}" is not an index or a range like 0..15`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new UsageError(`${what}: range ${part} runs backwards`);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}
