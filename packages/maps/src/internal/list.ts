/**
 * A circular doubly-linked list with a sentinel head, as include/linux/list.h:
 * the LRU code moves nodes between lists and walks them from the tail, and its
 * eviction order is exactly this structure's order.
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/list.h
 * @module
 */
export class list_head {
  next: list_head = this;
  prev: list_head = this;
}

export function INIT_LIST_HEAD(l: list_head): void {
  l.next = l;
  l.prev = l;
}

function __list_add(n: list_head, prev: list_head, next: list_head): void {
  next.prev = n;
  n.next = next;
  n.prev = prev;
  prev.next = n;
}

/** Insert after `head` (at the front). */
export function list_add(n: list_head, head: list_head): void {
  __list_add(n, head, head.next);
}

/** Insert before `head` (at the back). */
export function list_add_tail(n: list_head, head: list_head): void {
  __list_add(n, head.prev, head);
}

export function list_del(e: list_head): void {
  e.next.prev = e.prev;
  e.prev.next = e.next;
  e.next = e;
  e.prev = e;
}

/** Unlink from wherever it is and add at the front of `head`. */
export function list_move(e: list_head, head: list_head): void {
  e.next.prev = e.prev;
  e.prev.next = e.next;
  list_add(e, head);
}

export function list_empty(head: list_head): boolean {
  return head.next === head;
}
