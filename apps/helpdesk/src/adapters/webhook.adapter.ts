import { JsonLogger } from '@switchboard/observability';
import { signWebhook } from '@switchboard/webhooks';
import { HelpdeskRateLimitedError, HelpdeskRejectedError, HelpdeskUnavailableError, retryAfterSeconds } from './helpdesk.errors';
import { HelpdeskPort, type DeliveryReceipt, type DeliveryRequest } from './helpdesk.port';

/** Headers of the generic webhook (docs/helpdesk.md). */
export const WEBHOOK_HEADERS = {
  signature: 'x-switchboard-signature',
  timestamp: 'x-switchboard-signature-timestamp',
  delivery: 'x-switchboard-delivery',
} as const;

export interface WebhookOptions {
  url: string;
  secret: string;
  retries: number;
  backoffMs: number;
  timeoutMs: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The generic signed webhook for helpdesks other than Zendesk: POSTs the event (docs/contracts/
 * helpdesk-webhook-event.schema.json) with `X-Switchboard-Signature` = base64(HMAC-SHA256(secret, timestamp + body)).
 * 5xx, 429 and network errors are retried here with exponential backoff (a longer Retry-After wins), then through the
 * retry topic. Delivery is at least once: the body's `id` is the same on every retry, so the receiver drops repeats;
 * a 409 answer is taken as "already have it".
 */
export class WebhookAdapter extends HelpdeskPort {
  readonly target = 'webhook' as const;
  private readonly logger = new JsonLogger(WebhookAdapter.name);
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: WebhookOptions) {
    super();
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async deliver(request: DeliveryRequest): Promise<DeliveryReceipt> {
    const body = JSON.stringify(request.event);
    for (let attempt = 0; ; attempt++) {
      // Signed afresh per attempt: the timestamp must be recent for the receiver's replay window.
      const timestamp = new Date().toISOString();
      let failure: string;
      let retryAfter: number | undefined;
      let limited = false;
      try {
        const res = await fetch(this.options.url, {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            [WEBHOOK_HEADERS.signature]: signWebhook(this.options.secret, timestamp, body),
            [WEBHOOK_HEADERS.timestamp]: timestamp,
            [WEBHOOK_HEADERS.delivery]: request.deliveryId,
          },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        const text = await res.text().catch(() => '');
        if (res.ok) return { alreadyThere: false };
        if (res.status === 409) return { alreadyThere: true };
        if (res.status !== 429 && res.status < 500) {
          throw new HelpdeskRejectedError(`webhook receiver refused the delivery: ${res.status} ${text.slice(0, 200)}`.trim(), { status: res.status });
        }
        limited = res.status === 429;
        retryAfter = retryAfterSeconds(res.headers.get('retry-after'));
        failure = `${res.status} ${text.slice(0, 200)}`.trim();
      } catch (error) {
        if (error instanceof HelpdeskRejectedError) throw error;
        failure = (error as Error).message;
      }
      if (attempt >= this.options.retries) {
        const message = `webhook ${this.options.url} failed ${attempt + 1} times; last: ${failure}`;
        throw limited ? new HelpdeskRateLimitedError(message) : new HelpdeskUnavailableError(message);
      }
      const delay = Math.max(this.options.backoffMs * 2 ** attempt, (retryAfter ?? 0) * 1000);
      this.logger.warn('webhook delivery failed; retrying', { deliveryId: request.deliveryId, attempt: attempt + 1, delayMs: delay, failure });
      await this.sleep(delay);
    }
  }
}
