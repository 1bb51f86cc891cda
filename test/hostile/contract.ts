/**
 * The contract checked by the hostile replay (test/hostile/replay.ts), separate from the runner
 * so that it can be tested on its own (test/hostile/contract.test.ts): the case folders and their
 * snapshots, and evaluate(), which turns one run into a list of violations. The rules are
 * described in replay.ts.
 */
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, type HostileCase, type RunResult } from './cases.ts';

// ---------------------------------------------------------------------------------------------
// Case folders and their snapshots
// ---------------------------------------------------------------------------------------------

export function createCase(dir: string, c: HostileCase): void {
  mkdirSync(dir, { recursive: true });
  for (const d of c.dirs ?? []) mkdirSync(join(dir, d), { recursive: true });
  for (const [name, content] of Object.entries(c.files ?? {})) writeFileSync(join(dir, name), content);
  for (const [name, target] of Object.entries(c.symlinks ?? {})) symlinkSync(target, join(dir, name));
  for (const [name, mode] of Object.entries(c.chmod ?? {})) chmodSync(join(dir, name), mode);
}

/** Undo the case's chmod so the folder can be removed. */
export function releaseCase(dir: string, c: HostileCase): void {
  for (const name of Object.keys(c.chmod ?? {})) {
    try {
      chmodSync(join(dir, name), 0o755);
    } catch {
      // already gone
    }
  }
}

/** Every entry below `dir` (links not followed): relative path → a fingerprint of its content. */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    const abs = rel ? join(dir, rel) : dir;
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch {
      return; // an unreadable folder: its entry itself was recorded
    }
    for (const name of names.sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const p = join(dir, r);
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `link → ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(r, 'folder');
        walk(r);
      } else if (st.isFile()) {
        let digest: string;
        try {
          digest = createHash('sha256').update(readFileSync(p)).digest('hex');
        } catch {
          digest = `unreadable, ${st.size} bytes, mode ${(st.mode & 0o777).toString(8)}, mtime ${st.mtimeMs}`;
        }
        out.set(r, `file ${digest}`);
      } else out.set(r, 'other');
    }
  };
  walk('');
  return out;
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

export const TYPED = /^dqp: ([A-Za-z]*Error): (.+)$/;
export const STACK = /^\s+at \S/m;
export const INTERNAL = /\boptions\.[A-Za-z]|\bundefined\b/;
export const MAX_MESSAGE = 400;

/** The time and memory limits of a run (seconds, MB). */
export interface Limits {
  /** the contract: wall time and peak RSS of one run */
  readonly budgetS: number;
  readonly budgetMb: number;
  /** the runner kills a child past these */
  readonly killS: number;
  readonly killMb: number;
}

/** What evaluate() says about one run. */
export interface Verdict {
  /** 'yes' / 'no' / '-' (not an error exit) */
  readonly typed: string;
  readonly filesOk: boolean;
  readonly violations: string[];
}

export interface Outcome {
  readonly name: string;
  readonly group: string;
  readonly args: readonly string[];
  readonly expected: readonly number[];
  readonly result: RunResult;
  /** 'yes' / 'no' / '-' (not an error exit) */
  readonly typed: string;
  readonly filesOk: boolean;
  readonly violations: string[];
}

function messageViolations(message: string, c: HostileCase, where: string): string[] {
  const v: string[] = [];
  if (message.length > MAX_MESSAGE) v.push(`${where} message is ${message.length} characters (> ${MAX_MESSAGE})`);
  if (c.mention && !message.includes(c.mention)) v.push(`${where} message does not name ${c.mention}`);
  if (INTERNAL.test(message)) v.push(`${where} message uses internal names or "undefined"`);
  return v;
}

export function evaluate(c: HostileCase, json: boolean, r: RunResult, before: Map<string, string>, after: Map<string, string>, o: Limits): Verdict {
  const v: string[] = [];
  if (r.killed === 'time') v.push(`killed after ${o.killS} s`);
  if (r.killed === 'memory') v.push(`killed above ${o.killMb} MB`);
  if (r.code === null) {
    if (!r.killed) v.push(`ended by ${r.signal ?? 'a signal'}`);
  } else if (!c.exit.includes(r.code)) v.push(`exit ${r.code}, documented ${c.exit.join(' or ')}`);
  if (r.wallS > o.budgetS) v.push(`took ${r.wallS.toFixed(1)} s (> ${o.budgetS})`);
  if (r.peakMb !== null && r.peakMb > o.budgetMb) v.push(`peak RSS ${Math.round(r.peakMb)} MB (> ${o.budgetMb})`);
  if (STACK.test(r.stderr)) v.push('stack trace on stderr');

  let typed = '-';
  const failed = r.code !== null && r.code !== 0 && r.code !== 2 && r.code !== 130;
  if (failed && !json) {
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    const m = TYPED.exec(lines.at(-1) ?? '');
    if (m) {
      typed = 'yes';
      v.push(...messageViolations(lines.at(-1)!, c, 'the'));
    } else {
      typed = 'no';
      v.push('stderr does not end with one typed line "dqp: XxxError: …"');
    }
  }
  if (json && r.code !== null) {
    const lines = r.stdout.split('\n').filter((l) => l.trim() !== '');
    const j = lines.length === 1 ? lastJson(lines[0]!) : null;
    if (failed) {
      const e = j?.error as { type?: unknown; message?: unknown; exitCode?: unknown } | undefined;
      if (!e || typeof e.type !== 'string' || typeof e.message !== 'string' || e.exitCode !== r.code) {
        typed = 'no';
        v.push(`stdout with --json is not one {"error": {"type", "message", "exitCode": ${r.code}}} line (${lines.length} line(s))`);
      } else {
        typed = 'yes';
        v.push(...messageViolations(e.message, c, 'the JSON'));
      }
    } else if (!j) v.push(`stdout with --json is not one JSON object line (${lines.length} line(s))`);
  }

  let filesOk = true;
  const success = r.code === 0 || r.code === 2;
  for (const [path, print] of before) {
    const now = after.get(path);
    if (now === undefined) {
      v.push(`destroyed ${path}`);
      filesOk = false;
    } else if (now !== print && !(success && (c.mayChange ?? []).includes(path))) {
      v.push(`changed ${path}`);
      filesOk = false;
    }
  }
  for (const path of after.keys()) {
    if (before.has(path)) continue;
    if (/\.tmp$/.test(path)) {
      v.push(`left the temporary file ${path}`);
      filesOk = false;
    } else if (!success && r.code !== 130) {
      v.push(`wrote ${path} although it failed`);
      filesOk = false;
    }
  }
  if (c.check && r.code !== null && c.exit.includes(r.code)) {
    const problem = c.check(r);
    if (problem) v.push(problem);
  }
  return { typed, filesOk, violations: v };
}
