/**
 * Polygon domains from text: the `--domain` input of the embedding.
 *
 *   raw     = readPolygon(text, source, format)     corners as written (#K by 2), not checked
 *   polygon = preparePolygon(raw, source)            checked, merged, counter-clockwise
 *   polygon = builtinDomain(name)                    one of BUILTIN_DOMAIN_NAMES
 *   format  = polygonFormatOf(fileName)              by extension, null when unknown
 *
 * Formats:
 *   json  {"polygon": [[x, y], …]} or a bare array [[x, y], …]
 *   svg   the first <polygon points="…">, closed <polyline points="…"> (last point = first) or
 *         <path d="…"> made of straight segments (M/m, L/l, H/h, V/v, Z/z, absolute and
 *         relative, one subpath). Curves (C, S, Q, T, A) are an error naming the command. SVG's
 *         y axis points down, so y is negated: the domain looks like the drawing. A `transform`
 *         attribute on the element is an error (not applied silently).
 *   txt   (also .xy, .csv) one corner per line, "x y" or "x,y"; '#' starts a comment; a first
 *         line "x y" / "x,y" (letters) is taken as a header
 *   obj   `v x y [z]` lines with a closed polyline of `l` elements (one `l a b … a`, or segments
 *         that chain into one cycle); without `l` elements, the boundary loop of the flat mesh
 *         given by its `f` faces
 *
 * preparePolygon (the rules `dqp embed --help` states):
 *   - at least 3 corners, all finite, at most MAX_POLYGON_CORNERS
 *   - repeated consecutive corners (including last = first after closing) are an error naming them
 *   - a corner on the straight line through its two neighbours (collinear within a relative
 *     1e-12 of the edge lengths) is MERGED: it is not a corner of the domain, the boundary runs
 *     straight through it; `merged` lists the dropped input corners (0-based)
 *   - zero area or a self-intersection (polygon.ts) is an error naming the offending edges'
 *     corners (1-based, as a user counts lines)
 *   - either orientation is accepted; the result is counter-clockwise (`reversed` says so)
 * Output corners are in the domain's own units; nothing is rescaled here.
 */
import { FileFormatError } from '../optimizer/errors.ts';
import { boundaryLoops } from './boundary.ts';
import { edgeList } from './edges.ts';
import { readObj } from './obj-parse.ts';
import { findSelfIntersection, signedArea } from './polygon.ts';

export type PolygonFormat = 'json' | 'svg' | 'txt' | 'obj';

/** Upper bound on the corners of a domain (the simplicity check is a sweep, O(K log K) typical). */
export const MAX_POLYGON_CORNERS = 100_000;

export interface PreparedPolygon {
  /** #K by 2 corners, counter-clockwise, collinear corners merged */
  readonly corners: Float64Array;
  /** input corners (0-based, input order) dropped because they lie on a straight edge */
  readonly merged: readonly number[];
  /** the input was clockwise and has been reversed */
  readonly reversed: boolean;
  readonly source: string;
}

const EXTENSIONS: Record<string, PolygonFormat> = { json: 'json', svg: 'svg', txt: 'txt', xy: 'txt', csv: 'txt', obj: 'obj' };

export function polygonFormatOf(fileName: string): PolygonFormat | null {
  const m = /\.([A-Za-z]+)$/.exec(fileName);
  return m ? (EXTENSIONS[m[1]!.toLowerCase()] ?? null) : null;
}

/** At most ~100 characters of a piece of input, for messages. */
function quote(s: string): string {
  const t = s.trim();
  return t.length <= 100 ? JSON.stringify(t) : `${JSON.stringify(t.slice(0, 100))}… (${t.length} characters)`;
}

function parseNumber(token: string, source: string, where: string): number {
  const x = Number(token);
  if (token.trim() === '' || !Number.isFinite(x)) throw new FileFormatError(source, `${where}: expected a finite number, found ${quote(token)}`);
  return x;
}

function checkCount(k: number, source: string): void {
  if (k > MAX_POLYGON_CORNERS) throw new FileFormatError(source, `expected at most ${MAX_POLYGON_CORNERS} polygon corners, found ${k}`);
}

