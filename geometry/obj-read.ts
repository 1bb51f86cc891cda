/**
 * OBJ meshes from disk (Node): readObjFile(path) = readObj(the file's text, path). The parser
 * itself is obj-parse.ts (no Node built-ins, usable in a web page); it is re-exported here.
 */
import { readFileSync } from 'node:fs';
import { FileFormatError } from '../optimizer/errors.ts';
import { readObj, type ObjMesh } from './obj-parse.ts';

export { readObj, type ObjMesh } from './obj-parse.ts';

/**
 * Read an OBJ file from disk. A missing or unreadable file is a FileFormatError naming it.
 */
export function readObjFile(path: string): ObjMesh {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FileFormatError(path, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`);
  }
  return readObj(text, path);
}
