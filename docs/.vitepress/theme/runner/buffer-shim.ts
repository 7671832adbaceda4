/**
 * A small `Buffer` for test files run in the page. Tests (not packages: those are isomorphic) often
 * use Node's Buffer for hex fixtures (`Buffer.from(bytes).toString('hex')`, `Buffer.from(h, 'hex')`).
 * This covers that common subset on top of Uint8Array; anything else throws a clear error, so the
 * test fails in the page instead of passing by accident.
 */
type Enc = 'hex' | 'utf8' | 'utf-8' | 'latin1' | 'binary' | 'base64' | 'ascii';

const unsupported = (what: string): never => {
  throw new Error(`Buffer.${what} is not in the in-page Buffer shim; this test runs in npm test`);
};

class ShimBuffer extends Uint8Array {
  static fromAny(src: unknown, encOrOffset?: Enc | number, length?: number): ShimBuffer {
    if (typeof src === 'string') {
      const enc = (encOrOffset ?? 'utf8') as Enc;
      if (enc === 'hex') {
        const clean = src.length % 2 ? src.slice(0, -1) : src;
        const out = new ShimBuffer(clean.length / 2);
        for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
        return out;
      }
      if (enc === 'latin1' || enc === 'binary' || enc === 'ascii') return new ShimBuffer(Array.from(src, (c) => c.charCodeAt(0) & 0xff));
      if (enc === 'base64') return new ShimBuffer(Array.from(atob(src), (c) => c.charCodeAt(0)));
      return new ShimBuffer(new TextEncoder().encode(src));
    }
    if (src instanceof ArrayBuffer) return new ShimBuffer(src, (encOrOffset as number | undefined) ?? 0, length ?? src.byteLength - ((encOrOffset as number | undefined) ?? 0));
    if (ArrayBuffer.isView(src)) return new ShimBuffer(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    if (Array.isArray(src)) return new ShimBuffer(src as number[]);
    return unsupported(`from(${typeof src})`);
  }
  static alloc(n: number, fill = 0): ShimBuffer {
    return new ShimBuffer(n).fill(fill) as ShimBuffer;
  }
  static allocUnsafe(n: number): ShimBuffer {
    return new ShimBuffer(n);
  }
  static concat(list: readonly Uint8Array[], total?: number): ShimBuffer {
    const out = new ShimBuffer(total ?? list.reduce((s, b) => s + b.length, 0));
    let o = 0;
    for (const b of list) {
      out.set(b.subarray(0, Math.max(0, out.length - o)), o);
      o += b.length;
    }
    return out;
  }
  static isBuffer(v: unknown): boolean {
    return v instanceof ShimBuffer;
  }
  static byteLength(s: string): number {
    return new TextEncoder().encode(s).length;
  }
  static compare(a: Uint8Array, b: Uint8Array): number {
    for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  override toString(enc: Enc = 'utf8', start = 0, end = this.length): string {
    const v = this.subarray(start, end);
    if (enc === 'hex') return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
    if (enc === 'latin1' || enc === 'binary' || enc === 'ascii') return String.fromCharCode(...v);
    if (enc === 'base64') return btoa(String.fromCharCode(...v));
    return new TextDecoder().decode(v);
  }
  override subarray(begin?: number, end?: number): ShimBuffer {
    const u = new Uint8Array(this.buffer, this.byteOffset, this.byteLength).subarray(begin, end);
    return new ShimBuffer(u.buffer, u.byteOffset, u.length);
  }
  equals(o: Uint8Array): boolean {
    return ShimBuffer.compare(this, o) === 0;
  }
  private dv(): DataView {
    return new DataView(this.buffer, this.byteOffset, this.byteLength);
  }
  readUInt8(o = 0): number { return this.dv().getUint8(o); }
  readUInt16LE(o = 0): number { return this.dv().getUint16(o, true); }
  readUInt32LE(o = 0): number { return this.dv().getUint32(o, true); }
  readInt32LE(o = 0): number { return this.dv().getInt32(o, true); }
  readBigUInt64LE(o = 0): bigint { return this.dv().getBigUint64(o, true); }
  readBigInt64LE(o = 0): bigint { return this.dv().getBigInt64(o, true); }
  writeUInt8(v: number, o = 0): number { this.dv().setUint8(o, v); return o + 1; }
  writeUInt16LE(v: number, o = 0): number { this.dv().setUint16(o, v, true); return o + 2; }
  writeUInt32LE(v: number, o = 0): number { this.dv().setUint32(o, v, true); return o + 4; }
  writeInt32LE(v: number, o = 0): number { this.dv().setInt32(o, v, true); return o + 4; }
  writeBigUInt64LE(v: bigint, o = 0): number { this.dv().setBigUint64(o, v, true); return o + 8; }
  writeBigInt64LE(v: bigint, o = 0): number { this.dv().setBigInt64(o, v, true); return o + 8; }
}

/** What tests see as `Buffer`: the static side, with `from` that accepts Node's arguments. */
export const BufferShim = Object.assign(ShimBuffer, { from: ShimBuffer.fromAny }) as unknown as Omit<typeof ShimBuffer, 'from'> & {
  from: typeof ShimBuffer.fromAny;
};

/** Install as globalThis.Buffer when there is none (a browser). */
export function installBufferShim(): void {
  const g = globalThis as { Buffer?: unknown };
  if (g.Buffer === undefined) g.Buffer = BufferShim;
}
