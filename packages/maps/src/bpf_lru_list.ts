/**
 * The LRU behind BPF_MAP_TYPE_LRU_HASH and LRU_PERCPU_HASH: which element is
 * evicted when a full LRU map takes a new key.
 * Mirrors kernel/bpf/bpf_lru_list.c and bpf_lru_list.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c
 *
 * Two flavours. The common LRU (default) has one global list set (active,
 * inactive, free) plus, per CPU, a local free list and a local pending list: a
 * CPU takes `target_free` free nodes at a time from the global list into its
 * local free list, and new elements wait on the local pending list until the
 * next refill flushes them into the global lists. BPF_F_NO_COMMON_LRU gives each
 * CPU its own list set (no local lists). A lookup from a program sets the node's
 * `ref` bit; rotation gives referenced nodes a second chance.
 *
 * Deterministic model: one CPU acts at a time (`env.smp_processor_id()`), so the
 * locks vanish; the list operations and their order are the kernel's, which is
 * what decides the eviction victim. Checked against the host in test/maps-lru.test.ts.
 * @module
 */
import { list_add, list_del, list_empty, list_head, list_move } from './internal/list.js';

const LOCAL_FREE_TARGET = 128;
const LOCAL_NR_SCANS = LOCAL_FREE_TARGET;
const PERCPU_FREE_TARGET = 4;
const PERCPU_NR_SCANS = PERCPU_FREE_TARGET;

/** `enum bpf_lru_list_type`. */
export const BPF_LRU_LIST_T_ACTIVE = 0;
export const BPF_LRU_LIST_T_INACTIVE = 1;
export const BPF_LRU_LIST_T_FREE = 2;
export const BPF_LRU_LOCAL_LIST_T_FREE = 3;
export const BPF_LRU_LOCAL_LIST_T_PENDING = 4;
const NR_BPF_LRU_LIST_COUNT = 2;
const IS_LOCAL_LIST_TYPE = (t: number): boolean => t >= BPF_LRU_LOCAL_LIST_T_FREE;

/** `struct bpf_lru_node`, embedded in each hash element (`owner`). */
export class bpf_lru_node<T = unknown> extends list_head {
  cpu = 0;
  type = BPF_LRU_LIST_T_FREE;
  ref = 0;
  constructor(readonly owner: T) {
    super();
  }
}

/** `struct bpf_lru_list`: active, inactive and free lists with counts of the first two. */
export class bpf_lru_list {
  readonly lists = [new list_head(), new list_head(), new list_head()];
  readonly counts = [0, 0];
  /** The next inactive-list rotation starts here. */
  next_inactive_rotation: list_head;
  constructor() {
    this.next_inactive_rotation = this.lists[BPF_LRU_LIST_T_INACTIVE];
  }
}

/** `struct bpf_lru_locallist`: a CPU's free and pending lists. */
export class bpf_lru_locallist {
  readonly free = new list_head();
  readonly pending = new list_head();
  constructor(public next_steal: number) {}
}

/** `del_from_htab_func`: unlink the element from its bucket; false if it was not there. */
export type del_from_htab_func = (node: bpf_lru_node) => boolean;

/** `struct bpf_lru`. */
export interface bpf_lru {
  percpu: boolean;
  /** common LRU: the global lists and the per-CPU local lists. */
  common_lru: { lru_list: bpf_lru_list; local_list: bpf_lru_locallist[] };
  /** BPF_F_NO_COMMON_LRU: one list set per CPU. */
  percpu_lru: bpf_lru_list[];
  del_from_htab: del_from_htab_func;
  target_free: number;
  nr_scans: number;
  nr_cpus: number;
  /** `raw_smp_processor_id()`. */
  cpu(): number;
}

const node_of = (l: list_head): bpf_lru_node => l as bpf_lru_node;

function bpf_lru_list_count_inc(l: bpf_lru_list, type: number): void {
  if (type < NR_BPF_LRU_LIST_COUNT) l.counts[type]++;
}

