/**
 * The one output channel of the backends' verbose progress lines (settings.verbose).
 *
 * console.error rather than process.stderr.write: the backends also run in a browser, where
 * `process` does not exist. (Integration point: route this to the library's log sink.)
 */
export function log(message: string): void {
  console.error(message);
}
