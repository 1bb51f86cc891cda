/**
 * The files a command reads and writes, checked before the work and written all-or-nothing.
 *
 *   const plan = prepareOutputs({
 *     inputs: [{ flag: 'MESH', path: mesh }],
 *     outputs: [{ flag: '--out', path: out }, { flag: '--svg', path: svg }],
 *   });                                   // throws before any work is done (see 1-3)
 *   ...the work...
 *   plan.write('--out', objText);         // staged in a temporary file next to the output
 *   plan.write('--svg', svgText);
 *   plan.commit();                        // all staged outputs appear, or none
 *
 * 1. Paths are compared by what they finally name: the realpath of an existing file, else the
 *    realpath of its folder plus its base name. An output naming an input, or two outputs naming
 *    one file (spelled differently, through `..` or through a symbolic link), is an
 *    OutputCollisionError naming both flags.
 * 2. Inputs must exist, be readable and be files or pipes (not folders or devices); outputs must be in an existing folder
 *    (a missing folder is created only for outputs marked `createFolder`, the commands' default
 *    paths), must not be a folder or a special file, and the folder must accept a new file: a
 *    probe file is created and removed there at once (this also catches read-only file systems
 *    and folders root cannot write). Failures are FileAccessError(path as given, flag, reason).
 * 3. An output that is a symbolic link to a file is written through: the file it points to gets
 *    the new content, the link stays.
 *
 * The all-or-nothing guarantee of commit(): it first holds every staged output in a complete
 * temporary file `.NAME.PID.N.tmp` in the output's own folder (written by write()), keeps a
 * hard link (or, where links are not possible, a copy) of every output that already existed,
 * then renames the temporaries over the outputs one by one. If any step fails, the outputs
 * already renamed are put back (the saved previous file is renamed back, a file that did not
 * exist is removed), every temporary and saved copy is removed, folders created for the run are
 * removed again, and a FileAccessError naming the output and the reason is thrown: every output
 * path then holds exactly what it held before the command ran. Only if that restoring itself
 * fails (the folder became unwritable in between) does the message say which paths could not
 * be restored. An output is never observed partly written: each is replaced by one rename.
 * A process killed by SIGKILL during commit() can leave some outputs new and others old, and
 * `.tmp` files behind; any other exit removes the temporaries (process 'exit' hook).
 * setCriticalSection() lets the command line run commit() with signals held (cli/interrupt.ts).
 *
 * writeFileAtomic(path, content) writes one file the same way (temporary + rename). While a
 * plan is active (activate()), a path that is one of its outputs is staged in the plan instead,
 * so code that writes its own files (the benchmark suites) joins the command's transaction.
 */
import { closeSync, copyFileSync, linkSync, mkdirSync, openSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync, accessSync, constants } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { FileAccessError, OutputCollisionError } from '../optimizer/errors.ts';

/** A path given on the command line and the flag (or positional name) that gave it. */
export interface PathArg {
  /** as the user typed it: '--out', '--svg', 'MESH', 'FILE' */
  readonly flag: string;
  readonly path: string;
}

export interface OutputArg extends PathArg {
  /** create a missing folder (and its parents) at commit; default false: the folder must exist */
  readonly createFolder?: boolean;
}

/** Node's error code of a failed fs call, in words. */
export function fsReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOENT: 'no such file or folder',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'is a folder',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EEXIST: 'already exists',
    ELOOP: 'too many symbolic links',
    ENAMETOOLONG: 'name too long',
    EMFILE: 'too many open files',
    EBUSY: 'busy',
    EXDEV: 'not on the same file system',
    EIO: 'input/output error',
  };
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (code && words[code]) return `${words[code]} (${code})`;
  return code ?? (e instanceof Error ? e.message : String(e));
}

/** True for an error thrown by a Node fs call (it carries an errno code and usually a path). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * What a path finally names: realpath of an existing file; else realpath of the nearest
 * existing ancestor folder joined with the rest.
 */
