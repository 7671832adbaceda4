/**
 * A small C layout engine for the UAPI structs: declare a struct the way
 * include/uapi/linux/bpf.h at v6.18 declares it, and get every field's offset,
 * size and C type computed from the declaration (SysV x86-64 / LP64 rules, which
 * are the rules of every 64-bit arch the kernel runs BPF on), plus a codec.
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/bpf.h
 *
 * Why a layout engine and not a table of offsets: offsets typed by hand drift;
 * offsets derived from a declaration that reads like bpf.h can be checked field
 * by field against the kernel's BTF (layouts.test.ts) and a C compiler.
 * @module
 */
import { UapiError } from '../errors.js';

// #region decl
/** One member of a struct: a scalar, an array (`char[16]`), a pointer, or a bitfield. */
export interface FieldDecl<N extends string = string, C extends string = string> {
  readonly kind: 'field';
  /** The kernel's member name; '' for an unnamed padding bitfield (`__u32 :32;`). */
  readonly name: N;
  /** The C type as bpf.h spells it: `__u32`, `__aligned_u64`, `char[16]`, `struct bpf_sock *`. */
  readonly ctype: C;
  /** One line: what the kernel reads or writes there. */
  readonly doc: string;
  /**
   * The release that added it, where that is after 6.1 (whose union bpf_attr was 144 bytes).
   * gcc checks it against the 6.1 and 6.12 headers (test/uapi-c-headers.test.ts): which side
   * of those releases a field falls is tested, the exact release in between is documentation.
   */
  readonly since?: string;
  /** Width in bits for a bitfield (`__u32 gpl_compatible:1`). */
  readonly bits?: number;
}

/** A nested struct or union; name '' is an anonymous one whose members merge into the parent. */
export interface AggDecl<N extends string = string, M extends readonly Decl[] = readonly Decl[]> {
  readonly kind: 'struct' | 'union';
  readonly name: N;
  readonly members: M;
  readonly doc?: string;
  readonly since?: string;
}

export type Decl = FieldDecl | AggDecl;

/** `__u32 map_type;` */
export const field = <const N extends string, const C extends string>(
  name: N,
  ctype: C,
  doc: string,
  since?: string,
): FieldDecl<N, C> => (since ? { kind: 'field', name, ctype, doc, since } : { kind: 'field', name, ctype, doc });

/** `__u32 gpl_compatible:1;` */
export const bitfield = <const N extends string, const C extends string>(
  name: N,
  ctype: C,
  bits: number,
  doc: string,
  since?: string,
): FieldDecl<N, C> =>
  since ? { kind: 'field', name, ctype, doc, bits, since } : { kind: 'field', name, ctype, doc, bits };

/** `__u32 :32;`: unnamed padding the kernel spells out so the layout is explicit. */
export const pad = <const C extends string>(ctype: C, bits: number): FieldDecl<'', C> => ({
  kind: 'field',
  name: '',
  ctype,
  doc: 'padding',
  bits,
});

/** `struct { ... } name;` (name '' for an anonymous struct). */
export const struct = <const N extends string, const M extends readonly Decl[]>(
  name: N,
  members: M,
  doc?: string,
  since?: string,
): AggDecl<N, M> => ({ kind: 'struct', name, members, ...(doc ? { doc } : {}), ...(since ? { since } : {}) });

/** `union { ... } name;` (name '' for an anonymous union). */
export const union = <const N extends string, const M extends readonly Decl[]>(
  name: N,
  members: M,
  doc?: string,
  since?: string,
): AggDecl<N, M> => ({ kind: 'union', name, members, ...(doc ? { doc } : {}), ...(since ? { since } : {}) });
// #endregion decl

// ---- Types derived from a declaration -------------------------------------------------------

type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The decoded value of a C type: u64 and pointers as bigint, byte arrays as Uint8Array. */
export type ValueOf<C extends string> = C extends `${infer B}[${string}]`
  ? B extends 'char' | '__u8'
    ? Uint8Array
    : number[]
  : C extends '__u64' | '__aligned_u64' | '__s64' | `${string}*`
    ? bigint
    : number;

