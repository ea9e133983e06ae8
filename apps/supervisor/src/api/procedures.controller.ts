import { Controller, Get, Inject, UseFilters, UseGuards } from '@nestjs/common';
import { ProcedureSet } from '@switchboard/procedures';
import { ActorGuard } from '../auth/actor.guard';
import { ProcedureRegistry } from '../policy/procedure-registry';
import { SupervisorErrorFilter } from './error.filter';

/** The resolution procedures: what is loaded now (full text) and every version ever loaded (for diffs and old cases). */
@Controller('api/procedures')
@UseGuards(ActorGuard)
@UseFilters(SupervisorErrorFilter)
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
}
