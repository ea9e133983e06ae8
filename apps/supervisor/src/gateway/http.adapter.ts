import { GatewayAdminClient, GatewayClientError, type ApprovalPreview, type GatewayVerdict } from '@switchboard/gateway-client';
import { GatewayAdminError, GatewayAdminPort } from './gateway-admin.port';

/** The gateway's admin endpoints over HTTP (`POST /v1/approvals/:id/approve|reject`, `GET /v1/verdicts`, `X-Admin-Key`). */
export class HttpGatewayAdminAdapter extends GatewayAdminPort {
  private readonly client: GatewayAdminClient;

  constructor(options: { baseUrl: string; adminKey: string; timeoutMs: number }) {
    super();
    this.client = new GatewayAdminClient(options);
  }

  async approve(approvalId: string, by: string): Promise<void> {
    await this.call(() => this.client.approve(approvalId, by));
  }

  async reject(approvalId: string, by: string, reason: string): Promise<void> {
    await this.call(() => this.client.reject(approvalId, by, reason));
  }

  async verdicts(caseId: string): Promise<GatewayVerdict[]> {
    return this.call(() => this.client.verdicts(caseId));
  }

  async verdictsSince(q: { since: string; until?: string; tenantId?: string; limit?: number }): Promise<GatewayVerdict[]> {
    return this.call(() => this.client.verdictsSince(q));
  }

  async preview(approvalId: string): Promise<ApprovalPreview> {
    return this.call(() => this.client.preview(approvalId));
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof GatewayClientError) throw new GatewayAdminError(`${error.gatewayCode}: ${error.message}`, error.retryable, { cause: error });
      throw new GatewayAdminError(`gateway admin call failed: ${(error as Error).message}`, true, { cause: error });
    }
  }
}