/** What an encoder accepts for a C type: u64 as bigint or a safe integer, char[] as a string too. */
export type InputOf<C extends string> = C extends `${infer B}[${string}]`
  ? B extends 'char' | '__u8'
    ? Uint8Array | string
    : readonly number[]
  : C extends '__u64' | '__aligned_u64' | '__s64' | `${string}*`
    ? bigint | number
    : number;

type MemberOut<H> =
  H extends FieldDecl<infer N, infer C>
    ? N extends ''
      ? unknown
      : { [K in N]: ValueOf<C> }
    : H extends AggDecl<infer N, infer M>
      ? N extends ''
        ? MembersOut<M>
        : { [K in N]: Simplify<MembersOut<M>> }
      : unknown;
type MembersOut<M> = M extends readonly [infer H, ...infer R] ? MemberOut<H> & MembersOut<R> : unknown;

type MemberIn<H> =
  H extends FieldDecl<infer N, infer C>
    ? N extends ''
      ? unknown
      : { [K in N]?: InputOf<C> }
    : H extends AggDecl<infer N, infer M>
      ? N extends ''
        ? MembersIn<M>
        : { [K in N]?: Simplify<MembersIn<M>> }
      : unknown;
type MembersIn<M> = M extends readonly [infer H, ...infer R] ? MemberIn<H> & MembersIn<R> : unknown;

/** The decoded object of a struct declaration, shaped as C accesses it (`attr.test.prog_fd`). */
export type Decoded<D> = D extends AggDecl<string, infer M> ? Simplify<MembersOut<M>> : never;
/** The encoder's input for a struct declaration: every field optional (zero when absent). */
export type Encodable<D> = D extends AggDecl<string, infer M> ? Simplify<MembersIn<M>> : never;
/** Like Decoded, for a member of a union: a named one stays wrapped (`{ test: {...} }`). */
export type MemberDecoded<D> = Simplify<MemberOut<D>>;
/** Like Encodable, for a member of a union. */
export type MemberEncodable<D> = Simplify<MemberIn<D>>;

// ---- The computed layout --------------------------------------------------------------------

/** How a leaf's bytes are read: the codec's dispatch. */
export type LeafKind = 'u' | 's' | 'u64' | 's64' | 'bytes' | 'u32s' | 'bits';

/** One laid-out field, as offsetof/sizeof would report it. */
export interface LayoutField {
  /** The C access path below the struct: `map_type`, `test.prog_fd`, `link_create.kprobe_multi.cnt`. */
  readonly path: string;
  /** The member name itself (last path component). */
  readonly name: string;
  readonly ctype: string;
  /** `offsetof(struct, path)` in bytes (for a bitfield: the byte holding its first bit). */
  readonly offset: number;
  /** `sizeof` in bytes; 0 for a bitfield, as BTF reports it. */
  readonly size: number;
  /** Bit offset from the start of the struct and width, for bitfields. */
  readonly bitOffset?: number;
  readonly bitSize?: number;
  readonly doc: string;
  readonly since?: string;
  /** True when another member of a union shares these bytes. */
  readonly inUnion: boolean;
  readonly kind: LeafKind;
  /** Index of the object (in `StructLayout.groups`) this field is a property of. */
  readonly group: number;
}

/** A named aggregate along a path: the decoder creates one object per group. */
export interface LayoutGroup {
  readonly path: string;
  readonly key: string;
  readonly parent: number;
  readonly offset: number;
  readonly size: number;
  readonly ctype: string;
}

export interface StructLayout {
  /** `bpf_attr`, `bpf_prog_info`, ...: the prefix of error messages. */
  readonly name: string;
  readonly size: number;
  readonly align: number;
  /** Every named scalar/array field in declaration order (padding omitted). */
  readonly fields: readonly LayoutField[];
  /** groups[0] is the struct itself. */
  readonly groups: readonly LayoutGroup[];
  /** Path -> field, for `getField`/`setField` and error messages. */
  readonly byPath: ReadonlyMap<string, LayoutField>;
  /** Fields and named groups in declaration order: the decoder's property order. */
  readonly order: readonly { readonly field?: LayoutField; readonly group?: number }[];
  /** Per group: member name -> field or child group (anonymous aggregates already merged). */
  readonly children: readonly ReadonlyMap<string, { field?: LayoutField; group?: number }>[];
}

