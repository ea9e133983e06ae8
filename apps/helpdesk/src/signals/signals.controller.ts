import { Body, Controller, HttpCode, HttpStatus, Inject, NotFoundException, Post, Req, ServiceUnavailableException, UnauthorizedException, UnprocessableEntityException } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request } from 'express';
import { JsonLogger } from '@switchboard/observability';
import { verifyZendeskWebhook } from '@switchboard/webhooks';
import { HELPDESK_CONFIG, type HelpdeskConfig } from '../helpdesk.config';
import { SignalInvalidError, SignalService, UnknownTicketError, type AcceptedSignal } from './signal.service';

/** The HTTP edge for helpdesk webhooks: verifies the signature, hands the body to {@link SignalService}, maps errors. */
@Controller('webhooks')
export class SignalsController {
  private readonly logger = new JsonLogger(SignalsController.name);

  constructor(private readonly signals: SignalService, @Inject(HELPDESK_CONFIG) private readonly config: HelpdeskConfig) {}

  @Post('zendesk')
  @HttpCode(HttpStatus.ACCEPTED)
  async postZendesk(@Req() req: RawBodyRequest<Request>, @Body() body: unknown): Promise<AcceptedSignal & { status: 'accepted' }> {
    const verdict = verifyZendeskWebhook(req, { secret: this.config.ZENDESK_WEBHOOK_SECRET, maxSkewSeconds: this.config.ZENDESK_MAX_SKEW_SECONDS });
    if (!verdict.ok) {
      this.logger.warn('rejected Zendesk webhook', { reason: verdict.reason, ip: req.ip });
      throw new UnauthorizedException({ code: 'HELPDESK.SIGNATURE_INVALID', message: verdict.reason });
    }
    try {
      return { status: 'accepted', ...(await this.signals.acceptZendesk(body)) };
    } catch (error) {
      if (error instanceof SignalInvalidError) throw new UnprocessableEntityException({ code: error.code, message: error.message, issues: error.issues });
      if (error instanceof UnknownTicketError) throw new NotFoundException({ code: error.code, message: error.message });
      this.logger.error('could not publish a ticket signal', { error });
      throw new ServiceUnavailableException({ code: 'HELPDESK.PUBLISH_FAILED', message: 'the signal could not be queued; Zendesk retries the webhook' });
    }
  }
}
