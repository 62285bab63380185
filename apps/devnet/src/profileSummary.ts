/**
 * Summarises the V8 CPU profiles under a directory (as `bench:tx --cpu-prof-dir` writes them), one block each.
 *
 *   npm run profile:summary -- --dir <dir> [--top 20]
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatHelp, parseOptions, UsageError } from "@shardnet/node";
import { type CpuProfile, summarizeProfile } from "./cpuProfile.js";

function profileFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...profileFiles(path));
    else if (entry.endsWith(".cpuprofile")) out.push(path);
  }
  return out;
}

const options = {
  dir: {
    kind: "string",
    description: "directory holding .cpuprofile files (searched recursively)",
    default: "",
  },
  top: { kind: "number", description: "functions listed per profile", default: 20 },
} as const;

function main(): void {
  const { help, values } = parseOptions(options, process.argv.slice(2));
  if (help) {
    process.stdout.write(
      formatHelp(
        "npm run profile:summary -- --dir <dir>",
        "busy time of V8 CPU profiles by component, and the functions with the most self time",
        options,
      ),
    );
    return;
  }
  const dir = values.dir;
  if (!dir) throw new UsageError("--dir: give the directory holding the .cpuprofile files");
  if (!existsSync(dir)) throw new UsageError(`--dir ${dir} does not exist`);
  const files = profileFiles(dir);
  if (files.length === 0) throw new UsageError(`no .cpuprofile files under ${dir}`);
  for (const file of files) {
    const s = summarizeProfile(file, JSON.parse(readFileSync(file, "utf8")) as CpuProfile, values.top);
    process.stdout.write(
      `\n${s.file}: ${(s.sampledMs / 1000).toFixed(1)} s sampled, ${(s.busyMs / 1000).toFixed(1)} s busy\n`,
    );
    for (const c of s.components)
      process.stdout.write(
        `  ${c.component.padEnd(32)} ${(c.ms / 1000).toFixed(2).padStart(8)} s ${(100 * c.share).toFixed(1).padStart(6)}%\n`,
      );
    process.stdout.write("  functions with the most self time:\n");
    for (const f of s.functions)
      process.stdout.write(`  ${(100 * f.share).toFixed(1).padStart(6)}%  ${f.name}\n`);
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`profile:summary: ${(err as Error).message}\n`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