interface BaseType {
  size: number;
  align: number;
  signed: boolean;
}

/** The base types bpf.h uses; `__aligned_u64` is `__u64 __attribute__((aligned(8)))`. */
const BASE: Record<string, BaseType> = {
  char: { size: 1, align: 1, signed: true },
  __u8: { size: 1, align: 1, signed: false },
  __s8: { size: 1, align: 1, signed: true },
  __u16: { size: 2, align: 2, signed: false },
  __s16: { size: 2, align: 2, signed: true },
  __u32: { size: 4, align: 4, signed: false },
  __s32: { size: 4, align: 4, signed: true },
  __u64: { size: 8, align: 8, signed: false },
  __s64: { size: 8, align: 8, signed: true },
  __aligned_u64: { size: 8, align: 8, signed: false },
};

interface CType {
  size: number;
  align: number;
  kind: LeafKind;
  elemSize: number;
  count: number;
}

function parseCType(ctype: string): CType {
  // `__bpf_md_ptr(struct bpf_sock *, sk)` in __sk_buff: a pointer padded to 8 bytes on every arch.
  if (ctype.endsWith('*')) return { size: 8, align: 8, kind: 'u64', elemSize: 8, count: 1 };
  const m = /^(\w+)(?:\[(\d+)\])?$/.exec(ctype);
  const base = m ? BASE[m[1]!] : undefined;
  if (!m || !base) throw new Error(`layout: unknown C type ${ctype}`);
  if (m[2] !== undefined) {
    const count = Number(m[2]);
    const kind: LeafKind = base.size === 1 ? 'bytes' : base.size === 4 && !base.signed ? 'u32s' : 'bytes';
    if (base.size !== 1 && kind !== 'u32s') throw new Error(`layout: unsupported array ${ctype}`);
    return { size: base.size * count, align: base.align, kind, elemSize: base.size, count };
  }
  const kind: LeafKind = base.size === 8 ? (base.signed ? 's64' : 'u64') : base.signed ? 's' : 'u';
  return { size: base.size, align: base.align, kind, elemSize: base.size, count: 1 };
}

const alignUp = (n: number, a: number) => Math.ceil(n / a) * a;

/** sizeof/alignof of a declaration, without placing it. */
function measure(d: Decl): { size: number; align: number } {
  if (d.kind === 'field') {
    const t = parseCType(d.ctype);
    return { size: t.size, align: t.align };
  }
  let size = 0;
  let align = 1;
  let bit = 0;
  for (const m of d.members) {
    const mm = measure(m);
    align = Math.max(align, m.kind === 'field' && m.bits !== undefined && m.name === '' ? 1 : mm.align);
    if (d.kind === 'union') {
      size = Math.max(size, mm.size);
    } else if (m.kind === 'field' && m.bits !== undefined) {
      bit = placeBits(bit, m.bits, mm.size);
      bit += m.bits;
      size = Math.ceil(bit / 8);
    } else {
      size = alignUp(Math.ceil(bit / 8), mm.align) + mm.size;
      bit = size * 8;
    }
  }
  return { size: alignUp(size, align), align };
}

/** SysV bitfield rule: a bitfield never straddles a boundary of its declared type's storage unit. */
function placeBits(bit: number, width: number, unitBytes: number): number {
  const unit = unitBytes * 8;
  return Math.floor(bit / unit) === Math.floor((bit + width - 1) / unit) ? bit : alignUp(bit, unit);
}

/**
 * Lay out a struct declaration: offsets, sizes and the decoder's object groups.
 * `name` is the C name used in error messages (`bpf_attr`).
 */
