import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { AcmeError, notFound } from '../acme.errors';
import { AcmeRepository, type Db } from './acme.repository';

export const MAX_TRIAL_EXTENSION_DAYS = 30;

/** A write's identity for Idempotency-Key checks: the same key with a different request is refused. */
export interface WriteContext {
  idempotencyKey?: string;
  fingerprint: string;
}

/** Acme's business rules. Reads go straight to the repository; writes run in one transaction each. */
@Injectable()
export class AcmeService {
  constructor(private readonly repo: AcmeRepository) {}

  private get db(): Db {
    return this.repo.pool;
  }

  private async requireTenant(db: Db, tenantId: string) {
    const tenant = await this.repo.tenant(db, tenantId);
    if (!tenant) throw notFound(`tenant "${tenantId}"`);
    return tenant;
  }

  getTenant(tenantId: string) {
    return this.requireTenant(this.db, tenantId);
  }

  async getUser(tenantId: string, email: string) {
    await this.requireTenant(this.db, tenantId);
    return (await this.repo.user(this.db, tenantId, email)) ?? Promise.reject(notFound(`user "${email}" of tenant "${tenantId}"`));
  }

  async getLoginAttempts(tenantId: string, email: string | undefined, limit: number) {
    await this.requireTenant(this.db, tenantId);
    return { tenantId, attempts: await this.repo.loginAttempts(this.db, tenantId, email, limit) };
  }

  async getFlags(tenantId: string) {
    await this.requireTenant(this.db, tenantId);
    return { tenantId, flags: await this.repo.flags(this.db, tenantId) };
  }

  async getFlag(tenantId: string, flag: string) {
    await this.requireTenant(this.db, tenantId);
    return (await this.repo.flag(this.db, tenantId, flag)) ?? Promise.reject(notFound(`feature flag "${flag}" of tenant "${tenantId}"`));
  }

  async getCache(tenantId: string) {
    await this.requireTenant(this.db, tenantId);
    return (await this.repo.cache(this.db, tenantId)) ?? Promise.reject(notFound(`cache of tenant "${tenantId}"`));
  }

  async getTrial(tenantId: string) {
    await this.requireTenant(this.db, tenantId);
    return (await this.repo.trial(this.db, tenantId)) ?? Promise.reject(notFound(`trial of tenant "${tenantId}"`));
  }

  async listInvoices(tenantId: string) {
    await this.requireTenant(this.db, tenantId);
    return { tenantId, invoices: await this.repo.invoices(this.db, tenantId) };
  }

  async getInvoice(tenantId: string, invoiceId: string) {
    await this.requireTenant(this.db, tenantId);
    const invoice = await this.repo.invoice(this.db, tenantId, invoiceId);
    if (!invoice) throw notFound(`invoice "${invoiceId}" of tenant "${tenantId}"`);
    const { amountCents: _a, remainingCents: _r, ...view } = invoice;
    return view;
  }

  async getEvents(tenantId: string, limit: number) {
    await this.requireTenant(this.db, tenantId);
    return { tenantId, events: await this.repo.events(this.db, tenantId, limit) };
  }

  resetCache(tenantId: string, ctx: WriteContext) {
    return this.write(ctx, async (tx) => {
      await this.requireTenant(tx, tenantId);
      await this.repo.resetCache(tx, tenantId);
      await this.repo.event(tx, tenantId, 'cache.reset', {});
      const cache = (await this.repo.cache(tx, tenantId))!;
      return { tenantId, status: cache.status, version: cache.version, lastResetAt: cache.lastResetAt };
    });
  }

  setFlag(tenantId: string, flag: string, enabled: boolean, ctx: WriteContext) {
    return this.write(ctx, async (tx) => {
      await this.requireTenant(tx, tenantId);
      const current = await this.repo.flag(tx, tenantId, flag, true);
      if (!current) throw notFound(`feature flag "${flag}" of tenant "${tenantId}"`);
      if (current.enabled !== enabled) {
        await this.repo.setFlag(tx, tenantId, flag, enabled);
        // Flag changes invalidate the tenant's cached settings until the cache is rebuilt.
        await this.repo.markCacheStale(tx, tenantId);
        await this.repo.event(tx, tenantId, 'feature_flag.changed', { flag, enabled });
      }
      return (await this.repo.flag(tx, tenantId, flag))!;
    });
  }