function bpf_lru_list_count_dec(l: bpf_lru_list, type: number): void {
  if (type < NR_BPF_LRU_LIST_COUNT) l.counts[type]--;
}

/**
 * `bpf_lru_node_set_ref`: a program looked the element up.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.h (bpf_lru_node_set_ref)
 */
export function bpf_lru_node_set_ref(node: bpf_lru_node): void {
  if (!node.ref) node.ref = 1;
}

/** `__bpf_lru_node_move_to_free`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_node_move_to_free) */
function __bpf_lru_node_move_to_free(l: bpf_lru_list, node: bpf_lru_node, free_list: list_head, tgt_free_type: number): void {
  if (IS_LOCAL_LIST_TYPE(node.type)) return;
  // If the removing node is the next_inactive_rotation candidate, move the pointer also.
  if (node === l.next_inactive_rotation) l.next_inactive_rotation = l.next_inactive_rotation.prev;
  bpf_lru_list_count_dec(l, node.type);
  node.type = tgt_free_type;
  list_move(node, free_list);
}

/** `__bpf_lru_node_move_in`: from a local list into the LRU list. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_node_move_in) */
function __bpf_lru_node_move_in(l: bpf_lru_list, node: bpf_lru_node, tgt_type: number): void {
  if (!IS_LOCAL_LIST_TYPE(node.type) || IS_LOCAL_LIST_TYPE(tgt_type)) return;
  bpf_lru_list_count_inc(l, tgt_type);
  node.type = tgt_type;
  node.ref = 0;
  list_move(node, l.lists[tgt_type]);
}

/** `__bpf_lru_node_move`: between or within active and inactive. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_node_move) */
function __bpf_lru_node_move(l: bpf_lru_list, node: bpf_lru_node, tgt_type: number): void {
  if (IS_LOCAL_LIST_TYPE(node.type) || IS_LOCAL_LIST_TYPE(tgt_type)) return;
  if (node.type !== tgt_type) {
    bpf_lru_list_count_dec(l, node.type);
    bpf_lru_list_count_inc(l, tgt_type);
    node.type = tgt_type;
  }
  node.ref = 0;
  if (node === l.next_inactive_rotation) l.next_inactive_rotation = l.next_inactive_rotation.prev;
  list_move(node, l.lists[tgt_type]);
}

function bpf_lru_list_inactive_low(l: bpf_lru_list): boolean {
  return l.counts[BPF_LRU_LIST_T_INACTIVE] < l.counts[BPF_LRU_LIST_T_ACTIVE];
}

// #region lru-rotate
/**
 * `__bpf_lru_list_rotate_active`: from the tail, referenced nodes go back to the
 * head of active (a second chance), the others to the head of inactive.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_list_rotate_active)
 */
function __bpf_lru_list_rotate_active(lru: bpf_lru, l: bpf_lru_list): void {
  const active = l.lists[BPF_LRU_LIST_T_ACTIVE];
  const first_node = active.next;
  let i = 0;
  for (let cur = active.prev, tmp = cur.prev; cur !== active; cur = tmp, tmp = cur.prev) {
    const node = node_of(cur);
    __bpf_lru_node_move(l, node, node.ref ? BPF_LRU_LIST_T_ACTIVE : BPF_LRU_LIST_T_INACTIVE);
    if (++i === lru.nr_scans || node === first_node) break;
  }
}

/**
 * `__bpf_lru_list_rotate_inactive`: from next_inactive_rotation towards the head,
 * referenced nodes are promoted to active; unreferenced ones stay for the next shrink.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_list_rotate_inactive)
 */
function __bpf_lru_list_rotate_inactive(lru: bpf_lru, l: bpf_lru_list): void {
  const inactive = l.lists[BPF_LRU_LIST_T_INACTIVE];
  if (list_empty(inactive)) return;
  let last = l.next_inactive_rotation.next;
  if (last === inactive) last = last.next;
  let cur = l.next_inactive_rotation;
  let next: list_head = inactive;
  let i = 0;
  while (i < lru.nr_scans) {
    if (cur === inactive) {
      cur = cur.prev;
      continue;
    }
    const node = node_of(cur);
    next = cur.prev;
    if (node.ref) __bpf_lru_node_move(l, node, BPF_LRU_LIST_T_ACTIVE);
    if (cur === last) break;
    cur = next;
    i++;
  }
  l.next_inactive_rotation = next;
}
// #endregion lru-rotate

