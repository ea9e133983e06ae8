import { Controller, Get, Inject, NotFoundException, Param, UseGuards } from '@nestjs/common';
import { CaseIdSchema } from '@switchboard/contracts';
import { ActorGuard } from '../auth/actor.guard';
import { TenantAdmission, type TenantBacklog } from '../admission/tenant-admission';
import { parseBody } from './parse';

/** SUPERVISOR_ACTIVE_BUDGET as this replica applies it now: the tenants it counts in demand and each one's share. */
interface SharedBudget {
  budget: number;
  windowSeconds: number;
  tenantsInDemand: number;
  share: number;
}

/**
 * Per-tenant admission (docs/operations.md "Tenant fairness"): which tenants have tickets waiting for a free slot, and
 * where one queued ticket stands — a queued ticket has no case yet, so `/v1/cases/{id}` answers 404 for it.
 */
@Controller('v1/admission')
@UseGuards(ActorGuard)
export class AdmissionController {
  constructor(@Inject(TenantAdmission) private readonly admission: TenantAdmission) {}

  @Get()
  async backlog(): Promise<{ maxActivePerTenant: number; sharedBudget?: SharedBudget; tenants: TenantBacklog[] }> {
    const budget = this.admission.budget;
    return {
      maxActivePerTenant: this.admission.maxActive,
      ...(budget ? { sharedBudget: { budget: budget.budget, windowSeconds: budget.windowMs / 1000, tenantsInDemand: this.admission.tenantsInDemand(), share: this.admission.currentShare() } } : {}),
      tenants: this.admission.enabled ? await this.admission.backlog() : [],
    };
  }

  @Get(':caseId')
  async position(@Param('caseId') id: string): Promise<{ caseId: string; tenantId: string; position: number; enqueuedAt: string }> {
    const caseId = parseBody(CaseIdSchema, id);
    const found = this.admission.enabled ? await this.admission.position(caseId) : undefined;
    if (!found) throw new NotFoundException({ code: 'SUPERVISOR.NOT_QUEUED', message: `case ${caseId} is not waiting for admission` });
    return found;
  }
}
