import { Body, Controller, Get, Headers, HttpCode, Param, Post, Put, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Response } from 'express';
import { z } from 'zod';
import { ApiKeyGuard } from '../api-key.guard';
import { AcmeError } from '../acme.errors';
import { FaultsInterceptor } from '../faults/faults.interceptor';
import { AcmeService, type WriteContext } from './acme.service';

function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AcmeError(400, 'VALIDATION_FAILED', result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return result.data;
}

const Limit = z.coerce.number().int().min(1).max(100).default(20);
const EmailQuery = z.object({ email: z.string().email() });
const AttemptsQuery = z.object({ email: z.string().email().optional(), limit: Limit });
const FlagBody = z.strictObject({ enabled: z.boolean() });
const ExtendBody = z.strictObject({ days: z.number().int(), reason: z.string().max(500).optional() });
const RefundBody = z.strictObject({ amount: z.number(), reason: z.string().min(1).max(500) });
const UnlockBody = z.strictObject({ email: z.string().email() });

function ctx(idempotencyKey: string | undefined, operation: string, ...parts: unknown[]): WriteContext {
  return { ...(idempotencyKey ? { idempotencyKey: idempotencyKey.slice(0, 200) } : {}), fingerprint: JSON.stringify([operation, ...parts]) };
}

/** The edge of Acme's admin API: parse, call one service method, mark idempotent replays. */
@Controller('tenants/:tenantId')
@UseGuards(ApiKeyGuard)
@UseInterceptors(FaultsInterceptor)
export class TenantsController {
  constructor(private readonly acme: AcmeService) {}

  @Get()
  getTenant(@Param('tenantId') tenantId: string) {
    return this.acme.getTenant(tenantId);
  }

  @Get('user')
  getUser(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    return this.acme.getUser(tenantId, parse(EmailQuery, query).email);
  }

  @Get('login-attempts')
  getLoginAttempts(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    const q = parse(AttemptsQuery, query);
    return this.acme.getLoginAttempts(tenantId, q.email, q.limit);
  }

  @Get('feature-flags')
  getFeatureFlags(@Param('tenantId') tenantId: string) {
    return this.acme.getFlags(tenantId);
  }

  @Get('feature-flags/:flag')
  getFeatureFlag(@Param('tenantId') tenantId: string, @Param('flag') flag: string) {
    return this.acme.getFlag(tenantId, flag);
  }

  @Put('feature-flags/:flag')
  async setFeatureFlag(@Param('tenantId') tenantId: string, @Param('flag') flag: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    const { enabled } = parse(FlagBody, body);
    return replay(res, await this.acme.setFlag(tenantId, flag, enabled, ctx(key, 'setFlag', tenantId, flag, enabled)));
  }

  @Get('cache')
  getCache(@Param('tenantId') tenantId: string) {
    return this.acme.getCache(tenantId);
  }

  @Post('cache/reset')
  @HttpCode(200)
  async resetCache(@Param('tenantId') tenantId: string, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    return replay(res, await this.acme.resetCache(tenantId, ctx(key, 'resetCache', tenantId)));
  }

  @Get('trial')
  getTrial(@Param('tenantId') tenantId: string) {
    return this.acme.getTrial(tenantId);
  }

  @Post('trial/extend')
  @HttpCode(200)
  async extendTrial(@Param('tenantId') tenantId: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    const b = parse(ExtendBody, body);
    return replay(res, await this.acme.extendTrial(tenantId, b.days, b.reason, ctx(key, 'extendTrial', tenantId, b)));
  }

  @Get('invoices')
  listInvoices(@Param('tenantId') tenantId: string) {
    return this.acme.listInvoices(tenantId);
  }

  @Get('invoices/:invoiceId')
  getInvoice(@Param('tenantId') tenantId: string, @Param('invoiceId') invoiceId: string) {
    return this.acme.getInvoice(tenantId, invoiceId);
  }

  @Post('invoices/:invoiceId/refunds')
  @HttpCode(201)
  async issueRefund(@Param('tenantId') tenantId: string, @Param('invoiceId') invoiceId: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    const b = parse(RefundBody, body);
    return replay(res, await this.acme.issueRefund(tenantId, invoiceId, b.amount, b.reason, ctx(key, 'issueRefund', tenantId, invoiceId, b.amount, b.reason)));
  }

  @Post('users/unlock')
  @HttpCode(200)
  async unlockUser(@Param('tenantId') tenantId: string, @Body() body: unknown, @Headers('idempotency-key') key: string | undefined, @Res({ passthrough: true }) res: Response) {
    const { email } = parse(UnlockBody, body);
    return replay(res, await this.acme.unlockUser(tenantId, email, ctx(key, 'unlockUser', tenantId, email.toLowerCase())));
  }

  @Get('events')
  getEvents(@Param('tenantId') tenantId: string, @Query() query: unknown) {
    return this.acme.getEvents(tenantId, parse(z.object({ limit: Limit }), query).limit);
  }
}

function replay<T>(res: Response, outcome: { body: T; replayed: boolean }): T {
  if (outcome.replayed) res.setHeader('idempotent-replayed', 'true');
  return outcome.body;
}
