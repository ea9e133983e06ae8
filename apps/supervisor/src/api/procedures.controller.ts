import { Controller, Get, Inject, NotFoundException, Param, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ProcedureSet } from '@switchboard/procedures';
import { ActorGuard } from '../auth/actor.guard';
import { ProcedureRegistry } from '../policy/procedure-registry';
import { parseBody } from './parse';

const Version = z.coerce.number().int().positive();
const DiffParamsSchema = z.object({ id: z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/, 'a procedure id'), from: Version, to: Version }).strict();

/** The resolution procedures: what is loaded now (full text) and every version ever loaded (for diffs and old cases). */
@Controller('api/procedures')
@UseGuards(ActorGuard)
export class ProceduresController {
  constructor(
    @Inject(ProcedureSet) private readonly procedures: ProcedureSet,
    @Inject(ProcedureRegistry) private readonly registry: ProcedureRegistry,
  ) {}

  @Get()
  async list(): Promise<unknown> {
    return {
      digest: this.procedures.digest,
      intents: this.procedures.intents().map((intent) => ({ intent, tools: this.procedures.allowedTools(intent) ?? null, success: this.procedures.intent(intent)?.success ?? [] })),
      loaded: this.procedures.all(),
      versions: await this.registry.list(),
    };
  }

  /** What changed between two recorded versions of one procedure: `GET /api/procedures/:id/diff?from=1&to=2`. */
  @Get(':id/diff')
  async diff(@Param('id') id: string, @Query() query: Record<string, unknown>): Promise<unknown> {
    const p = parseBody(DiffParamsSchema, { id, ...query });
    const found = await this.registry.diff(p.id, p.from, p.to);
    if (!found) throw new NotFoundException({ code: 'SUPERVISOR.PROCEDURE_NOT_FOUND', message: `${p.id}@${p.from} or ${p.id}@${p.to} was never loaded` });
    return found;
  }
}
