import { IntakeFindingsSchema } from '@switchboard/contracts';
import { describeError, JsonLogger } from '@switchboard/observability';
import type { CaseService } from '../case/case.service';
import type { TenantAdmission } from './tenant-admission';

/**
 * Admits queued tickets (see {@link TenantAdmission}) on an interval, and promptly when a case of this replica left
 * the agents' hands (`poke`), so a freed slot is taken within milliseconds rather than at the next interval. Rounds
 * never overlap; a poke during a round runs one more round after it.
 */
export class AdmissionScanner {
  private readonly logger = new JsonLogger(AdmissionScanner.name);
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<void>;
  private again = false;
  private running = false;

  constructor(private readonly admission: TenantAdmission, private readonly cases: CaseService, private readonly intervalMs: number) {}

  start(): void {
    if (!this.admission.enabled) return;
    this.running = true;
    this.timer ??= setInterval(() => this.poke(), this.intervalMs);
  }

  /** A slot may have come free: scan now (or right after the round in progress). */
  poke(): void {
    if (!this.running) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.inFlight = this.round().finally(() => {
      this.inFlight = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  private async round(): Promise<void> {
    try {
      const admitted = await this.admission.release(({ intake, ...envelope }) =>
        this.cases.onTicket(envelope, { admitted: true, intake: IntakeFindingsSchema.safeParse(intake).data ?? null }));
      if (admitted > 0) this.logger.debug('queued tickets admitted', { admitted });
    } catch (error) {
      this.logger.error('admitting queued tickets failed; the next round retries', { error: describeError(error) });
    }
  }
}