export function resolveTarget(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    // not there (or a dangling link): resolve the folder part
  }
  const rest: string[] = [];
  let dir = abs;
  for (;;) {
    rest.unshift(basename(dir));
    const parent = dirname(dir);
    if (parent === dir) return abs;
    dir = parent;
    try {
      return join(realpathSync(dir), ...rest);
    } catch {
      // keep going up
    }
  }
}

// ---------------------------------------------------------------------------------------------
// temporaries removed when the process exits
// ---------------------------------------------------------------------------------------------

const temporaries = new Set<string>();
let exitHook = false;

/** Register a temporary file to be removed if the process exits before releaseTemporary(path). */
export function registerTemporary(path: string): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const p of temporaries) rmSync(p, { force: true });
      temporaries.clear();
    });
  }
  temporaries.add(path);
}

export function releaseTemporary(path: string): void {
  temporaries.delete(path);
}

let tmpCounter = 0;
function temporaryName(target: string, what = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${++tmpCounter}.${what}`);
}

/** Runs commit() and writeFileAtomic's rename step; the command line holds signals meanwhile. */
let criticalSection: <T>(fn: () => T) => T = (fn) => fn();

export function setCriticalSection(run: <T>(fn: () => T) => T): void {
  criticalSection = run;
}

// ---------------------------------------------------------------------------------------------
// checks
// ---------------------------------------------------------------------------------------------

function checkInput(a: PathArg, real: string): void {
  let st;
  try {
    st = statSync(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileAccessError(a.path, a.flag, code === 'ENOENT' ? 'not found (no such file)' : `cannot be read: ${fsReason(e)}`);
  }
  if (st.isDirectory()) throw new FileAccessError(a.path, a.flag, 'is a folder, expected a file');
  // a device such as /dev/zero never ends; a pipe (e.g. /dev/stdin fed by the shell) is fine
  if (st.isCharacterDevice() || st.isBlockDevice()) throw new FileAccessError(a.path, a.flag, 'is a device, expected a file');
  try {
    accessSync(real, constants.R_OK);
  } catch (e) {
    throw new FileAccessError(a.path, a.flag, `cannot be read: ${fsReason(e)}`);
  }
}

/** Folders (deepest last) that do not exist yet on the way to `dir`. */
function missingFolders(dir: string): string[] {
  const out: string[] = [];
  let d = dir;
  for (;;) {
    try {
      const st = statSync(d);
      if (!st.isDirectory()) return [...out, d]; // the caller reports d as not a folder
      return out;
    } catch {
      out.unshift(d);
      const parent = dirname(d);
      if (parent === d) return out;
      d = parent;
    }
  }
}

/** Check one output location; returns the folders to create (empty unless createFolder). */
function checkOutput(a: OutputArg, real: string): string[] {
  const dir = dirname(real);
  let toCreate: string[] = [];
  let probeDir = dir;
  let st;
  try {
    st = statSync(dir);
  } catch {
    st = undefined;
  }
  if (!st) {
    const missing = missingFolders(dir);
    const last = missing[missing.length - 1];
    if (last !== undefined) {
      let lastSt;
      try {
        lastSt = statSync(last);
      } catch {
        lastSt = undefined;
      }
      if (lastSt && !lastSt.isDirectory()) throw new FileAccessError(a.path, a.flag, `${last} is not a folder`);
    }
    if (!a.createFolder) throw new FileAccessError(a.path, a.flag, `the folder ${dirname(a.path)} does not exist (create it first)`);
    toCreate = missing;
    probeDir = dirname(missing[0] ?? dir);
  } else if (!st.isDirectory()) {
    throw new FileAccessError(a.path, a.flag, `${dirname(a.path)} is not a folder`);
  }
  try {
    const t = statSync(real);
    if (t.isDirectory()) throw new FileAccessError(a.path, a.flag, 'is a folder, expected a file name');
    if (!t.isFile()) throw new FileAccessError(a.path, a.flag, 'exists and is not a regular file (a device, pipe or socket); refusing to replace it');
  } catch (e) {
    if (e instanceof FileAccessError) throw e;
    // does not exist: fine
  }
  // can a new file be created there? (root passes access() checks that creating would fail)
  const probe = join(probeDir, `.dqp-probe.${process.pid}.${++tmpCounter}.tmp`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (e) {
    rmSync(probe, { force: true });
    throw new FileAccessError(a.path, a.flag, `cannot create a file in ${probeDir === dir ? `the folder ${dirname(a.path) || '.'}` : probeDir}: ${fsReason(e)}`);
  }
  return toCreate;
}

// ---------------------------------------------------------------------------------------------
// the plan
// ---------------------------------------------------------------------------------------------

interface Slot {
  readonly arg: OutputArg;
  readonly real: string;
  readonly createFolders: string[];
  tmp: string | null;
}

/** See the file comment. Build with prepareOutputs(). */
export class OutputPlan {
  private readonly slots: Slot[];
  private done = false;

  /** @internal use prepareOutputs */
  constructor(slots: Slot[]) {
    this.slots = slots;
  }

  /** The outputs of the plan (flag, path as given), in order. */
  get outputs(): readonly OutputArg[] {
    return this.slots.map((s) => s.arg);
  }

  private slot(key: string): Slot {
    const s = this.slots.find((x) => x.arg.flag === key) ?? this.slots.find((x) => x.arg.path === key) ?? this.findByTarget(key);
    if (!s) throw new Error(`OutputPlan: ${key} is not an output of this plan`);
    return s;
  }

  private findByTarget(path: string): Slot | undefined {
    const real = resolveTarget(path);
    return this.slots.find((x) => x.real === real);
  }

  /** True when `path` (any spelling) is one of the plan's outputs. */
  has(path: string): boolean {
    return this.findByTarget(path) !== undefined;
  }

  /** Stage the content of an output (by flag or path): written to its temporary file now, renamed at commit(). */
  write(key: string, content: string | Uint8Array): void {
    if (this.done) throw new Error('OutputPlan: already committed or aborted');
    const s = this.slot(key);
    try {
      for (const d of s.createFolders) mkdirSync(d, { recursive: true });
      const tmp = s.tmp ?? temporaryName(s.real);
      registerTemporary(tmp);
      s.tmp = tmp;
      writeFileSync(tmp, content);
    } catch (e) {
      this.abort();
      throw new FileAccessError(s.arg.path, s.arg.flag, `cannot be written: ${fsReason(e)}; no output was written`);
    }
  }

  /** Rename every staged output into place, all or none (see the file comment). */
  commit(): void {
    if (this.done) throw new Error('OutputPlan: already committed or aborted');
    criticalSection(() => this.commitNow());
  }

  private commitNow(): void {
    const staged = this.slots.filter((s) => s.tmp !== null);
    const backups = new Map<Slot, string>();
    const renamed: Slot[] = [];
    let failed: { slot: Slot; error: unknown } | null = null;
    for (const s of staged) {
      try {
        if (fileExists(s.real)) {
          const b = temporaryName(s.real, 'old');
          registerTemporary(b);
          try {
            linkSync(s.real, b);
          } catch {
            copyFileSync(s.real, b);
          }
          backups.set(s, b);
        }
        renameSync(s.tmp!, s.real);
        releaseTemporary(s.tmp!);
        s.tmp = null;
        renamed.push(s);
      } catch (e) {
        failed = { slot: s, error: e };
        break;
      }
    }
    if (!failed) {
      for (const b of backups.values()) {
        rmSync(b, { force: true });
        releaseTemporary(b);
      }
      this.done = true;
      return;
    }
    // roll back: restore what was there, remove what is new
    const unrestored: string[] = [];
    for (const s of renamed.reverse()) {
      const b = backups.get(s);
      try {
        if (b) renameSync(b, s.real);
        else unlinkSync(s.real);
      } catch {
        unrestored.push(s.arg.path);
      }
    }
    for (const b of backups.values()) {
      rmSync(b, { force: true });
      releaseTemporary(b);
    }
    this.abort();
    const { slot, error } = failed;
    const tail = unrestored.length ? `; could not restore ${unrestored.join(', ')}` : '; no output was written';
    throw new FileAccessError(slot.arg.path, slot.arg.flag, `cannot be written: ${fsReason(error)}${tail}`);
  }

  /** Drop every staged output (temporaries and created folders removed). Idempotent; no-op after commit. */
  abort(): void {
    if (this.done) return;
    for (const s of this.slots) {
      if (s.tmp) {
        rmSync(s.tmp, { force: true });
        releaseTemporary(s.tmp);
        s.tmp = null;
      }
    }
    for (const s of this.slots) {
      for (const d of [...s.createFolders].reverse()) {
        try {
          rmdirSync(d); // only if empty
        } catch {
          break;
        }
      }
    }
    this.done = true;
  }

  /**
   * Run `fn` with this plan active for writeFileAtomic (paths of its outputs are staged here);
   * commit when it resolves, abort when it throws.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = active;
    active = this;
    try {
      const value = await fn();
      active = previous;
      if (!this.done) this.commit();
      return value;
    } catch (e) {
      active = previous;
      if (!this.done) this.abort();
      throw e;
    }
  }
}

function fileExists(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Resolve and check every input and output of a command before it does any work (see the file
 * comment). Undefined entries (options not given) are skipped.
 */
export function prepareOutputs(spec: { inputs?: readonly (PathArg | undefined)[]; outputs: readonly (OutputArg | undefined)[] }): OutputPlan {
  const inputs = (spec.inputs ?? []).filter((x): x is PathArg => x !== undefined);
  const outputs = spec.outputs.filter((x): x is OutputArg => x !== undefined);
  const realIn = inputs.map((a) => resolveTarget(a.path));
  inputs.forEach((a, i) => checkInput(a, realIn[i]!));
  const realOut = outputs.map((a) => resolveTarget(a.path));
  const how = (a: PathArg, b: PathArg, real: string) => {
    const linked = resolve(a.path) !== real || resolve(b.path) !== real;
    return linked ? `both resolve to ${real}, through a symbolic link or '..'` : `both are ${real}`;
  };
  outputs.forEach((o, i) => {
    inputs.forEach((inp, j) => {
      if (realOut[i] === realIn[j]) throw new OutputCollisionError(o.flag, o.path, inp.flag, inp.path, `${how(o, inp, realOut[i]!)}; an output must not overwrite an input`);
    });
    for (let j = 0; j < i; j++) {
      if (realOut[i] === realOut[j]) throw new OutputCollisionError(o.flag, o.path, outputs[j]!.flag, outputs[j]!.path, `${how(o, outputs[j]!, realOut[i]!)}; two outputs must not share a file`);
    }
  });
  const slots: Slot[] = outputs.map((a, i) => ({ arg: a, real: realOut[i]!, createFolders: checkOutput(a, realOut[i]!), tmp: null }));
  return new OutputPlan(slots);
}

let active: OutputPlan | null = null;

/**
 * Write `content` to `path` atomically (temporary file in the same folder + one rename), so the
 * path is either untouched or complete. Inside OutputPlan.run, a path that is one of the plan's
 * outputs is staged in the plan instead (written at its commit). A missing folder is created.
 * File-system failures become FileAccessError(path, flag, reason).
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, flag = 'output'): void {
  if (active && active.has(path)) {
    active.write(path, content);
    return;
  }
  const real = resolveTarget(path);
  let tmp: string | null = null;
  try {
    mkdirSync(dirname(real), { recursive: true });
    tmp = temporaryName(real);
    const t = tmp;
    criticalSection(() => {
      registerTemporary(t);
      try {
        writeFileSync(t, content);
        renameSync(t, real);
      } finally {
        rmSync(t, { force: true });
        releaseTemporary(t);
      }
    });
  } catch (e) {
    throw new FileAccessError(path, flag, `cannot be written: ${fsReason(e)}`);
  }
}