/**
 * `__bpf_lru_list_shrink_inactive`: from the inactive tail, free unreferenced
 * nodes (removing them from the hash table) until `tgt_nshrink` are freed.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_list_shrink_inactive)
 */
function __bpf_lru_list_shrink_inactive(lru: bpf_lru, l: bpf_lru_list, tgt_nshrink: number, free_list: list_head, tgt_free_type: number): number {
  const inactive = l.lists[BPF_LRU_LIST_T_INACTIVE];
  let nshrinked = 0;
  let i = 0;
  for (let cur = inactive.prev, tmp = cur.prev; cur !== inactive; cur = tmp, tmp = cur.prev) {
    const node = node_of(cur);
    if (node.ref) {
      __bpf_lru_node_move(l, node, BPF_LRU_LIST_T_ACTIVE);
    } else if (lru.del_from_htab(node)) {
      __bpf_lru_node_move_to_free(l, node, free_list, tgt_free_type);
      if (++nshrinked === tgt_nshrink) break;
    }
    if (++i === lru.nr_scans) break;
  }
  return nshrinked;
}

/** `__bpf_lru_list_rotate`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_list_rotate) */
function __bpf_lru_list_rotate(lru: bpf_lru, l: bpf_lru_list): void {
  if (bpf_lru_list_inactive_low(l)) __bpf_lru_list_rotate_active(lru, l);
  __bpf_lru_list_rotate_inactive(lru, l);
}

/**
 * `__bpf_lru_list_shrink`: shrink the inactive list; if nothing came free, force
 * one node out of inactive (or active), ignoring the ref bit.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__bpf_lru_list_shrink)
 */
function __bpf_lru_list_shrink(lru: bpf_lru, l: bpf_lru_list, tgt_nshrink: number, free_list: list_head, tgt_free_type: number): number {
  const nshrinked = __bpf_lru_list_shrink_inactive(lru, l, tgt_nshrink, free_list, tgt_free_type);
  if (nshrinked) return nshrinked;
  // Do a force shrink by ignoring the reference bit
  const force_shrink_list = !list_empty(l.lists[BPF_LRU_LIST_T_INACTIVE]) ? l.lists[BPF_LRU_LIST_T_INACTIVE] : l.lists[BPF_LRU_LIST_T_ACTIVE];
  for (let cur = force_shrink_list.prev, tmp = cur.prev; cur !== force_shrink_list; cur = tmp, tmp = cur.prev) {
    const node = node_of(cur);
    if (lru.del_from_htab(node)) {
      __bpf_lru_node_move_to_free(l, node, free_list, tgt_free_type);
      return 1;
    }
  }
  return 0;
}

/** `__local_list_flush`: pending nodes enter the global lists, oldest first. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__local_list_flush) */
function __local_list_flush(l: bpf_lru_list, loc_l: bpf_lru_locallist): void {
  const pending = loc_l.pending;
  for (let cur = pending.prev, tmp = cur.prev; cur !== pending; cur = tmp, tmp = cur.prev) {
    const node = node_of(cur);
    __bpf_lru_node_move_in(l, node, node.ref ? BPF_LRU_LIST_T_ACTIVE : BPF_LRU_LIST_T_INACTIVE);
  }
}

/** `bpf_lru_list_push_free`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_lru_list_push_free) */
function bpf_lru_list_push_free(l: bpf_lru_list, node: bpf_lru_node): void {
  if (IS_LOCAL_LIST_TYPE(node.type)) return;
  __bpf_lru_node_move(l, node, BPF_LRU_LIST_T_FREE);
}

/**
 * `bpf_lru_list_pop_free_to_local`: flush this CPU's pending nodes, rotate, then
 * move up to target_free free nodes (shrinking if needed) to the local free list.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_lru_list_pop_free_to_local)
 */