export function layoutStruct(name: string, decl: AggDecl, forceAlign = 1): StructLayout {
  const fields: LayoutField[] = [];
  const groups: LayoutGroup[] = [];
  const children: Map<string, { field?: LayoutField; group?: number }>[] = [];
  const order: { field?: LayoutField; group?: number }[] = [];
  const top = measure(decl);
  const size = alignUp(top.size, Math.max(top.align, forceAlign));
  groups.push({ path: '', key: '', parent: -1, offset: 0, size, ctype: name });
  children.push(new Map());

  const walk = (d: AggDecl, base: number, group: number, prefix: string, unionDepth: boolean, since?: string) => {
    let bit = base * 8;
    const isUnion = d.kind === 'union';
    for (const m of d.members) {
      const mm = measure(m);
      let off: number;
      let bitOff: number | undefined;
      if (isUnion) {
        off = base;
      } else if (m.kind === 'field' && m.bits !== undefined) {
        bit = placeBits(bit, m.bits, mm.size);
        bitOff = bit;
        off = Math.floor(bit / 8);
        bit += m.bits;
      } else {
        off = alignUp(Math.ceil(bit / 8), mm.align);
        bit = (off + mm.size) * 8;
      }
      const inUnion = unionDepth || isUnion;
      if (m.kind === 'field') {
        if (m.name === '') continue;
        const t = parseCType(m.ctype);
        const f: LayoutField = {
          path: prefix + m.name,
          name: m.name,
          ctype: m.ctype,
          offset: off,
          size: bitOff === undefined ? t.size : 0,
          ...(bitOff !== undefined ? { bitOffset: bitOff, bitSize: m.bits } : {}),
          doc: m.doc,
          ...(m.since ?? since ? { since: m.since ?? since } : {}),
          inUnion,
          kind: bitOff === undefined ? t.kind : 'bits',
          group,
        };
        fields.push(f);
        order.push({ field: f });
        if (children[group]!.has(m.name)) throw new Error(`layout: ${name}.${f.path} declared twice`);
        children[group]!.set(m.name, { field: f });
      } else if (m.name === '') {
        walk(m, off, group, prefix, inUnion, m.since ?? since);
      } else {
        const g = groups.length;
        groups.push({ path: prefix + m.name, key: m.name, parent: group, offset: off, size: mm.size, ctype: `${m.kind} {...}` });
        children.push(new Map());
        children[group]!.set(m.name, { group: g });
        order.push({ group: g });
        walk(m, off, g, prefix + m.name + '.', inUnion, m.since ?? since);
      }
    }
  };
  walk(decl, 0, 0, '', false);
  return {
    name,
    size,
    align: top.align,
    fields,
    groups,
    byPath: new Map(fields.map((f) => [f.path, f])),
    order,
    children,
  };
}

/** True when release `a` (major.minor) is after `b`. */
export function releaseAfter(a: string, b: string): boolean {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return am > bm || (am === bm && an > bn);
}

/**
 * sizeof the struct in an older release, from the `since` marks: the end of the furthest
 * field that release had, rounded up to the struct's alignment (0 if it had none).
 */
export function layoutSizeAt(layout: StructLayout, release: string): number {
  let end = 0;
  for (const f of layout.fields) {
    if (f.since && releaseAfter(f.since, release)) continue;
    end = Math.max(end, f.bitSize !== undefined ? Math.ceil((f.bitOffset! + f.bitSize) / 8) : f.offset + f.size);
  }
  return Math.ceil(end / layout.align) * layout.align;
}

// ---- The codec -------------------------------------------------------------------------------