  extendTrial(tenantId: string, days: number, reason: string | undefined, ctx: WriteContext) {
    return this.write(ctx, async (tx) => {
      if (!Number.isInteger(days) || days < 1 || days > MAX_TRIAL_EXTENSION_DAYS) {
        throw new AcmeError(422, 'TRIAL_EXTENSION_TOO_LONG', `a trial can be extended by 1 to ${MAX_TRIAL_EXTENSION_DAYS} days at a time, not ${days}`);
      }
      await this.requireTenant(tx, tenantId);
      const trial = await this.repo.trial(tx, tenantId, true);
      if (!trial) throw notFound(`trial of tenant "${tenantId}"`);
      if (trial.status === 'converted') throw new AcmeError(409, 'TRIAL_CONVERTED', `tenant "${tenantId}" already converted to a paid plan; its trial cannot be extended`);
      await this.repo.extendTrial(tx, tenantId, days);
      await this.repo.event(tx, tenantId, 'trial.extended', { days, ...(reason ? { reason } : {}) });
      return (await this.repo.trial(tx, tenantId))!;
    });
  }

  issueRefund(tenantId: string, invoiceId: string, amount: number, reason: string, ctx: WriteContext) {
    return this.write(ctx, async (tx) => {
      const cents = Math.round(amount * 100);
      if (!(amount > 0) || Math.abs(amount * 100 - cents) > 1e-6) throw new AcmeError(422, 'INVALID_AMOUNT', `refund amount must be positive with at most two decimals, got ${amount}`);
      await this.requireTenant(tx, tenantId);
      const invoice = await this.repo.invoice(tx, tenantId, invoiceId, true);
      if (!invoice) throw notFound(`invoice "${invoiceId}" of tenant "${tenantId}"`);
      if (invoice.status !== 'paid') throw new AcmeError(409, 'INVOICE_NOT_PAID', `invoice "${invoiceId}" is ${invoice.status}; only paid invoices can be refunded`);
      if (cents > invoice.remainingCents) {
        throw new AcmeError(422, 'REFUND_EXCEEDS_REMAINING', `refund ${amount} exceeds the refundable remainder ${invoice.remaining} of invoice "${invoiceId}"`);
      }
      const id = `ref_${randomUUID().slice(0, 8)}`;
      const createdAt = await this.repo.insertRefund(tx, { id, invoiceId, tenantId, amountCents: cents, reason });
      await this.repo.event(tx, tenantId, 'refund.issued', { invoiceId, refundId: id, amount });
      return { id, invoiceId, tenantId, amount: cents / 100, currency: invoice.currency, reason, remaining: (invoice.remainingCents - cents) / 100, createdAt };
    });
  }

  unlockUser(tenantId: string, email: string, ctx: WriteContext) {
    return this.write(ctx, async (tx) => {
      await this.requireTenant(tx, tenantId);
      const user = await this.repo.user(tx, tenantId, email, true);
      if (!user) throw notFound(`user "${email}" of tenant "${tenantId}"`);
      if (!user.locked) throw new AcmeError(409, 'ACCOUNT_NOT_LOCKED', `user "${email}" is not locked`);
      await this.repo.unlockUser(tx, user.id);
      await this.repo.event(tx, tenantId, 'user.unlocked', { email });
      return (await this.repo.user(tx, tenantId, email))!;
    });
  }

  /**
   * One write transaction. With an Idempotency-Key, a repeated request returns the stored first response (marked
   * `replayed`) and the same key with a different request is refused; business errors are not stored.
   */
  private async write<T>(ctx: WriteContext, fn: (tx: PoolClient) => Promise<T>): Promise<{ body: T; replayed: boolean }> {
    return this.repo.transaction(async (tx) => {
      if (ctx.idempotencyKey) {
        const previous = await this.repo.lockIdempotencyKey(tx, ctx.idempotencyKey);
        if (previous) {
          if (previous.fingerprint !== ctx.fingerprint) throw new AcmeError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
          return { body: previous.body as T, replayed: true };
        }
      }
      const body = await fn(tx);
      if (ctx.idempotencyKey) await this.repo.storeIdempotencyKey(tx, ctx.idempotencyKey, ctx.fingerprint, 200, body);
      return { body, replayed: false };
    });
  }
}
