import { Controller, Get, Header, Inject, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { ActorGuard } from '../auth/actor.guard';
import { CaseEventsHub } from '../console/case-events.hub';
import { ConsoleService, type KpiReport } from '../console/console.service';
import { parseBody } from './parse';

const DAY = 86_400_000;
export const instant = z.string().max(40).refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date or date-time').transform((s) => new Date(s));
const KpiQuerySchema = z.object({ from: instant.optional(), to: instant.optional(), groupBy: z.enum(['intent', 'region', 'day', 'none']).default('intent') }).strict();
const ExportQuerySchema = z.object({ from: instant.optional(), to: instant.optional(), format: z.enum(['jsonl', 'csv']).default('jsonl') }).strict();
const PeriodSchema = z.object({ from: z.date(), to: z.date() })
  .refine((p) => p.from < p.to, { path: ['from'], message: 'from must be before to' })
  .refine((p) => p.to.getTime() - p.from.getTime() <= 366 * DAY, { path: ['from'], message: 'the period is at most 366 days' });

/** `to` defaults to now and `from` to `defaultDays` before it. */
export function period(q: { from?: Date | undefined; to?: Date | undefined }, defaultDays: number): { from: Date; to: Date } {
  const to = q.to ?? new Date();
  return parseBody(PeriodSchema, { from: q.from ?? new Date(to.getTime() - defaultDays * DAY), to });
}

const CSV_COLUMNS = ['id', 'case_id', 'tenant_id', 'region', 'intent', 'mode', 'target_kind', 'target_ref', 'rating', 'comment', 'subject', 'actor_id', 'actor_role', 'at'];

function csvCell(value: unknown): string {
  const s = value === null || value === undefined ? '' : value instanceof Date ? value.toISOString() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  // A leading = + - @ would run as a formula in a spreadsheet.
  const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** Console reads beyond a single case: KPIs, feedback export, live case changes. Any signed-in user or API key. */
@Controller('v1')
@UseGuards(ActorGuard)
export class ConsoleController {
  constructor(@Inject(ConsoleService) private readonly console: ConsoleService, @Inject(CaseEventsHub) private readonly hub: CaseEventsHub) {}

  /** `?from=&to=&groupBy=intent|region|day|none` (default: the last 7 days by intent; `day`: per UTC day of arrival, oldest first). */
  @Get('kpis')
  kpis(@Query() query: unknown): Promise<KpiReport> {
    const q = parseBody(KpiQuerySchema, query);
    const { from, to } = period(q, 7);
    const groupBy = q.groupBy;
    return this.console.kpis(from, to, groupBy);
  }

  /** `?format=jsonl|csv&from=&to=` (default: JSON lines of the last 30 days), as a download. */
  @Get('feedback/export')
  @Header('Cache-Control', 'no-store')
  async exportFeedback(@Query() query: unknown, @Res() res: Response): Promise<void> {
    const q = parseBody(ExportQuerySchema, query);
    const { from, to } = period(q, 30);
    const format = q.format;
    const rows = await this.console.exportFeedback(from, to);
    const stamp = to.toISOString().slice(0, 10);
    res.setHeader('Content-Disposition', `attachment; filename="feedback-${stamp}.${format}"`);
    if (format === 'csv') {
      res.type('text/csv').send([CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => csvCell(r[c])).join(','))].join('\r\n') + '\r\n');
    } else {
      res.type('application/x-ndjson').send(rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
    }
  }

  /** Server-sent events: `event: case` with `{caseId, status, version, tenantId, intent, region, updatedAt}` per change. */
  @Get('events')
  events(@Req() req: Request, @Res() res: Response): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 2000\n\n');
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    const unsubscribe = this.hub.subscribe({
      send: (change) => res.write(`event: case\ndata: ${JSON.stringify(change)}\n\n`),
      end: () => res.end(),
    });
    req.on('close', () => {
      clearInterval(ping);
      unsubscribe();
    });
  }
}