const U64_MAX = (1n << 64n) - 1n;
const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const utf8 = new TextEncoder();

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Read one field from `dv` (which spans the struct; `u8` is the same bytes, if at hand). */
export function readField(f: LayoutField, dv: DataView, u8?: Uint8Array): number | bigint | Uint8Array | number[] {
  const o = f.offset;
  switch (f.kind) {
    case 'u':
      return f.size === 4 ? dv.getUint32(o, true) : f.size === 2 ? dv.getUint16(o, true) : dv.getUint8(o);
    case 's':
      return f.size === 4 ? dv.getInt32(o, true) : f.size === 2 ? dv.getInt16(o, true) : dv.getInt8(o);
    case 'u64':
      return dv.getBigUint64(o, true);
    case 's64':
      return dv.getBigInt64(o, true);
    case 'bytes':
      return (u8 ?? new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength)).slice(o, o + f.size);
    case 'u32s': {
      const out: number[] = [];
      for (let i = 0; i < f.size; i += 4) out.push(dv.getUint32(o + i, true));
      return out;
    }
    case 'bits': {
      // Little-endian bitfields: bit n of the struct is bit (n % 8) of byte n / 8.
      let v = 0;
      for (let i = 0; i < f.bitSize!; i++) {
        const b = f.bitOffset! + i;
        v += ((dv.getUint8(b >> 3) >> (b & 7)) & 1) * 2 ** i;
      }
      return v;
    }
  }
}

function fail(layout: StructLayout, f: LayoutField, msg: string): never {
  throw new UapiError(`${layout.name}.${f.path}`, msg);
}

function toInt(layout: StructLayout, f: LayoutField, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(layout, f, `${String(v)} is not an integer (${f.ctype})`);
  if (v < lo || v > hi) fail(layout, f, `${v} is outside ${f.ctype}'s range [${lo}, ${hi}]`);
  return v;
}

function toBig(layout: StructLayout, f: LayoutField, v: unknown, lo: bigint, hi: bigint): bigint {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (typeof v === 'number' && Number.isSafeInteger(v)) b = BigInt(v);
  else fail(layout, f, `${String(v)} is not a bigint or safe integer (${f.ctype})`);
  if (b < lo || b > hi) fail(layout, f, `${b} is outside ${f.ctype}'s range [${lo}, ${hi}]`);
  return b;
}

/** Write one field, range-checked: a value that does not fit is an error naming the field. */
export function writeField(layout: StructLayout, f: LayoutField, dv: DataView, v: unknown): void {
  const o = f.offset;
  switch (f.kind) {
    case 'u': {
      const max = f.size === 4 ? 0xffffffff : f.size === 2 ? 0xffff : 0xff;
      const n = toInt(layout, f, v, 0, max);
      if (f.size === 4) dv.setUint32(o, n, true);
      else if (f.size === 2) dv.setUint16(o, n, true);
      else dv.setUint8(o, n);
      return;
    }
    case 's': {
      const half = f.size === 4 ? 0x80000000 : f.size === 2 ? 0x8000 : 0x80;
      const n = toInt(layout, f, v, -half, half - 1);
      if (f.size === 4) dv.setInt32(o, n, true);
      else if (f.size === 2) dv.setInt16(o, n, true);
      else dv.setInt8(o, n);
      return;
    }
    case 'u64':
      dv.setBigUint64(o, toBig(layout, f, v, 0n, U64_MAX), true);
      return;
    case 's64':
      dv.setBigInt64(o, toBig(layout, f, v, S64_MIN, S64_MAX), true);
      return;
    case 'bytes': {
      if (typeof v === 'string' && isAscii(v)) {
        // ASCII (every map and program name in practice): one byte per char, no encoder.
        if (v.length > f.size) fail(layout, f, `${v.length} bytes do not fit in ${f.ctype}`);
        for (let i = 0; i < f.size; i++) dv.setUint8(o + i, i < v.length ? v.charCodeAt(i) : 0);
        return;
      }
      const bytes = typeof v === 'string' ? utf8.encode(v) : v;
      if (!(bytes instanceof Uint8Array)) fail(layout, f, `expects a string or Uint8Array (${f.ctype})`);
      if (bytes.length > f.size) fail(layout, f, `${bytes.length} bytes do not fit in ${f.ctype}`);
      for (let i = 0; i < f.size; i++) dv.setUint8(o + i, i < bytes.length ? bytes[i]! : 0);
      return;
    }
    case 'u32s': {
      if (!Array.isArray(v)) fail(layout, f, `expects an array of numbers (${f.ctype})`);
      if (v.length > f.size / 4) fail(layout, f, `${v.length} elements do not fit in ${f.ctype}`);
      for (let i = 0; i < f.size / 4; i++) {
        dv.setUint32(o + i * 4, i < v.length ? toInt(layout, f, v[i], 0, 0xffffffff) : 0, true);
      }
      return;
    }
    case 'bits': {
      const n = toInt(layout, f, v, 0, 2 ** f.bitSize! - 1);
      for (let i = 0; i < f.bitSize!; i++) {
        const b = f.bitOffset! + i;
        const byte = dv.getUint8(b >> 3);
        const bit = Math.floor(n / 2 ** i) & 1;
        dv.setUint8(b >> 3, bit ? byte | (1 << (b & 7)) : byte & ~(1 << (b & 7)));
      }
      return;
    }
  }
}

