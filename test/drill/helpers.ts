// What the process and the Docker drill tests share: progress lines, and what a passing drill is.
import { expect } from 'vitest';
import { formatReport, type DrillReport } from '../../src/drill/index.js';

/** Progress lines prefixed with the seconds since the drill began. */
export function drillLog(prefix: string): (line: string) => void {
  const t0 = Date.now();
  return (line) => console.log(`[${prefix} ${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`);
}

/** Prints the report, and fails with it unless the drill passed with something checked. */
export function expectPass(report: DrillReport): void {
  console.log(formatReport(report));
  expect(report.problems, formatReport(report)).toEqual([]);
  expect(report.linearizable).toBe(true);
  expect(report.lostWrites.lost).toBe(0);
  expect(report.lostWrites.checked).toBeGreaterThan(0);
  expect(report.operations.total.ok).toBeGreaterThan(100);
}
