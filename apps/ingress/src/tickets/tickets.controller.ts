import {
  Body, Controller, HttpCode, HttpException, HttpStatus, Inject, Post, Req, Res, UnauthorizedException, UnprocessableEntityException, ServiceUnavailableException,
} from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import type { Request, Response } from 'express';
import { JsonLogger, SwitchboardError } from '@switchboard/observability';
import { TenantRefusedError } from '@switchboard/tenancy';
import { INGRESS_CONFIG, type IngressConfig } from '../ingress.config';
import { verifyZendeskWebhook } from '@switchboard/webhooks';
import { apiKeyAccepted } from './request-auth';
import { TenantRateLimitedError } from './tenant-rate-limit';
import { TicketInvalidError, TicketService, type Accepted } from './ticket.service';

/** The HTTP edge: authenticates, hands the body to {@link TicketService}, maps domain errors to statuses. */
@Controller()
export class TicketsController {
  private readonly logger = new JsonLogger(TicketsController.name);

  constructor(
    private readonly tickets: TicketService,
    @Inject(INGRESS_CONFIG) private readonly config: IngressConfig,
  ) {}

  @Post('tickets')
  @HttpCode(HttpStatus.ACCEPTED)
  async postTicket(@Req() req: Request, @Res({ passthrough: true }) res: Response, @Body() body: unknown): Promise<Accepted & { status: 'accepted' }> {
    if (!apiKeyAccepted(req.headers, this.config.INGRESS_API_KEYS)) {
      this.logger.warn('rejected unauthenticated POST /tickets', { ip: req.ip });
      throw new UnauthorizedException({ code: 'INGRESS.UNAUTHENTICATED', message: 'send a valid API key in X-Api-Key or Authorization: Bearer' });
    }
    return { status: 'accepted', ...(await this.run(() => this.tickets.acceptTicket(body), res)) };
  }

  @Post('webhooks/zendesk')
  @HttpCode(HttpStatus.ACCEPTED)
  async postZendesk(@Req() req: RawBodyRequest<Request>, @Body() body: unknown): Promise<Accepted & { status: 'accepted' }> {
    const verdict = verifyZendeskWebhook(req, { secret: this.config.ZENDESK_WEBHOOK_SECRET, maxSkewSeconds: this.config.ZENDESK_MAX_SKEW_SECONDS });
    if (!verdict.ok) {
      this.logger.warn('rejected Zendesk webhook', { reason: verdict.reason, ip: req.ip });
      throw new UnauthorizedException({ code: 'INGRESS.SIGNATURE_INVALID', message: verdict.reason });
    }
    return { status: 'accepted', ...(await this.run(() => this.tickets.acceptZendesk(body))) };
  }

  private async run(fn: () => Promise<Accepted>, res?: Response): Promise<Accepted> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof TenantRateLimitedError) {
        this.logger.warn('ticket refused: tenant over its allowance', { tenantId: error.tenantId, retryAfterSeconds: error.retryAfterSeconds });
        res?.setHeader('Retry-After', String(error.retryAfterSeconds));
        throw new HttpException({ code: error.code, message: error.message, retryAfterSeconds: error.retryAfterSeconds }, HttpStatus.TOO_MANY_REQUESTS);
      }
      if (error instanceof TicketInvalidError) throw new UnprocessableEntityException({ code: error.code, message: error.message, issues: error.issues });
      if (error instanceof TenantRefusedError) throw new UnprocessableEntityException({ code: error.code, message: error.message });
      // A refusal of the ticket itself (e.g. the bus's own schema check) is final: a 503 would make the client retry forever.
      if (error instanceof SwitchboardError && error.category === 'user') {
        this.logger.warn('ticket refused when publishing', { code: error.code, message: error.message });
        throw new UnprocessableEntityException({ code: error.code, message: error.message, issues: [] });
      }
      this.logger.error('could not publish ticket', { error });
      throw new ServiceUnavailableException({ code: 'INGRESS.PUBLISH_FAILED', message: 'the ticket could not be queued; retry later' });
    }
  }
}
