/** The error `fn` throws (as type T); fails the test when it throws nothing. */
export function thrown<T = Error>(fn: () => unknown): T {
  try {
    fn();
  } catch (err) {
    return err as T;
  }
  throw new Error('expected a throw, got none');
}
