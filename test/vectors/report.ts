/** What a vector suite returns: printable lines, and counts the dispatcher turns into an exit code. */
export interface VectorReport {
  /** One summary line per handler (and backend), plus a line per failing case. */
  lines: string[];
  /** Failed cases, plus one per directory that held no cases. Non-zero fails the run. */
  failed: number;
  /** Cases run. */
  total: number;
}

export function mergeReports(reports: readonly VectorReport[]): VectorReport {
  return {
    lines: reports.flatMap((r) => r.lines),
    failed: reports.reduce((sum, r) => sum + r.failed, 0),
    total: reports.reduce((sum, r) => sum + r.total, 0),
  };
}
