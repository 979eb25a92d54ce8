import { setPriority } from 'node:os';

/**
 * Threads that do work other than answering requests run below the request thread's priority,
 * so that on a busy machine the kernel runs the request thread first. Linux keeps a nice value per
 * thread, so each such thread lowers only its own.
 */

/**
 * Password hashing: the lowest priority. A hash was 20-30 ms of CPU when this was measured (about
 * 4 ms on the machines of 2026-12, with the parameters of password-hashing.ts). Measured on two
 * cores, 2 connections of keyed GETs beside 20 hashes/s in another process, p99 with ÷ without,
 * median of 4 rounds: nice 0 1.86, nice 10 1.56, nice 19 1.20 (SCHED_IDLE 1.18, but it fell behind
 * the 20/s). On 2026-12-07, with the thread of the server's own logins: nice 19 1.46, SCHED_IDLE
 * 1.63 (median of 7 rounds each).
 * The cost falls on logins only when every core is kept busy at normal priority: they then wait
 * for idle moments (a request thread alone keeps at most one core busy).
 */
export const HASHING_NICENESS = 19;

/**
 * The embedded database (PGlite runs every query on its own thread): every write a request makes
 * waits for it, so it stays above hashing, but the hot path never does. With 20 logins/s (six
 * queries each) beside 2 connections of keyed GETs, p99 with ÷ without, median of 4 rounds, three
 * servers side by side: nice 0 1.68, nice 10 1.43, nice 19 1.40.
 */
export const EMBEDDED_DATABASE_NICENESS = 10;

/** Lowers the calling thread to `niceness`; where that is refused, the thread runs at normal priority. */
export function lowerThreadPriority(niceness: number): void {
  try {
    setPriority(0, niceness);
  } catch {
    // Not allowed here (or nice values are per process): the work still runs off the request thread.
  }
}
