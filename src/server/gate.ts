/**
 * Holds new client requests on the leader during a switchover: they wait here instead of being
 * proposed, then continue — on the new leader through forwarding, or here if the switchover was
 * aborted — so clients see a short pause rather than an error.
 */
export class LeadershipGate {
  private held: Promise<void> | null = null;
  private release_: (() => void) | null = null;

  get isHeld(): boolean {
    return this.held !== null;
  }

  /** Starts holding; returns the function that lets everything through again. */
  hold(): () => void {
    if (!this.held) {
      this.held = new Promise<void>((resolve) => (this.release_ = resolve));
    }
    return () => this.release();
  }

  private release(): void {
    const r = this.release_;
    this.held = null;
    this.release_ = null;
    r?.();
  }

  /** Resolves when not held (immediately in the common case). */
  wait(): Promise<void> {
    return this.held ?? Promise.resolve();
  }
}