// ---------------------------------------------------------------- JSON
function readJson(text: string, source: string): Float64Array {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(source, `expected JSON (${(e instanceof Error ? e.message : String(e)).slice(0, 200)})`);
  }
  const list = Array.isArray(data) ? data : data !== null && typeof data === 'object' ? (data as Record<string, unknown>).polygon : undefined;
  if (!Array.isArray(list)) {
    throw new FileFormatError(source, 'expected {"polygon": [[x, y], …]} or an array of [x, y] points, found ' + (data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data === 'object' ? `an object without "polygon"` : typeof data));
  }
  checkCount(list.length, source);
  const out = new Float64Array(2 * list.length);
  list.forEach((p: unknown, k) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'number' || typeof p[1] !== 'number' || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) {
      throw new FileFormatError(source, `polygon[${k}]: expected [x, y] with two finite numbers, found ${quote(JSON.stringify(p) ?? String(p))}`);
    }
    out[2 * k] = p[0];
    out[2 * k + 1] = p[1];
  });
  return out;
}

// ---------------------------------------------------------------- text
function readText(text: string, source: string): Float64Array {
  const xs: number[] = [];
  const lines = text.split(/\r?\n/);
  let seenData = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line === '') continue;
    const parts = line.split(/\s*,\s*|\s+/);
    if (!seenData && parts.length === 2 && parts.every((p) => /^[A-Za-z_]\w*$/.test(p))) {
      seenData = true; // a header such as "x,y"
      continue;
    }
    seenData = true;
    if (parts.length !== 2) throw new FileFormatError(source, `line ${i + 1}: expected "x y" or "x,y", found ${quote(lines[i]!)}`);
    xs.push(parseNumber(parts[0]!, source, `line ${i + 1}`), parseNumber(parts[1]!, source, `line ${i + 1}`));
    checkCount(xs.length / 2, source);
  }
  return Float64Array.from(xs);
}

