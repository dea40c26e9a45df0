// Keeps `npm run mutate` honest as the code moves: every deliberate bug it knows must still apply
// (its text occurs exactly once in its file) and name test files that exist. The mutants
// themselves run in `npm run mutate` (minutes each); docs/testing.md lists what catches each.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { applyMutation } from '../../scripts/mutate.js';
import { MUTATIONS } from '../../scripts/mutations.js';

describe('the mutation list', () => {
  it('has unique ids', () => {
    expect(new Set(MUTATIONS.map((m) => m.id)).size).toBe(MUTATIONS.length);
  });

  for (const m of MUTATIONS) {
    it(`mutant ${m.id} applies to ${m.file} and names existing tests`, () => {
      const text = fs.readFileSync(m.file, 'utf8');
      const mutated = applyMutation(m, text);
      expect(mutated).not.toBe(text);
      expect(m.tests.length).toBeGreaterThan(0);
      for (const t of m.tests) expect(fs.existsSync(t), t).toBe(true);
    });
  }

  it('refuses a mutation whose text went stale or is ambiguous', () => {
    const m = { id: 'x', title: 't', file: 'f', find: 'abc', replace: 'z', tests: [] };
    expect(() => applyMutation(m, 'nothing here')).toThrow(/no longer in f/);
    expect(() => applyMutation(m, 'abc abc')).toThrow(/more than once/);
    expect(applyMutation(m, '1abc2')).toBe('1z2');
  });
});
