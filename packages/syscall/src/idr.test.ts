import { describe, expect, it } from 'vitest';
import { Idr } from './idr.js';

describe('idr_alloc_cyclic', () => {
  it('hands out 1, 2, 3 and does not reuse a freed id right away', () => {
    const idr = new Idr<string>();
    expect([idr.idr_alloc_cyclic('a', 1, 100), idr.idr_alloc_cyclic('b', 1, 100), idr.idr_alloc_cyclic('c', 1, 100)]).toEqual([1, 2, 3]);
    idr.idr_remove(2);
    expect(idr.idr_alloc_cyclic('d', 1, 100)).toBe(4);
  });
  it('wraps at end back to start, skipping live ids', () => {
    const idr = new Idr<number>();
    for (let i = 1; i < 5; i++) idr.idr_alloc_cyclic(i, 1, 5);
    idr.idr_remove(2);
    expect(idr.idr_alloc_cyclic(9, 1, 5)).toBe(2);
    expect(idr.idr_alloc_cyclic(10, 1, 5)).toBe(-28);
  });
  it('idr_get_next finds the lowest id at or above', () => {
    const idr = new Idr<string>();
    idr.idr_alloc_cyclic('a', 1, 100);
    idr.idr_alloc_cyclic('b', 1, 100);
    idr.idr_alloc_cyclic('c', 1, 100);
    idr.idr_remove(2);
    expect(idr.idr_get_next(2)).toEqual({ id: 3, ptr: 'c' });
    expect(idr.idr_get_next(4)).toBeNull();
  });
});
