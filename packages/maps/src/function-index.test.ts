import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { render, rows } from '../scripts/function-index.js';

describe('docs/maps.md function index', () => {
  it('lists every function that names its kernel counterpart (regenerate with scripts/function-index.ts)', () => {
    const doc = readFileSync(new URL('../../../docs/maps.md', import.meta.url), 'utf8');
    expect(rows().length).toBeGreaterThan(100);
    expect(render(doc)).toBe(doc);
  });
});
