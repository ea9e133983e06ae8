import { BadRequestException } from '@nestjs/common';
import type { z } from 'zod';

/** Parses a body / query / param with zod; every problem in one 400 (`SUPERVISOR.BAD_REQUEST`). */
export function parseBody<T>(schema: z.ZodType<T>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new BadRequestException({ code: 'SUPERVISOR.BAD_REQUEST', message: r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') });
  return r.data;
}
