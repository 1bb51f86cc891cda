/**
 * The one output channel of the backends' verbose progress lines (settings.verbose): the
 * library's log sink (optimizer/log.ts), so `setLogHandler` redirects them and they work where
 * there is no `process` (a browser).
 */
export { logLine as log } from '../../log.ts';