/** Decode a whole struct into a nested object (union members all appear, as C would read them). */
export function decodeLayout(layout: StructLayout, bytes: Uint8Array): Record<string, unknown> {
  if (!(bytes instanceof Uint8Array)) {
    throw new UapiError(layout.name, `expects a Uint8Array of at least ${layout.size} bytes`);
  }
  if (bytes.length < layout.size) {
    throw new UapiError(layout.name, `${bytes.length} bytes is shorter than sizeof(${layout.name}) = ${layout.size}`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const objs: Record<string, unknown>[] = new Array(layout.groups.length);
  objs[0] = {};
  for (const e of layout.order) {
    if (e.field) {
      objs[e.field.group]![e.field.name] = readField(e.field, dv, bytes);
    } else {
      const grp = layout.groups[e.group!]!;
      const o: Record<string, unknown> = {};
      objs[e.group!] = o;
      objs[grp.parent]![grp.key] = o;
    }
  }
  return objs[0];
}

/**
 * Encode a (partial, nested) object into `out` (zeroed by the caller). Unknown names and
 * union members given conflicting values are errors, so nothing is silently dropped.
 */
export function encodeLayout(layout: StructLayout, input: unknown, out: Uint8Array): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  // Union members written so far, to catch two members given different values.
  let unionWritten: LayoutField[] | undefined;
  const visit = (obj: unknown, group: number) => {
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || obj instanceof Uint8Array) {
      const path = layout.groups[group]!.path;
      throw new UapiError(path ? `${layout.name}.${path}` : layout.name, 'expects an object of fields');
    }
    const kids = layout.children[group]!;
    for (const key of Object.keys(obj)) {
      const v = (obj as Record<string, unknown>)[key];
      if (v === undefined) continue;
      const child = kids.get(key);
      if (!child) {
        const path = layout.groups[group]!.path;
        throw new UapiError(`${layout.name}.${path ? path + '.' : ''}${key}`, `no such field in ${layout.groups[group]!.ctype}`);
      }
      if (child.group !== undefined) {
        visit(v, child.group);
        continue;
      }
      const f = child.field!;
      if (f.inUnion && f.kind !== 'bits') {
        // A union member whose bytes another member already wrote must agree with it.
        const other = unionWritten?.find((o) => o.offset < f.offset + f.size && f.offset < o.offset + o.size);
        if (other) {
          const before = out.slice(f.offset, f.offset + f.size);
          writeField(layout, f, dv, v);
          for (let i = 0; i < f.size; i++) {
            if (before[i] !== out[f.offset + i]) fail(layout, f, `conflicts with union member ${layout.name}.${other.path} written before it`);
          }
        } else {
          writeField(layout, f, dv, v);
        }
        (unionWritten ??= []).push(f);
      } else {
        // Not in a union: no other member shares these bytes.
        writeField(layout, f, dv, v);
      }
    }
  };
  visit(input, 0);
}

/** The bytes of a `char[N]` up to the first NUL, as text (`bpf_obj_name_cpy`'s view of a name). */
export function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** Encode a struct to a fresh zeroed buffer of exactly sizeof(struct). */
export function encodeStruct(layout: StructLayout, input: unknown): Uint8Array {
  const out = new Uint8Array(layout.size);
  encodeLayout(layout, input, out);
  return out;
}
