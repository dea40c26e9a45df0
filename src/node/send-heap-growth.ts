// V8's heap growing factor while this node sends snapshots. A send allocates ~3 MiB of Buffers per
// MiB sent (LevelDB's values, the encoded message, grpc-js's framed copy), and V8 counts Buffers
// allocated since its last mark-compact against the old generation's limit: on a small heap
// (~24 MB) about 8 MB of them start the next marking, so the sender marks back to back and the
// node's other requests wait for its pauses (docs/performance.md, "Fewer buffers per byte sent,
// and what V8 starts its marking on"). A larger growing factor gives those Buffers room; it is
// raised only while a send is open because it costs memory on every allocation.
import { setFlagsFromString } from 'node:v8';
import { releaseIfUnstarted } from '../common/release-unstarted.js';

/** The growing factor, in percent over 1, while a snapshot is being sent (--heap-growing-percent). */
export const DEFAULT_SEND_HEAP_GROWING_PERCENT = 300;

/**
 * Streams being read in this process, by every SendHeapGrowth: the flag is the process's (a test
 * process may hold several nodes), so the last stream to end puts it back.
 */
let open = 0;

/** The factor outside sends (heap-growth.ts sets it for the whole process); 0 is V8's own. */
let base = 0;
/** The largest factor of the sends open now (0 when none is). */
let sendPercent = 0;
/** The factor last given to V8 (0: V8's own, as at start). */
let applied = 0;

/** The growing factor this process's V8 runs with now, in percent (0: V8's own); a gauge. */
export function heapGrowingPercentInForce(): number {
  return applied;
}

/** Gives V8 the larger of the base and the open sends' factor, if that changed. */
function apply(setFlags: (flags: string) => void): void {
  const want = Math.max(base, sendPercent);
  if (want === applied) return;
  applied = want;
  setFlags(`--heap-growing-percent=${want}`);
}

/**
 * Sets the factor the process runs with outside snapshot sends (heap-growth.ts): applied at once
 * unless a send's larger factor holds; the end of the last send puts it back, not V8's own.
 */
export function setBaseHeapGrowth(percent: number, setFlags: (flags: string) => void = setFlagsFromString): void {
  base = percent;
  apply(setFlags);
}

/** Raises V8's heap growing factor while at least one wrapped snapshot stream is being read. */
export class SendHeapGrowth {

  /** `percent` 0: V8's own factor always. `setFlags` is V8's (tests pass a recorder). */
  constructor(
    private readonly percent: number,
    private readonly setFlags: (flags: string) => void = setFlagsFromString,
  ) {}

  /** Streams being read now, in this process. */
  get sending(): number {
    return open;
  }

  /**
   * `chunks` as they are, with the factor raised from the first read to the end of the stream,
   * however it ends (read to the end, failed, or abandoned by the consumer's return()).
   */
  wrap(chunks: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    if (this.percent <= 0) return chunks;
    // A send's factor only ever raises the process's (setBaseHeapGrowth), and the last send's end
    // puts that back; 0 is V8's default: the factor it derives from its own collection speed.
    const begin = (): void => {
      open++;
      sendPercent = Math.max(sendPercent, this.percent);
      apply(this.setFlags);
    };
    const end = (): void => {
      if (--open === 0) sendPercent = 0;
      apply(this.setFlags);
    };
    const inner = chunks[Symbol.asyncIterator]();
    const held = (async function* held() {
      begin();
      try {
        yield* { [Symbol.asyncIterator]: () => inner };
      } finally {
        end();
      }
    })();
    // Returned before its first read, the generator would not reach `inner` (a LevelDB snapshot).
    return releaseIfUnstarted(held, async () => inner.return?.());
  }
}
