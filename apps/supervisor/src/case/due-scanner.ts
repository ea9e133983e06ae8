import { describeError, JsonLogger } from '@switchboard/observability';
import type { CaseService } from './case.service';

/**
 * Periodically feeds due step deadlines and retries into the state machine. Several supervisor instances may scan
 * at once: `FOR UPDATE SKIP LOCKED` hands each due case to one of them.
 */
export class DueScanner {
  private readonly logger = new JsonLogger(DueScanner.name);
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;

  constructor(private readonly cases: CaseService, private readonly intervalMs: number) {}

  start(): void {
    this.timer ??= setInterval(() => {
      this.inFlight ??= this.scan().finally(() => (this.inFlight = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  async scan(): Promise<void> {
    try {
      const handled = await this.cases.tickDue();
      if (handled > 0) this.logger.debug('due cases handled', { handled });
    } catch (error) {
      this.logger.error('scanning due cases failed; next interval retries', { error: describeError(error) });
    }
  }
}
