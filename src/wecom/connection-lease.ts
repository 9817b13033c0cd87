import type { Clock } from '../clock';
import type { ClaimRepository } from '../db/claims';

/**
 * One holder among several instances, by claims on time slots (`<key>:<slot>`): the holder claims
 * each next slot ahead of time, the others only the slot that has begun. So while the holder
 * lives nobody else gets a slot; when it dies, the first slot it did not claim goes to a standby,
 * at most two slots later. Insert-only, like every claim here (FerretDB makes no update atomic).
 */
export interface ConnectionLease {
  /** One look: claim or renew; returns whether this instance holds the lease now. */
  tick(): Promise<boolean>;
  /** Gives the lease up at once (a graceful stop), so a standby takes over on its next look. */
  release(): Promise<void>;
  /** Stops claiming for a while (another connection outside the lease took over). */
  pause(ms: number): void;
  readonly holding: boolean;
}

export function createConnectionLease(options: { claims: ClaimRepository; key: string; owner: string; clock: Clock; slotMs?: number }): ConnectionLease {
  const slotMs = options.slotMs ?? 15_000;
  const held = new Set<number>();
  let holding = false;
  let pausedUntil = -Infinity;
  const keyOf = (slot: number): string => `${options.key}:${slot}`;
  const claim = async (slot: number): Promise<boolean> => {
    if (held.has(slot)) return true;
    if (await options.claims.tryClaim(keyOf(slot), { owner: options.owner })) {
      held.add(slot);
      return true;
    }
    return false;
  };

  return {
    get holding() {
      return holding;
    },
    async tick() {
      const now = options.clock.now().getTime();
      const slot = Math.floor(now / slotMs);
      for (const s of held) if (s < slot) held.delete(s);
      if (now < pausedUntil) {
        holding = false;
        return false;
      }
      // A holder missed claiming this slot ahead only if it stalled; it may still have won it now.
      holding = (holding && held.has(slot)) || (await claim(slot));
      if (holding) await claim(slot + 1);
      return holding;
    },
    async release() {
      holding = false;
      for (const s of held) await options.claims.release(keyOf(s));
      held.clear();
    },
    pause(ms) {
      pausedUntil = options.clock.now().getTime() + ms;
    },
  };
}
