/**
 * BTF, the BPF Type Format: a reader for the raw blob (`/sys/kernel/btf/vmlinux`,
 * or an object's `.BTF` section).
 * Mirrors include/uapi/linux/btf.h at v6.18:
 * https://elixir.bootlin.com/linux/v6.18/source/include/uapi/linux/btf.h
 *
 * Only reading is modelled: types, names, members and enumerators, enough to
 * take the kernel's own layouts and enum values as data (see scripts/extract-btf.ts).
 * @module
 */

/** `BTF_MAGIC`: the first two bytes of every blob. */
export const BTF_MAGIC = 0xeb9f;

/** `BTF_KIND_*`, bits 24-28 of `btf_type.info`. */
export const BTF_KIND = {
  UNKN: 0,
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;

export interface BtfMember {
  name: string;
  type: number;
  /** Offset in bits from the start of the struct. */
  bitOffset: number;
  /** Bitfield size in bits, 0 for an ordinary member. */
  bitSize: number;
}

export interface BtfType {
  id: number;
  kind: number;
  name: string;
  /** `size` for INT/STRUCT/UNION/ENUM/FLOAT/DATASEC, else the referenced `type`. */
  sizeOrType: number;
  kindFlag: boolean;
  vlen: number;
  members?: BtfMember[];
  enumValues?: { name: string; value: bigint }[];
  array?: { type: number; indexType: number; nelems: number };
  intBits?: number;
}

export class BtfError extends Error {}

/** `btf_parse`: the header, then every type in id order (id 0 is void). */
export function parseBtf(blob: Uint8Array): BtfType[] {
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.length < 24) throw new BtfError('btf: blob shorter than btf_header');
  const magic = dv.getUint16(0, true);
  if (magic !== BTF_MAGIC) throw new BtfError(`btf: bad magic 0x${magic.toString(16)}`);
  const hdrLen = dv.getUint32(4, true);
  const typeOff = dv.getUint32(8, true);
  const typeLen = dv.getUint32(12, true);
  const strOff = dv.getUint32(16, true);
  const strLen = dv.getUint32(20, true);
  const strBase = hdrLen + strOff;
  if (strBase + strLen > blob.length || hdrLen + typeOff + typeLen > blob.length) {
    throw new BtfError('btf: sections run past the blob');
  }
  const dec = new TextDecoder();
  const str = (off: number): string => {
    let end = strBase + off;
    while (end < strBase + strLen && blob[end] !== 0) end++;
    return dec.decode(blob.subarray(strBase + off, end));
  };
  const types: BtfType[] = [{ id: 0, kind: 0, name: 'void', sizeOrType: 0, kindFlag: false, vlen: 0 }];
  let p = hdrLen + typeOff;
  const end = p + typeLen;
  const u32 = (o: number) => dv.getUint32(o, true);
  while (p < end) {
    const info = u32(p + 4);
    const t: BtfType = {
      id: types.length,
      name: str(u32(p)),
      vlen: info & 0xffff,
      kind: (info >>> 24) & 0x1f,
      kindFlag: (info >>> 31) === 1,
      sizeOrType: u32(p + 8),
    };
    p += 12;
    switch (t.kind) {
      case BTF_KIND.INT:
        t.intBits = u32(p) & 0xff;
        p += 4;
        break;
      case BTF_KIND.ARRAY:
        t.array = { type: u32(p), indexType: u32(p + 4), nelems: u32(p + 8) };
        p += 12;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        t.members = [];
        for (let i = 0; i < t.vlen; i++, p += 12) {
          const off = u32(p + 8);
          t.members.push({
            name: str(u32(p)),
            type: u32(p + 4),
            bitOffset: t.kindFlag ? off & 0xffffff : off,
            bitSize: t.kindFlag ? off >>> 24 : 0,
          });
        }
        break;
      case BTF_KIND.ENUM:
        t.enumValues = [];
        for (let i = 0; i < t.vlen; i++, p += 8) {
          const v = t.kindFlag ? BigInt(dv.getInt32(p + 4, true)) : BigInt(u32(p + 4));
          t.enumValues.push({ name: str(u32(p)), value: v });
        }
        break;
      case BTF_KIND.ENUM64:
        t.enumValues = [];
        for (let i = 0; i < t.vlen; i++, p += 12) {
          const v = (BigInt(u32(p + 8)) << 32n) | BigInt(u32(p + 4));
          t.enumValues.push({ name: str(u32(p)), value: t.kindFlag ? BigInt.asIntN(64, v) : v });
        }
        break;
      case BTF_KIND.FUNC_PROTO:
        p += 8 * t.vlen;
        break;
      case BTF_KIND.VAR:
      case BTF_KIND.DECL_TAG:
        p += 4;
        break;
      case BTF_KIND.DATASEC:
        p += 12 * t.vlen;
        break;
      default:
        break;
    }
    types.push(t);
  }
  return types;
}

/** Follow typedefs and qualifiers to the type that has a size. */
export function btfResolve(types: BtfType[], id: number): BtfType {
  let t = types[id]!;
  for (;;) {
    switch (t.kind) {
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
        t = types[t.sizeOrType]!;
        break;
      default:
        return t;
    }
  }
}

/** `btf_type_size`-like: the size in bytes of a type, following typedefs. */
export function btfSizeof(types: BtfType[], id: number): number {
  const t = btfResolve(types, id);
  switch (t.kind) {
    case BTF_KIND.PTR:
      return 8;
    case BTF_KIND.ARRAY:
      return t.array!.nelems * btfSizeof(types, t.array!.type);
    default:
      return t.sizeOrType;
  }
}

/** A C spelling of a type, for layout tables: `__u32`, `__aligned_u64`, `char[16]`, `struct bpf_insn *`. */
export function btfTypeName(types: BtfType[], id: number): string {
  const t = types[id]!;
  switch (t.kind) {
    case BTF_KIND.PTR:
      return `${btfTypeName(types, t.sizeOrType)} *`;
    case BTF_KIND.ARRAY:
      return `${btfTypeName(types, t.array!.type)}[${t.array!.nelems}]`;
    case BTF_KIND.CONST:
      return `const ${btfTypeName(types, t.sizeOrType)}`;
    case BTF_KIND.VOLATILE:
      return `volatile ${btfTypeName(types, t.sizeOrType)}`;
    case BTF_KIND.STRUCT:
      return t.name ? `struct ${t.name}` : 'struct {...}';
    case BTF_KIND.UNION:
      return t.name ? `union ${t.name}` : 'union {...}';
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64:
      return t.name ? `enum ${t.name}` : 'enum {...}';
    default:
      return t.name || 'void';
  }
}
