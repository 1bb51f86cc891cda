/**
 * Minimal ZIP archive reader (PKWARE APPNOTE.TXT): enough for NumPy .npz files and other
 * single-disk archives. Reads the central directory (ZIP64 included), then each member's local
 * header, and returns the uncompressed member bytes after checking sizes and CRC-32.
 *
 *   method 0 (stored) and 8 (deflate, via node:zlib inflateRawSync) are supported;
 *   encryption, multi-disk archives and other methods → FileFormatError(file, detail).
 *
 * Bounded work (see limits.ts): the central directory's entries must lie inside the file; a
 * deflated member's declared size must be one deflate can produce from its compressed size
 * and must fit the archive's InflateBudget (64 MiB by default) — both checked before
 * inflating — and inflation stops as soon as the output exceeds the declared size. A zip
 * bomb therefore fails at once or after at most the declared (bounded) number of bytes.
 */
import { crc32, inflateRawSync } from 'node:zlib';
import { FileFormatError, quoteExcerpt } from '../errors.ts';
import { InflateBudget, latin1, maxInflatedSize } from './limits.ts';

export interface ZipEntry {
  /** member name (UTF-8 when the archive flags it, else Latin-1) */
  readonly name: string;
  /** 0 = stored, 8 = deflate */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly crc32: number;
  /** offset of the member's local header in the archive */
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

function u64(view: DataView, pos: number, file: string): number {
  const v = view.getBigUint64(pos, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FileFormatError(file, `64-bit size ${v} at byte ${pos} is too large`);
  return Number(v);
}

/** List the members of a ZIP archive from its central directory. bytes: not modified. */
export function listZip(bytes: Uint8Array, fileName: string): ZipEntry[] {
  const fail = (detail: string): never => {
    throw new FileFormatError(fileName, detail);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  if (len < 22) fail(`too short for a ZIP archive (${len} bytes)`);
  // End Of Central Directory: last 22 bytes + a comment of up to 65535 bytes
  let eocd = -1;
  for (let p = len - 22; p >= Math.max(0, len - 22 - 65535); p--) {
    if (view.getUint32(p, true) === SIG_EOCD && p + 22 + view.getUint16(p + 20, true) <= len) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('not a ZIP archive (no end-of-central-directory record)');
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) fail('multi-disk ZIP archives are not supported');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) fail('ZIP64 archive without a ZIP64 end-of-central-directory locator');
    const z = u64(view, loc + 8, fileName);
    if (z + 56 > len || view.getUint32(z, true) !== SIG_ZIP64_EOCD) fail(`bad ZIP64 end-of-central-directory record at byte ${z}`);
    count = u64(view, z + 32, fileName);
    cdSize = u64(view, z + 40, fileName);
    cdOffset = u64(view, z + 48, fileName);
  }
  if (cdOffset + cdSize > len) fail(`central directory (bytes ${cdOffset}..${cdOffset + cdSize}) runs past the end (${len} bytes)`);

  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > len || view.getUint32(p, true) !== SIG_CENTRAL) fail(`bad central directory entry ${k} at byte ${p}`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    const crc = view.getUint32(p + 16, true);
    let csize = view.getUint32(p + 20, true);
    let usize = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let local = view.getUint32(p + 42, true);
    const nameStart = p + 46;
    if (nameStart + nameLen + extraLen + commentLen > len) fail(`central directory entry ${k} runs past the end`);
    const nameBytes = bytes.subarray(nameStart, nameStart + nameLen);
    const name = flags & 0x0800 ? new TextDecoder('utf-8').decode(nameBytes) : latin1(nameBytes);
    if (flags & 0x0001) fail(`member ${quoteExcerpt(name)} is encrypted`);
    // ZIP64 extended information: the 0xFFFFFFFF fields, in the order usize, csize, offset
    let e = nameStart + nameLen;
    const eEnd = e + extraLen;
    while (e + 4 <= eEnd) {
      const id = view.getUint16(e, true);
      const size = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        if (usize === 0xffffffff && q + 8 <= e + 4 + size) {
          usize = u64(view, q, fileName);
          q += 8;
        }
        if (csize === 0xffffffff && q + 8 <= e + 4 + size) {
          csize = u64(view, q, fileName);
          q += 8;
        }
        if (local === 0xffffffff && q + 8 <= e + 4 + size) local = u64(view, q, fileName);
      }
      e += 4 + size;
    }
    entries.push({ name, method, compressedSize: csize, size: usize, crc32: crc, localHeaderOffset: local });
    p = eEnd + commentLen;
  }
  return entries;
}

/**
 * The uncompressed bytes of one member (sizes and CRC-32 checked). budget: the inflated bytes
 * the archive may still produce (share one InflateBudget across the members of an archive;
 * default: a fresh 64 MiB budget); a deflated member's declared size is charged to it.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, fileName: string, budget: InflateBudget = new InflateBudget()): Uint8Array {
  const fail = (detail: string): never => {
    throw new FileFormatError(fileName, `member ${quoteExcerpt(entry.name)}: ${detail}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = entry.localHeaderOffset;
  if (h + 30 > bytes.length || view.getUint32(h, true) !== SIG_LOCAL) fail(`no local header at byte ${h}`);
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) fail(`data (bytes ${start}..${end}) runs past the end of the archive (${bytes.length} bytes)`);
  const raw = bytes.subarray(start, end);
  let data: Uint8Array;
  if (entry.method === 0) data = raw;
  else if (entry.method === 8) {
    if (entry.size > maxInflatedSize(entry.compressedSize)) {
      fail(`declares ${entry.size} uncompressed bytes from ${entry.compressedSize} compressed bytes, more than deflate can produce`);
    }
    if (entry.size > budget.remaining) {
      fail(
        `declares ${entry.size} uncompressed bytes; the members of one archive may inflate to at most ${budget.limit} bytes ` +
          `in all (${budget.used} used so far): refused as a possible zip bomb`,
      );
    }
    try {
      // stop as soon as the stream produces more than it declared
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return fail(`inflates to more than the ${entry.size} bytes it declares`);
      return fail(`corrupt deflate stream: ${(err as Error).message}`);
    }
    budget.used += entry.size;
  } else return fail(`compression method ${entry.method} is not supported (only stored and deflate)`);
  if (data.length !== entry.size) fail(`${data.length} bytes after decompression, ${entry.size} expected`);
  const c = crc32(data) >>> 0;
  if (c !== entry.crc32 >>> 0) fail(`CRC-32 mismatch (0x${c.toString(16)} computed, 0x${(entry.crc32 >>> 0).toString(16)} stored)`);
  return data;
}

/** Every member of the archive: name → uncompressed bytes (views into `bytes` for stored members). */
export function readZip(bytes: Uint8Array, fileName: string, budget: InflateBudget = new InflateBudget()): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const e of listZip(bytes, fileName)) out.set(e.name, readZipEntry(bytes, e, fileName, budget));
  return out;
}