function bpf_lru_list_pop_free_to_local(lru: bpf_lru, loc_l: bpf_lru_locallist): void {
  const l = lru.common_lru.lru_list;
  __local_list_flush(l, loc_l);
  __bpf_lru_list_rotate(lru, l);
  let nfree = 0;
  const free = l.lists[BPF_LRU_LIST_T_FREE];
  for (let cur = free.next, tmp = cur.next; cur !== free; cur = tmp, tmp = cur.next) {
    __bpf_lru_node_move_to_free(l, node_of(cur), loc_l.free, BPF_LRU_LOCAL_LIST_T_FREE);
    if (++nfree === lru.target_free) break;
  }
  if (nfree < lru.target_free) __bpf_lru_list_shrink(lru, l, lru.target_free - nfree, loc_l.free, BPF_LRU_LOCAL_LIST_T_FREE);
}

/** `__local_list_add_pending`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__local_list_add_pending) */
function __local_list_add_pending(loc_l: bpf_lru_locallist, cpu: number, node: bpf_lru_node): void {
  node.cpu = cpu;
  node.type = BPF_LRU_LOCAL_LIST_T_PENDING;
  node.ref = 0;
  list_add(node, loc_l.pending);
}

/** `__local_list_pop_free`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__local_list_pop_free) */
function __local_list_pop_free(loc_l: bpf_lru_locallist): bpf_lru_node | null {
  if (list_empty(loc_l.free)) return null;
  const node = node_of(loc_l.free.next);
  list_del(node);
  return node;
}

/** `__local_list_pop_pending`: oldest unreferenced pending node, else oldest at all. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (__local_list_pop_pending) */
function __local_list_pop_pending(lru: bpf_lru, loc_l: bpf_lru_locallist): bpf_lru_node | null {
  for (const force of [false, true]) {
    const pending = loc_l.pending;
    for (let cur = pending.prev; cur !== pending; cur = cur.prev) {
      const node = node_of(cur);
      if ((!node.ref || force) && lru.del_from_htab(node)) {
        list_del(node);
        return node;
      }
    }
  }
  return null;
}

/** `bpf_percpu_lru_pop_free`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_percpu_lru_pop_free) */
function bpf_percpu_lru_pop_free(lru: bpf_lru): bpf_lru_node | null {
  const l = lru.percpu_lru[lru.cpu()];
  __bpf_lru_list_rotate(lru, l);
  const free_list = l.lists[BPF_LRU_LIST_T_FREE];
  if (list_empty(free_list)) __bpf_lru_list_shrink(lru, l, PERCPU_FREE_TARGET, free_list, BPF_LRU_LIST_T_FREE);
  if (list_empty(free_list)) return null;
  const node = node_of(free_list.next);
  node.ref = 0;
  __bpf_lru_node_move(l, node, BPF_LRU_LIST_T_INACTIVE);
  return node;
}

/**
 * `bpf_common_lru_pop_free`: local free list, else a refill from the global list,
 * else steal a free or pending node from some CPU's local lists, round robin.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_common_lru_pop_free)
 */
function bpf_common_lru_pop_free(lru: bpf_lru): bpf_lru_node | null {
  const cpu = lru.cpu();
  const clru = lru.common_lru;
  const loc_l = clru.local_list[cpu];
  let node = __local_list_pop_free(loc_l);
  if (!node) {
    bpf_lru_list_pop_free_to_local(lru, loc_l);
    node = __local_list_pop_free(loc_l);
  }
  if (node) {
    __local_list_add_pending(loc_l, cpu, node);
    return node;
  }
  // No free nodes in the local free list or the global LRU list: steal.
  const first_steal = loc_l.next_steal;
  let steal = first_steal;
  do {
    const steal_loc_l = clru.local_list[steal];
    node = __local_list_pop_free(steal_loc_l);
    if (!node) node = __local_list_pop_pending(lru, steal_loc_l);
    steal = (steal + 1) % lru.nr_cpus; // get_next_cpu
  } while (!node && steal !== first_steal);
  loc_l.next_steal = steal;
  if (node) __local_list_add_pending(loc_l, cpu, node);
  return node;
}

