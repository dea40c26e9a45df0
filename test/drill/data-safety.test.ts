// The data-safety drills at a short duration (node processes from dist/: `npm run build` first):
// disaster (every node and its data destroyed, a new cluster from backup + archive: nothing
// acknowledged below the archived revision lost; RTO and RPO reported) and mistake (a prefix
// deleted by mistake, a point-in-time restore to just before it brings every key back).
import { describe, expect, it } from 'vitest';
import { formatDataSafetyReport, runDataSafetyDrill } from '../../src/drill/data-safety.js';

describe('data-safety drills', () => {
  for (const scenario of ['disaster', 'mistake'] as const) {
    it(`${scenario}: passes`, async () => {
      const lines: string[] = [];
      const r = await runDataSafetyDrill({ scenario, durationS: 4, clients: 3, log: (l) => lines.push(l) });
      console.log(`[drill] ${formatDataSafetyReport(r).trim()}\n  ${lines.join('\n  ')}`);
      expect(r.problems).toEqual([]);
      expect(r.pass).toBe(true);
      expect(r.acknowledged).toBeGreaterThan(20);
      expect(r.present).toBe(r.acknowledged - r.beyond);
      if (scenario === 'disaster') {
        expect(r.rtoSeconds).toBeGreaterThan(0);
        expect(r.rpoSeconds).not.toBeNull();
      } else {
        expect(r.beyond).toBeGreaterThan(0); // writes after the mistake exist and are absent
      }
    });
  }
});
