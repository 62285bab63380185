/** The scale bench's files: the markdown table, the JSON report and the SVG chart. */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scaleChartSvg } from "./chart.js";
import { markdownReport, type ScaleReport } from "./report.js";

/** Writes scale.md, scale.json and scale.svg into `dir`; returns their paths. */
export function writeScaleReport(report: ScaleReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [
    ["scale.md", markdownReport(report)],
    ["scale.json", `${JSON.stringify(report, null, 2)}\n`],
    [
      "scale.svg",
      scaleChartSvg(report.rows, `Capacity and beacon share of the ${report.slotSeconds}-s slot vs shards`),
    ],
  ];
  return files.map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  });
}
