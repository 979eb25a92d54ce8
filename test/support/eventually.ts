/**
 * `read()` again every 100 ms until `done` holds for its value or `timeoutMs` has passed, and that
 * value, for the test's own assertion to judge. For what the service does behind a request (usage
 * written behind, detectors, scheduled sweeps) on the database's own time, which a busy machine
 * stretches: a fixed wait there is a timing assumption. Absences still need a fixed wait; a late
 * write can only make them pass.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}