/**
 * `bpf_lru_pop_free`: a free node for a new element (evicting one if needed), or null.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_lru_pop_free)
 */
export function bpf_lru_pop_free(lru: bpf_lru): bpf_lru_node | null {
  return lru.percpu ? bpf_percpu_lru_pop_free(lru) : bpf_common_lru_pop_free(lru);
}

/** `bpf_common_lru_push_free`. @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_common_lru_push_free) */
function bpf_common_lru_push_free(lru: bpf_lru, node: bpf_lru_node): void {
  if (node.type === BPF_LRU_LIST_T_FREE || node.type === BPF_LRU_LOCAL_LIST_T_FREE) return;
  if (node.type === BPF_LRU_LOCAL_LIST_T_PENDING) {
    // A still-pending node goes back to its CPU's local free list.
    const loc_l = lru.common_lru.local_list[node.cpu];
    node.type = BPF_LRU_LOCAL_LIST_T_FREE;
    node.ref = 0;
    list_move(node, loc_l.free);
    return;
  }
  bpf_lru_list_push_free(lru.common_lru.lru_list, node);
}

/**
 * `bpf_lru_push_free`: give a deleted element's node back.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_lru_push_free)
 */
export function bpf_lru_push_free(lru: bpf_lru, node: bpf_lru_node): void {
  if (lru.percpu) __bpf_lru_node_move(lru.percpu_lru[node.cpu], node, BPF_LRU_LIST_T_FREE);
  else bpf_common_lru_push_free(lru, node);
}

/**
 * `bpf_lru_populate`: put every preallocated node on a free list. The common LRU
 * takes target_free = clamp((nr_elems / ncpus) / 2, 1, LOCAL_FREE_TARGET) per refill;
 * the per-CPU LRU deals nr_elems / ncpus nodes to each CPU.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_lru_populate)
 */
export function bpf_lru_populate(lru: bpf_lru, nodes: bpf_lru_node[]): void {
  const nr_elems = nodes.length;
  if (!lru.percpu) {
    const l = lru.common_lru.lru_list;
    for (const node of nodes) {
      node.type = BPF_LRU_LIST_T_FREE;
      node.ref = 0;
      list_add(node, l.lists[BPF_LRU_LIST_T_FREE]);
    }
    lru.target_free = Math.min(Math.max(Math.floor(Math.floor(nr_elems / lru.nr_cpus) / 2), 1), LOCAL_FREE_TARGET);
    return;
  }
  const pcpu_entries = Math.floor(nr_elems / lru.nr_cpus);
  let i = 0;
  for (let cpu = 0; cpu < lru.nr_cpus && i < nr_elems; cpu++) {
    const l = lru.percpu_lru[cpu];
    do {
      const node = nodes[i];
      node.cpu = cpu;
      node.type = BPF_LRU_LIST_T_FREE;
      node.ref = 0;
      list_add(node, l.lists[BPF_LRU_LIST_T_FREE]);
      i++;
    } while (i < nr_elems && i % pcpu_entries);
  }
}

/**
 * `bpf_lru_init`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/bpf_lru_list.c (bpf_lru_init)
 */
export function bpf_lru_init(percpu: boolean, nr_cpus: number, cpu: () => number, del_from_htab: del_from_htab_func): bpf_lru {
  const lru: bpf_lru = {
    percpu,
    common_lru: { lru_list: new bpf_lru_list(), local_list: [] },
    percpu_lru: [],
    del_from_htab,
    target_free: 0,
    nr_scans: percpu ? PERCPU_NR_SCANS : LOCAL_NR_SCANS,
    nr_cpus,
    cpu,
  };
  for (let c = 0; c < nr_cpus; c++) {
    if (percpu) lru.percpu_lru.push(new bpf_lru_list());
    else lru.common_lru.local_list.push(new bpf_lru_locallist(c));
  }
  return lru;
}
