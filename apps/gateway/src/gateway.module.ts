import { Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { HealthController, HealthService, PostgresReadiness, ProcessMetricsModule, READINESS_CHECKS } from '@switchboard/service-kit';
import { ApprovalRepository } from './approvals/approval.repository';
import { ApprovalPreviewService } from './approvals/approval-preview';
import { ApprovalService } from './approvals/approval.service';
import { ApprovalsController } from './approvals/approvals.controller';
import { AuditRepository } from './audit/audit.repository';
import { VerdictsController } from './verdicts/verdicts.controller';
import { TaskAuthService } from './auth/task-auth.service';
import { BackendPort } from './backend/backend.port';
import { HttpBackendAdapter } from './backend/http.adapter';
import { ToolCatalog } from './catalog/tool-catalog';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { GATEWAY_POOL } from './gateway.tokens';
import { InvokeService } from './invoke/invoke.service';
import { ToolsController } from './invoke/tools.controller';
import { WriteService } from './invoke/write.service';
import { WriteLedgerRepository } from './ledger/write-ledger.repository';
import { TokenBucketLimiter } from './rate-limit/token-bucket';
import { TaskSequenceRepository } from './sequence/task-sequence.repository';

@Injectable()
class PoolLifecycle implements OnApplicationShutdown {
  constructor(@Inject(GATEWAY_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** Backend credentials live here and nowhere else in Switchboard. */
export function backendEndpoints(config: GatewayConfig): Record<string, { baseUrl: string; apiKey: string }> {
  return { acme: { baseUrl: config.ACME_BASE_URL, apiKey: config.ACME_API_KEY } };
}

@Module({})
export class GatewayModule {
  /** The pool and catalogue are built (and migrations run) by createGatewayApp before Nest starts. */
  static forRoot(config: GatewayConfig, deps: { pool: Pool; catalog: ToolCatalog; backend?: BackendPort }): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ProcessMetricsModule.forRoot({ service: 'gateway', key: config.METRICS_KEY })],
      controllers: [ToolsController, ApprovalsController, VerdictsController, HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_POOL, useValue: deps.pool },
        { provide: READINESS_CHECKS, useValue: [new PostgresReadiness(deps.pool)] },
        HealthService,
        { provide: ToolCatalog, useValue: deps.catalog },
        { provide: BackendPort, useValue: deps.backend ?? new HttpBackendAdapter(backendEndpoints(config), config.GATEWAY_BACKEND_TIMEOUT_MS) },
        { provide: TokenBucketLimiter, useValue: new TokenBucketLimiter() },
        PoolLifecycle,
        TaskAuthService,
        WriteLedgerRepository,
        ApprovalRepository,
        AuditRepository,
        TaskSequenceRepository,
        ApprovalService,
        ApprovalPreviewService,
        WriteService,
        InvokeService,
      ],
    };
  }
}