// ---------------------------------------------------------------- SVG
const NUMBER = /[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g;

function svgNumbers(s: string, source: string, what: string): number[] {
  const rest = s.replace(NUMBER, ' ').replace(/[\s,]+/g, '');
  if (rest !== '') throw new FileFormatError(source, `${what}: expected numbers, found ${quote(rest)}`);
  return (s.match(NUMBER) ?? []).map(Number);
}

function attribute(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(tag);
  return m ? (m[2] ?? m[3] ?? '') : null;
}

/** The straight-segment subset of SVG path data; absolute (x, y) corners, y down. */
function pathCorners(d: string, source: string): number[] {
  const curve = /[CcSsQqTtAa]/.exec(d);
  if (curve) {
    throw new FileFormatError(source, `<path>: the command "${curve[0]}" draws a curve; expected straight segments only (M, L, H, V, Z): convert the curves to line segments in your editor`);
  }
  const tokens = d.match(/[MmLlHhVvZz]|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g) ?? [];
  const leftover = d.replace(/[MmLlHhVvZz]|[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/g, ' ').replace(/[\s,]+/g, '');
  if (leftover !== '') throw new FileFormatError(source, `<path>: unexpected ${quote(leftover)} in the path data`);
  const pts: number[] = [];
  let x = 0;
  let y = 0;
  let cmd = '';
  let closed = false;
  let k = 0;
  const num = (): number => {
    const t = tokens[k];
    if (t === undefined || /^[A-Za-z]$/.test(t)) throw new FileFormatError(source, `<path>: command "${cmd}" is missing a number`);
    k++;
    return Number(t);
  };
  while (k < tokens.length) {
    const t = tokens[k]!;
    if (/^[A-Za-z]$/.test(t)) {
      cmd = t;
      k++;
      if (closed) throw new FileFormatError(source, '<path>: expected one closed subpath, found more after "Z"');
      if (cmd === 'Z' || cmd === 'z') {
        closed = true;
        continue;
      }
      if ((cmd === 'M' || cmd === 'm') && pts.length > 0) throw new FileFormatError(source, '<path>: expected one subpath, found a second "M"');
    } else if (cmd === '') {
      throw new FileFormatError(source, '<path>: the path data must start with "M"');
    } else if (cmd === 'Z' || cmd === 'z') {
      throw new FileFormatError(source, `<path>: a number after "${cmd}"`);
    }
    switch (cmd) {
      case 'M': case 'L': x = num(); y = num(); break;
      case 'm': case 'l': x += num(); y += num(); break;
      case 'H': x = num(); break;
      case 'h': x += num(); break;
      case 'V': y = num(); break;
      case 'v': y += num(); break;
    }
    if (cmd !== 'Z' && cmd !== 'z') pts.push(x, y);
    // numbers after M/m continue as L/l (SVG's rule)
    if (cmd === 'M') cmd = 'L';
    if (cmd === 'm') cmd = 'l';
    checkCount(pts.length / 2, source);
  }
  if (pts.length === 0) throw new FileFormatError(source, '<path>: expected at least one point, found none');
  return pts;
}

function readSvg(text: string, source: string): Float64Array {
  const m = /<(polygon|polyline|path)\b([^>]*)>/i.exec(text);
  if (!m) throw new FileFormatError(source, 'expected a <polygon>, <polyline> or <path> element, found none');
  const kind = m[1]!.toLowerCase();
  const tag = m[0];
  if (attribute(tag, 'transform') !== null) {
    throw new FileFormatError(source, `<${kind}> has a transform attribute; expected plain coordinates (apply the transform in your editor first)`);
  }
  let pts: number[];
  if (kind === 'path') {
    const d = attribute(tag, 'd');
    if (d === null) throw new FileFormatError(source, '<path> without a d attribute');
    pts = pathCorners(d, source);
  } else {
    const p = attribute(tag, 'points');
    if (p === null) throw new FileFormatError(source, `<${kind}> without a points attribute`);
    pts = svgNumbers(p, source, `<${kind}> points`);
    if (pts.length % 2 !== 0) throw new FileFormatError(source, `<${kind}> points: expected x,y pairs, found ${pts.length} numbers`);
    checkCount(pts.length / 2, source);
    if (kind === 'polyline') {
      const n = pts.length;
      if (n < 4 || pts[0] !== pts[n - 2] || pts[1] !== pts[n - 1]) {
        throw new FileFormatError(source, '<polyline>: expected a closed polyline (last point equal to the first)');
      }
    }
  }
  // a closing point equal to the first is not a corner of its own
  const n = pts.length;
  if (n >= 4 && pts[0] === pts[n - 2] && pts[1] === pts[n - 1]) pts.length = n - 2;
  const out = Float64Array.from(pts);
  for (let k = 1; k < out.length; k += 2) out[k] = -out[k]! + 0; // y down → y up (+0: no −0)
  return out;
}

// ---------------------------------------------------------------- OBJ
function readObjPolygon(text: string, source: string): Float64Array {
  const V: number[] = [];
  const segments: number[] = [];
  let hasFaces = false;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/#.*$/, '').trim();
    if (line.startsWith('f ')) hasFaces = true;
    if (line.startsWith('v ')) {
      const parts = line.split(/\s+/);
      V.push(parseNumber(parts[1] ?? '', source, `line ${i + 1}`), parseNumber(parts[2] ?? '', source, `line ${i + 1}`));
      checkCount(V.length / 2, source);
    } else if (line.startsWith('l ')) {
      const ids = line.split(/\s+/).slice(1).map((t) => {
        const id = Number(t.split('/')[0]);
        if (!Number.isInteger(id) || id === 0) throw new FileFormatError(source, `line ${i + 1}: expected vertex numbers in "l", found ${quote(t)}`);
        return id;
      });
      for (let k = 0; k + 1 < ids.length; k++) segments.push(ids[k]!, ids[k + 1]!);
    }
  }
  const nv = V.length / 2;
  if (segments.length === 0) {
    if (!hasFaces) throw new FileFormatError(source, 'expected a closed polyline ("l" elements) or the faces of a flat mesh, found neither');
    const mesh = readObj(text, source);
    const loops = boundaryLoops(mesh.F, edgeList(mesh.F, mesh.nv), source);
    if (loops.length !== 1) throw new FileFormatError(source, `expected a flat mesh with one boundary loop, found ${loops.length}`);
    const loop = loops[0]!;
    const out = new Float64Array(2 * loop.length);
    for (let t = 0; t < loop.length; t++) {
      out[2 * t] = mesh.V[3 * loop[t]!]!;
      out[2 * t + 1] = mesh.V[3 * loop[t]! + 1]!;
    }
    return out;
  }
  // chain the segments into one cycle (OBJ numbers are 1-based; negative = relative to the end)
  const next = new Int32Array(nv).fill(-1);
  const prev = new Int32Array(nv).fill(-1);
  for (let s = 0; s < segments.length; s += 2) {
    const [a, b] = [segments[s]!, segments[s + 1]!].map((id) => (id > 0 ? id - 1 : nv + id));
    if (a! < 0 || a! >= nv || b! < 0 || b! >= nv) throw new FileFormatError(source, `"l" refers to vertex ${segments[s]} or ${segments[s + 1]}, expected 1 … ${nv}`);
    if (a === b) continue;
    if (next[a!] !== -1 || prev[b!] !== -1) throw new FileFormatError(source, `expected one closed polyline; vertex ${(next[a!] !== -1 ? a! : b!) + 1} has more than two polyline neighbours`);
    next[a!] = b!;
    prev[b!] = a!;
  }
  let start = 0;
  while (start < nv && next[start] === -1) start++;
  const order: number[] = [];
  for (let v = start; order.length <= nv; v = next[v]!) {
    if (v === -1) throw new FileFormatError(source, 'expected a closed polyline; the "l" elements end without returning to their start');
    if (order.length > 0 && v === start) break;
    order.push(v);
  }
  const used = order.length;
  let linked = 0;
  for (let v = 0; v < nv; v++) if (next[v] !== -1) linked++;
  if (linked !== used) throw new FileFormatError(source, `expected one closed polyline, found ${linked - used} more polyline vertices outside the first cycle`);
  const out = new Float64Array(2 * used);
  order.forEach((v, t) => {
    out[2 * t] = V[2 * v]!;
    out[2 * t + 1] = V[2 * v + 1]!;
  });
  return out;
}

/** Corners as written in the file (#K by 2, y up), not yet checked. */
export function readPolygon(text: string, source: string, format: PolygonFormat): Float64Array {
  switch (format) {
    case 'json': return readJson(text, source);
    case 'svg': return readSvg(text, source);
    case 'txt': return readText(text, source);
    case 'obj': return readObjPolygon(text, source);
  }
}

/** Check, merge collinear corners, orient counter-clockwise (rules in the header). */
export function preparePolygon(raw: Float64Array, source: string): PreparedPolygon {
  let n = raw.length / 2;
  checkCount(n, source);
  if (n < 3) throw new FileFormatError(source, `expected a polygon with at least 3 corners, found ${n}`);
  for (let k = 0; k < raw.length; k++) {
    if (!Number.isFinite(raw[k]!)) throw new FileFormatError(source, `corner ${(k >> 1) + 1}: expected finite coordinates, found ${raw[k]}`);
  }
  for (let k = 0; k < n; k++) {
    const l = (k + 1) % n;
    if (raw[2 * k] === raw[2 * l] && raw[2 * k + 1] === raw[2 * l + 1]) {
      throw new FileFormatError(source, `corners ${k + 1} and ${l + 1} are the same point (${raw[2 * k]}, ${raw[2 * k + 1]}); expected distinct consecutive corners`);
    }
  }
  // merge corners on the straight line through their neighbours (repeat: merging can expose more)
  let ids = Array.from({ length: n }, (_, k) => k);
  const merged: number[] = [];
  for (let changed = true; changed && ids.length >= 3; ) {
    changed = false;
    const keep: number[] = [];
    for (let t = 0; t < ids.length; t++) {
      const p = ids[(t + ids.length - 1) % ids.length]!;
      const i = ids[t]!;
      const q = ids[(t + 1) % ids.length]!;
      const ax = raw[2 * i]! - raw[2 * p]!;
      const ay = raw[2 * i + 1]! - raw[2 * p + 1]!;
      const bx = raw[2 * q]! - raw[2 * i]!;
      const by = raw[2 * q + 1]! - raw[2 * i + 1]!;
      const cross = ax * by - ay * bx;
      const straight = Math.abs(cross) <= 1e-12 * Math.hypot(ax, ay) * Math.hypot(bx, by) && ax * bx + ay * by > 0;
      if (straight && !changed) {
        merged.push(i);
        changed = true;
      } else keep.push(i);
    }
    ids = keep;
  }
  n = ids.length;
  if (n < 3) throw new FileFormatError(source, 'expected a polygon with non-zero area; all corners lie on one line');
  const P = new Float64Array(2 * n);
  ids.forEach((id, t) => {
    P[2 * t] = raw[2 * id]!;
    P[2 * t + 1] = raw[2 * id + 1]!;
  });
  const area = signedArea(P);
  if (!(Math.abs(area) > 0)) throw new FileFormatError(source, 'expected a polygon with non-zero area, found area 0');
  const hit = findSelfIntersection(P);
  if (hit) {
    const c = (t: number) => ids[t % n]! + 1;
    throw new FileFormatError(
      source,
      hit.a === hit.b
        ? `corners ${c(hit.a)} and ${c(hit.a + 1)} coincide; expected a simple polygon`
        : `the edge from corner ${c(hit.a)} to ${c(hit.a + 1)} meets the edge from corner ${c(hit.b)} to ${c(hit.b + 1)}; expected a simple polygon (no self-intersections)`,
    );
  }
  const reversed = area < 0;
  if (reversed) {
    for (let s = 0, t = n - 1; s < t; s++, t--) {
      for (const o of [0, 1]) {
        const tmp = P[2 * s + o]!;
        P[2 * s + o] = P[2 * t + o]!;
        P[2 * t + o] = tmp;
      }
    }
  }
  return { corners: P, merged: merged.sort((a, b) => a - b), reversed, source };
}
