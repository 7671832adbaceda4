/**
 * Bob Jenkins' lookup3 hash as the kernel has it: `jhash` over bytes, `jhash2`
 * over u32 words. The hash map picks its bucket with it, so with a zero seed
 * (BPF_F_ZERO_SEED) the model puts every key in the same bucket as the kernel.
 * Mirrors include/linux/jhash.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/linux/jhash.h
 *
 * Words are read little-endian (`__get_unaligned_cpu32` on x86-64 / riscv64).
 * All arithmetic is u32: `| 0` / `>>> 0` and Math.imul-free adds keep it exact.
 * @module
 */

/** `JHASH_INITVAL`: an arbitrary initial parameter. */
export const JHASH_INITVAL = 0xdeadbeef;

const rol32 = (w: number, s: number): number => (w << s) | (w >>> (32 - s));

// #region jhash-mix
/** `__jhash_mix` and `__jhash_final` on a 3-word state (a, b, c). */
function mix(s: Uint32Array): void {
  let a = s[0], b = s[1], c = s[2];
  a = (a - c) | 0; a ^= rol32(c, 4); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol32(a, 6); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol32(b, 8); b = (b + a) | 0;
  a = (a - c) | 0; a ^= rol32(c, 16); c = (c + b) | 0;
  b = (b - a) | 0; b ^= rol32(a, 19); a = (a + c) | 0;
  c = (c - b) | 0; c ^= rol32(b, 4); b = (b + a) | 0;
  s[0] = a; s[1] = b; s[2] = c;
}

function final(s: Uint32Array): void {
  let a = s[0], b = s[1], c = s[2];
  c ^= b; c = (c - rol32(b, 14)) | 0;
  a ^= c; a = (a - rol32(c, 11)) | 0;
  b ^= a; b = (b - rol32(a, 25)) | 0;
  c ^= b; c = (c - rol32(b, 16)) | 0;
  a ^= c; a = (a - rol32(c, 4)) | 0;
  b ^= a; b = (b - rol32(a, 14)) | 0;
  c ^= b; c = (c - rol32(b, 24)) | 0;
  s[0] = a; s[1] = b; s[2] = c;
}
// #endregion jhash-mix

const state = new Uint32Array(3);

const le32 = (k: Uint8Array, o: number): number => k[o] | (k[o + 1] << 8) | (k[o + 2] << 16) | (k[o + 3] << 24);

/**
 * `jhash`: hash `length` bytes of `key`.
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/jhash.h (jhash)
 */
export function jhash(key: Uint8Array, length: number, initval: number): number {
  const s = state;
  s[0] = s[1] = s[2] = (JHASH_INITVAL + length + initval) >>> 0;
  let o = 0;
  // All but the last block: affect some 32 bits of (a,b,c)
  while (length > 12) {
    s[0] += le32(key, o);
    s[1] += le32(key, o + 4);
    s[2] += le32(key, o + 8);
    mix(s);
    length -= 12;
    o += 12;
  }
  // Last block: affect all 32 bits of (c); the cases fall through in the kernel
  if (length === 0) return s[2];
  if (length >= 12) s[2] += key[o + 11] << 24;
  if (length >= 11) s[2] += key[o + 10] << 16;
  if (length >= 10) s[2] += key[o + 9] << 8;
  if (length >= 9) s[2] += key[o + 8];
  if (length >= 8) s[1] += key[o + 7] << 24;
  if (length >= 7) s[1] += key[o + 6] << 16;
  if (length >= 6) s[1] += key[o + 5] << 8;
  if (length >= 5) s[1] += key[o + 4];
  if (length >= 4) s[0] += key[o + 3] << 24;
  if (length >= 3) s[0] += key[o + 2] << 16;
  if (length >= 2) s[0] += key[o + 1] << 8;
  s[0] += key[o];
  final(s);
  return s[2];
}

/**
 * `jhash2`: hash `length` u32 words (the key read as little-endian words).
 * @see https://elixir.bootlin.com/linux/v6.18/source/include/linux/jhash.h (jhash2)
 */
export function jhash2(key: Uint8Array, length: number, initval: number): number {
  const s = state;
  s[0] = s[1] = s[2] = (JHASH_INITVAL + (length << 2) + initval) >>> 0;
  let o = 0;
  while (length > 3) {
    s[0] += le32(key, o);
    s[1] += le32(key, o + 4);
    s[2] += le32(key, o + 8);
    mix(s);
    length -= 3;
    o += 12;
  }
  if (length === 0) return s[2];
  if (length >= 3) s[2] += le32(key, o + 8);
  if (length >= 2) s[1] += le32(key, o + 4);
  s[0] += le32(key, o);
  final(s);
  return s[2];
}

/**
 * `htab_map_hash`: jhash2 for keys that are whole words, jhash otherwise.
 * @see https://elixir.bootlin.com/linux/v6.18/source/kernel/bpf/hashtab.c (htab_map_hash)
 */
export function htab_map_hash(key: Uint8Array, key_len: number, hashrnd: number): number {
  if (key_len % 4 === 0) return jhash2(key, key_len / 4, hashrnd);
  return jhash(key, key_len, hashrnd);
}
