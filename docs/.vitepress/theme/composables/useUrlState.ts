/**
 * Live components keep their state in the URL so a reader can share a link to an exact example.
 *
 *   const state = useUrlState('attr', { map_type: 1, key_size: 4 });
 *
 * `state` is reactive. On mount it is overwritten by `?attr=<json>` if the page URL has it; every
 * change is written back with history.replaceState (no navigation, no history spam). Keys are
 * per component (one query parameter each), so several components on a page do not collide.
 * Values must be JSON-able; bigint is stored as a string with a trailing "n" and restored.
 * Safe during server rendering: the URL is only read in onMounted.
 */
import { onMounted, reactive, watch, type UnwrapNestedRefs } from 'vue';

const replacer = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
const reviver = (_k: string, v: unknown): unknown => (typeof v === 'string' && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v);

export function encodeState(value: unknown): string {
  return JSON.stringify(value, replacer);
}

export function decodeState<T>(text: string): Partial<T> | null {
  try {
    const v = JSON.parse(text, reviver) as unknown;
    return v && typeof v === 'object' ? (v as Partial<T>) : null;
  } catch {
    return null;
  }
}

export function useUrlState<T extends object>(key: string, defaults: T): UnwrapNestedRefs<T> {
  const state = reactive({ ...defaults }) as UnwrapNestedRefs<T>;
  onMounted(() => {
    const raw = new URL(window.location.href).searchParams.get(key);
    const parsed = raw === null ? null : decodeState<T>(raw);
    if (parsed) {
      for (const k of Object.keys(defaults) as (keyof T)[]) {
        if (k in parsed) (state as T)[k] = parsed[k] as T[keyof T];
      }
    }
    watch(
      () => encodeState(state),
      (text) => {
        const url = new URL(window.location.href);
        if (text === encodeState(defaults)) url.searchParams.delete(key);
        else url.searchParams.set(key, text);
        window.history.replaceState(window.history.state, '', url);
      },
    );
  });
  return state;
}
