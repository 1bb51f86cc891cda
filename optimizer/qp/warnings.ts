/**
 * The QP layer's warnings (unknown backend options, a backend failure turned into a status, a
 * tolerance clamped to what a backend accepts) go through the library's one warning channel:
 * this module only re-exports it under its older path (see optimizer/log.ts).
 */
export { resetWarnOnce, setWarningHandler, warn, warnOnce, type WarningHandler } from '../log.ts';
