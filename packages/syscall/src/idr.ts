/**
 * ID allocation for BPF objects: the `map_idr`, `prog_idr`, `link_idr`,
 * `btf_idr` of kernel/bpf/syscall.c use `idr_alloc_cyclic(idr, ptr, 1, INT_MAX)`.
 * Mirrors the behaviour of lib/idr.c at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/lib/idr.c
 *
 * Cyclic allocation means an id is not reused right after it is freed: the
 * next id continues after the last one handed out and wraps at `end`. That is
 * why user space can walk ids with *_GET_NEXT_ID without racing on reuse.
 * @module
 */

/** `INT_MAX`: the upper bound (exclusive) every BPF IDR allocates below. */
export const INT_MAX = 0x7fffffff;

export class Idr<T> {
  private readonly entries = new Map<number, T>();
  /** `idr->idr_next`: where the next cyclic search starts. */
  private idr_next = 0;

  /**
   * `idr_alloc_cyclic`: the lowest free id >= the cursor (wrapping to `start`),
   * in [start, end). Returns the id or -ENOSPC.
   * @see https://elixir.bootlin.com/linux/v6.18/source/lib/idr.c (idr_alloc_cyclic)
   */
  idr_alloc_cyclic(ptr: T, start: number, end: number): number {
    let id = Math.max(this.idr_next, start);
    if (id >= end) id = start;
    const first = id;
    while (this.entries.has(id)) {
      id++;
      if (id >= end) id = start;
      if (id === first) return -28; // ENOSPC
    }
    this.entries.set(id, ptr);
    this.idr_next = id + 1;
    return id;
  }

  /** `idr_find`. */
  idr_find(id: number): T | undefined {
    return this.entries.get(id);
  }

  /** `idr_remove`. */
  idr_remove(id: number): T | undefined {
    const v = this.entries.get(id);
    this.entries.delete(id);
    return v;
  }

  /**
   * `idr_get_next`: the entry with the lowest id >= `id`, or null.
   * @see https://elixir.bootlin.com/linux/v6.18/source/lib/idr.c (idr_get_next)
   */
  idr_get_next(id: number): { id: number; ptr: T } | null {
    let best = -1;
    for (const k of this.entries.keys()) if (k >= id && (best < 0 || k < best)) best = k;
    return best < 0 ? null : { id: best, ptr: this.entries.get(best)! };
  }

  /** Every live entry, by id (for `kernel.objects()`). */
  values(): T[] {
    return [...this.entries.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
  }

  get size(): number {
    return this.entries.size;
  }
}
