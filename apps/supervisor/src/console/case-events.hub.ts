import { JsonLogger, describeError } from '@switchboard/observability';
import type { CaseChange, ConsoleRepository } from './console.repository';

interface Subscriber {
  send(change: CaseChange): void;
  end(): void;
}

// updated_at is the decision time, stamped before the transaction commits: a slow commit can land behind the cursor.
// Each poll looks this far back and skips (case, version) pairs it already sent.
const LOOKBACK_MS = 5_000;

/**
 * Case status changes for the console's live inbox (`GET /v1/events`). One poller per process, running only while a
 * browser listens, however many listen: one indexed query per interval.
 */
export class CaseEventsHub {
  private readonly logger = new JsonLogger(CaseEventsHub.name);
  private readonly subscribers = new Set<Subscriber>();
  private readonly sent = new Map<string, { version: number; at: number }>();
  private timer?: NodeJS.Timeout;
  private cursor = 0;

  constructor(private readonly repo: ConsoleRepository, private readonly intervalMs = 1_000) {}

  subscribe(subscriber: Subscriber): () => void {
    this.subscribers.add(subscriber);
    if (!this.timer) {
      this.cursor = Date.now();
      this.schedule();
    }
    return () => {
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stop();
    };
  }

  /** Ends every open stream (application shutdown; browsers reconnect to another instance). */
  closeAll(): void {
    for (const s of this.subscribers) s.end();
    this.subscribers.clear();
    this.stop();
  }

  get listeners(): number {
    return this.subscribers.size;
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.sent.clear();
  }

  private schedule(): void {
    this.timer = setTimeout(() => void this.poll().finally(() => this.subscribers.size > 0 && this.timer && this.schedule()), this.intervalMs);
  }

  private async poll(): Promise<void> {
    try {
      const changes = await this.repo.changedSince(new Date(this.cursor - LOOKBACK_MS), 500);
      for (const change of changes) {
        const at = Date.parse(change.updatedAt);
        this.cursor = Math.max(this.cursor, at);
        if ((this.sent.get(change.caseId)?.version ?? -1) >= change.version) continue;
        this.sent.set(change.caseId, { version: change.version, at });
        for (const s of this.subscribers) s.send(change);
      }
      for (const [caseId, v] of this.sent) if (v.at < this.cursor - 2 * LOOKBACK_MS) this.sent.delete(caseId);
    } catch (error) {
      this.logger.warn('case change poll failed; retrying', { error: describeError(error) });
    }
  }
}
