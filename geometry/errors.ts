/**
 * How the geometry module reports bad meshes and targets: with the file named when the data
 * came from a file (FileFormatError(file, "<what is wrong>; expected <what dqp needs>")),
 * otherwise as an InputError naming the argument. Both are typed errors of optimizer/errors.ts.
 */
import { FileFormatError, InputError } from '../optimizer/errors.ts';
import type { DqpError } from '../optimizer/errors.ts';

export function geometryError(source: string | undefined, argument: string, expected: string, found: string): DqpError {
  return source ? new FileFormatError(source, `${found}; expected ${expected}`) : new InputError(argument, expected, found);
}
