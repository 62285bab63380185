import { type LevelWithSilent, type Logger, pino } from "pino";

export type { Logger };

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Process name in every line ("beacon", "node-1", ...). */
  name: string;
  /** Human-readable output through pino-pretty (devnet terminals); JSON lines otherwise. */
  pretty?: boolean;
}

/** pino JSON logger: one event per line with structured context (`log.info({slot, shard, root}, "msg")`). */
export function createLogger(opts: LoggerOptions): Logger {
  if (opts.pretty) {
    return pino({
      name: opts.name,
      level: opts.level,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "HH:MM:ss.l" } },
    });
  }
  return pino({ name: opts.name, level: opts.level, base: { name: opts.name } });
}

export const LOG_LEVELS: readonly LevelWithSilent[] = [
  "fatal",
  "error",
  "warn",
  "info",
  "debug",
  "trace",
  "silent",
];
